"""A board's list marks a thread that opens with an experience report with the report's
pain scores ("Report: pain 8 → 2"), for viewers who may read the thread's posts only; the
figures come with the page's own query, and a visitor's copy goes stale when they change."""

import re

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.reports.models import ExperienceReport
from forum.threads.models import Post
from tests.conftest import login

pytestmark = pytest.mark.usefixtures("one_minute")


def _rows(html: str) -> dict[str, str]:
    """The board's thread rows: title -> the row's HTML."""
    found = re.findall(
        r'<li class="thread-row[^"]*">.*?class="thread-title"[^>]*>([^<]*)</a>(.*?)</li>',
        html,
        re.S,
    )
    return {title: row for title, row in found}


def _board(client, treatment) -> dict[str, str]:
    response = client.get(f"/b/{treatment.slug}")
    assert response.status_code == 200
    return _rows(response.get_data(as_text=True))


def test_a_thread_opening_with_a_report_shows_its_pain_scores(client, treatment, file, make_thread):
    file(treatment, title="Epidural at L5", pain_before=8, pain_best=2)
    make_thread(board=treatment, title="Just asking")

    rows = _board(client, treatment)

    assert "Report: pain 8 → 2" in rows["Epidural at L5"]
    assert "Report:" not in rows["Just asking"]


def test_a_members_only_threads_figures_are_for_members(client, treatment, file, member):
    file(treatment, title="Private epidural story", visibility="members", pain_before=9)

    visitor_row = _board(client, treatment)["Private epidural story"]
    assert "Members only" in visitor_row  # the title is listed ...
    assert "Report:" not in visitor_row  # ... its figures are not
    assert "pain 9" not in visitor_row

    login(client, member)
    assert "Report: pain 9 → 3" in _board(client, treatment)["Private epidural story"]


def test_no_figures_while_the_first_post_is_hidden(app, client, treatment, file, member):
    post_id = file(treatment, title="Hidden epidural story")
    with app.app_context():
        db.session.get(Post, post_id).state = "hidden"
        db.session.commit()
    login(client, member)

    assert "Report:" not in _board(client, treatment)["Hidden epidural story"]


def test_a_visitors_copy_goes_stale_when_the_figures_change(
    app, client, treatment, file, make_treatment
):
    """Even when the report is about another treatment than the board it is listed on (whose
    row a report's changes do not touch)."""
    board = make_treatment("ablation")
    post_id = file(treatment, board=board, title="Epidural at L5", pain_before=8, pain_best=2)
    path = f"/b/{board.slug}"
    etag = client.get(path).headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    with app.app_context():
        db.session.execute(
            sa.update(ExperienceReport)
            .where(ExperienceReport.post_id == post_id)
            .values(pain_best=5)
        )
        db.session.commit()

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert "Report: pain 8 → 5" in _rows(again.get_data(as_text=True))["Epidural at L5"]

    etag = again.headers["ETag"]
    with app.app_context():
        db.session.get(Post, post_id).state = "hidden"
        db.session.commit()
    hidden = client.get(path, headers={"If-None-Match": etag})
    assert hidden.status_code == 200
    assert "Report:" not in hidden.get_data(as_text=True)
