"""Reading and seeding boards."""

import tomllib
from functools import cache
from itertools import groupby
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from forum.boards.models import Board
from forum.extensions import db, first_or_404
from forum.moderation_log import log_action
from forum.threads.models import Thread

BOARDS_FILE = Path(__file__).with_name("boards.toml")


def list_boards_by_category() -> list[tuple[str, list[Board]]]:
    """All boards in order, grouped by category, each with its latest thread loaded."""
    boards = db.session.scalars(
        sa.select(Board)
        .options(joinedload(Board.last_thread).joinedload(Thread.last_poster))
        .order_by(Board.position, Board.id)
    ).all()
    return [(category, list(group)) for category, group in groupby(boards, lambda b: b.category)]


def list_boards() -> list[Board]:
    return list(db.session.scalars(sa.select(Board).order_by(Board.position, Board.id)))


def get_board_or_404(slug: str) -> Board:
    return first_or_404(_board_by_slug(), {"slug": slug})


@cache
def _board_by_slug() -> sa.Select:
    # Built once: every board page starts here.
    return sa.select(Board).where(Board.slug == sa.bindparam("slug"))


def load_board_data(path: Path = BOARDS_FILE) -> list[dict]:
    """The boards described in the data file, flattened, in listing order."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    return [
        {**board, "category": category["name"]}
        for category in data["category"]
        for board in category["boards"]
    ]


def seed_boards(path: Path = BOARDS_FILE) -> tuple[int, int]:
    """Create missing boards and update existing ones from the data file. Idempotent.

    Returns (created, updated)."""
    existing = {board.slug: board for board in db.session.scalars(sa.select(Board))}
    created = updated = 0
    for position, data in enumerate(load_board_data(path), start=1):
        fields = {
            "name": data["name"],
            "category": data["category"],
            "description": data["description"],
            "aliases": list(data.get("aliases", [])),
            "position": position,
            "family": data.get("family"),
            "evidence": data.get("evidence"),
            "evidence_source": data.get("evidence_source"),
            "evidence_url": data.get("evidence_url"),
        }
        board = existing.get(data["slug"])
        if board is None:
            board = Board(slug=data["slug"], **fields)
            db.session.add(board)
            db.session.flush()
            log_action(None, "board_create", board, after=fields)
            created += 1
        elif changed := {k: v for k, v in fields.items() if getattr(board, k) != v}:
            before = {key: getattr(board, key) for key in changed}
            for key, value in changed.items():
                setattr(board, key, value)
            log_action(None, "board_update", board, before=before, after=changed)
            updated += 1
    db.session.commit()
    return created, updated
