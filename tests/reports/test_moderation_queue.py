"""A post waiting in the moderation queue shows the experience report it carries, so a
moderator reviews the figures the post would publish, not only its words."""

import re
from html import unescape

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, Thread
from tests.conftest import first_post_id, login


def _hold_for_approval(app, post_id: int) -> None:
    """Make a thread's first post wait for approval, as a new member's would."""
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.state = "pending"
        db.session.get(Thread, post.thread_id).is_hidden = True
        db.session.commit()


def _queue_items(html: str) -> dict[int, str]:
    found = re.findall(
        r'<article class="post queue-item[^"]*" aria-labelledby="q(\d+)">(.*?)</article>',
        html,
        re.S,
    )
    return {int(post_id): unescape(body) for post_id, body in found}


def test_a_queued_report_shows_its_card_above_the_post(
    app, client, file, treatment, make_thread, moderator
):
    report_post = file(treatment, body="Story of my epidural.", pain_before=8, pain_best=2)
    plain_post = first_post_id(app, make_thread(title="Just a question", body="Plain words."))
    _hold_for_approval(app, report_post)
    _hold_for_approval(app, plain_post)
    login(client, moderator)

    items = _queue_items(client.get("/moderation").get_data(as_text=True))

    report_item = items[report_post]
    assert 'class="report-card"' in report_item
    assert "Experience report" in report_item
    assert "pain 8 → 2, much improved" in report_item
    assert report_item.index("report-card") < report_item.index("Story of my epidural.")
    assert "report-card" not in items[plain_post]
    assert "Plain words." in items[plain_post]


def test_the_queue_with_reports_runs_the_same_statements_whatever_its_size(
    app, client, file, make_treatment, moderator, count_queries
):
    login(client, moderator)
    treatments = [make_treatment("injection"), make_treatment("ablation")]
    counts = {}
    for size, added in (("2", 2), ("8", 6)):
        for n in range(added):
            _hold_for_approval(app, file(treatments[n % 2], pain_before=6, pain_best=n % 6))
        with count_queries() as statements:
            html = client.get("/moderation").get_data(as_text=True)
        assert html.count('class="report-card"') == int(size)
        counts[size] = len(statements)
    assert counts["2"] == counts["8"], counts
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Post.state == "pending")) == 8
