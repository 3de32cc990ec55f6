"""The database bumps a row's version on every update, whatever writes it: the ORM, a Core
UPDATE, or plain SQL. Visitors' pages are fingerprinted by these versions (forum/caching.py),
so a write path that forgot to would serve a stale page; here none can forget."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, Thread

# A column of each table and a new value for it.
CHANGES = {
    User: ("declared_interest", "I consult for a device maker."),
    Board: ("description", "A new description."),
    Thread: ("title", "A new title for the thread"),
    Post: ("body_html", "<p>Edited.</p>"),
    ExperienceReport: ("pain_best", 1),
}


@pytest.fixture
def rows(app, treatment, file):
    """One row of each versioned table: a filed experience report brings them all."""
    post_id = file(treatment)
    with app.app_context():
        post = db.session.get(Post, post_id)
        report_id = db.session.scalar(
            sa.select(ExperienceReport.id).where(ExperienceReport.post_id == post_id)
        )
        return {
            User: post.author_id,
            Board: treatment.id,
            Thread: post.thread_id,
            Post: post_id,
            ExperienceReport: report_id,
        }


def _version(model, row_id) -> int:
    return db.session.scalar(sa.select(model.row_version).where(model.id == row_id))


@pytest.mark.parametrize("model", list(CHANGES), ids=lambda m: m.__tablename__)
@pytest.mark.parametrize("how", ["orm", "core", "sql"])
def test_every_update_bumps_the_rows_version(app, rows, model, how):
    column, value = CHANGES[model]
    row_id = rows[model]
    with app.app_context():
        before = _version(model, row_id)
        others = _other_versions(model, row_id)
        if how == "orm":
            setattr(db.session.get(model, row_id), column, value)
        elif how == "core":
            db.session.execute(sa.update(model).where(model.id == row_id).values({column: value}))
        else:
            db.session.execute(
                sa.text(f"UPDATE {model.__tablename__} SET {column} = :value WHERE id = :id"),
                {"value": value, "id": row_id},
            )
        db.session.commit()
        assert _version(model, row_id) == before + 1
        assert _other_versions(model, row_id) == others  # only the row updated


def _other_versions(model, row_id) -> list[tuple[int, int]]:
    return db.session.execute(
        sa.select(model.id, model.row_version).where(model.id != row_id).order_by(model.id)
    ).all()


def test_a_new_row_starts_at_one_and_an_update_naming_the_version_keeps_it(app, make_board):
    board = make_board()
    with app.app_context():
        assert _version(Board, board.id) == 1
        db.session.execute(
            sa.update(Board).where(Board.id == board.id).values(name="Renamed", row_version=7)
        )
        db.session.commit()
        assert _version(Board, board.id) == 7
