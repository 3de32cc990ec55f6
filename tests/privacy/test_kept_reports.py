"""Experience reports kept as anonymous figures after their author erased their account."""

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db
from forum.reports.models import ExperienceReport, OutcomeRelease
from tests.conftest import login
from tests.privacy.conftest import PSEUDONYM
from tests.reports.conftest import publish


def counted(app, report_board_id: int) -> int:
    """How many reports a release of the board's figures counts now, the declared ties
    among them (the fixture's report declares one). The fixture's board is made a
    treatment board first: only those publish figures."""
    with app.app_context():
        board = db.session.get(Board, report_board_id)
        board.family = "injection"
        db.session.commit()
        db.session.refresh(board)
        db.session.expunge(board)
    publish(app, board)
    with app.app_context():
        snapshot = db.session.scalar(
            sa.select(OutcomeRelease.snapshot)
            .where(OutcomeRelease.board_id == report_board_id)
            .order_by(OutcomeRelease.id.desc())
            .limit(1)
        )
        return len(snapshot)


@pytest.mark.parametrize("posts", ["delete", "keep"])
def test_a_kept_report_counts_in_the_outcomes_and_shows_on_no_post(
    app, client, member_with_everything, posts
):
    everything = member_with_everything
    with app.app_context():
        board_id = db.session.get(ExperienceReport, everything.report_id).board_id
    assert counted(app, board_id) == 1
    login(client, everything.member)
    response = client.post(
        "/settings/delete",
        data={"posts": posts, "reports": "keep", "confirmation": PSEUDONYM},
    )
    assert response.status_code == 302
    assert counted(app, board_id) == 1
    with app.app_context():
        report = db.session.get(ExperienceReport, everything.report_id)
        assert (report.post_id, report.author_id, report.conflict_disclosure) == (None, None, None)
    page = client.get(f"/t/{everything.thread_id}/x", follow_redirects=True).get_data(as_text=True)
    assert 'class="report-card"' not in page


def test_a_deleted_report_no_longer_counts(app, client, member_with_everything):
    everything = member_with_everything
    with app.app_context():
        board_id = db.session.get(ExperienceReport, everything.report_id).board_id
    login(client, everything.member)
    client.post(
        "/settings/delete",
        data={"posts": "keep", "reports": "delete", "confirmation": PSEUDONYM},
    )
    assert counted(app, board_id) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExperienceReport)) == 0
