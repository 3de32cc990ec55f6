"""A moderator's day, end to end through the pages."""

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post
from tests.conftest import age_accounts, login


def test_flags_hide_a_post_and_a_moderator_decides(app, make_user, make_thread, moderator):
    author = make_user("author-a")
    thread = make_thread(author=author, title="Flagged thread", body="Buy my miracle cure")
    flaggers = [make_user(f"flagger-{n}") for n in range(3)]
    age_accounts(app, *flaggers)
    with app.app_context():
        post_id = db.session.scalar(sa.select(Post.id).where(Post.thread_id == thread.id))
    for flagger in flaggers:
        client = app.test_client()
        login(client, flagger)
        response = client.post(f"/p/{post_id}/flag", data={"reason": "promotion"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    visitor_page = app.test_client().get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "hidden pending moderator review" in visitor_page
    assert "miracle cure" not in visitor_page

    mod = app.test_client()
    login(mod, moderator)
    queue = mod.get("/moderation")
    assert queue.status_code == 200
    page = queue.get_data(as_text=True)
    assert "3 flags" in page
    assert "Commercial promotion" in page
    with app.app_context():
        flag_ids = ",".join(
            str(i) for i in db.session.scalars(sa.text("SELECT id FROM flags ORDER BY id"))
        )
    response = mod.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": "hide", "reason": "Advertising", "flag_ids": flag_ids},
    )
    assert response.status_code == 302
    again = mod.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": "keep", "reason": "", "flag_ids": flag_ids},
        follow_redirects=True,
    )
    assert "Already handled by mod-maria" in again.get_data(as_text=True)
    author_client = app.test_client()
    login(author_client, author)
    author_page = author_client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "Hidden by a moderator: Advertising" in author_page
    log = mod.get("/moderation/log").get_data(as_text=True)
    assert "post_hide" in log
    assert "hide_on_flags" in log
    assert mod.get("/moderation/members/author-a").status_code == 200
    assert mod.get(f"/moderation/threads/{thread.id}").status_code == 200
