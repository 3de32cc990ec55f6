"""A board's pages list its threads in one order from first page to last, however deep:
pinned first, then latest activity, newest thread first on a tie."""

from datetime import timedelta

import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.threads.models import Thread
from forum.threads.services import list_threads
from forum.threads.versions import board_page_versions


def _listed_order(board_id: int) -> list[int]:
    """The order the pages must follow, straight from the table (no index tricks)."""
    return list(
        db.session.scalars(
            sa.select(Thread.id)
            .where(Thread.board_id == board_id, ~Thread.is_hidden)
            .order_by(Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        )
    )


def test_every_page_from_first_to_last_shows_the_right_threads_in_order(
    app, make_board, make_thread
):
    board = make_board()
    threads = [make_thread(board=board, title=f"Thread number {n}") for n in range(23)]
    with app.app_context():
        start = utcnow() - timedelta(days=30)
        for n, thread in enumerate(threads):
            # Shuffled activity, some ties (same moment), two pinned, one hidden.
            db.session.execute(
                sa.update(Thread)
                .where(Thread.id == thread.id)
                .values(
                    last_post_at=start + timedelta(hours=(n * 7) % 11),
                    is_pinned=n in (4, 17),
                )
            )
        db.session.execute(
            sa.update(Thread).where(Thread.id == threads[9].id).values(is_hidden=True)
        )
        db.session.execute(sa.update(Board).where(Board.id == board.id).values(thread_count=22))
        db.session.commit()
        board_row = db.session.get(Board, board.id)
        expected = _listed_order(board.id)
        for per_page in (3, 4, 5, 22, 25):
            pages = -(-22 // per_page)
            shown = [
                [t.id for t in list_threads(board_row, number, per_page).items]
                for number in range(1, pages + 1)
            ]
            assert [i for page in shown for i in page] == expected, per_page
            assert all(len(page) == per_page for page in shown[:-1])
            # A visitor's copy of each page is tagged by the versions of the same threads.
            versions = [
                [row[0] for row in board_page_versions(board.slug, number, per_page)[1]]
                for number in range(1, pages + 1)
            ]
            assert versions == shown, per_page
    assert threads[9].id not in expected
    assert expected[:2] == sorted(expected[:2], reverse=True)  # the pinned two first


def test_the_last_page_in_the_browser(app, client, make_board, make_thread):
    board = make_board()
    for n in range(7):
        make_thread(board=board, title=f"Thread number {n}")
    app.config["THREADS_PER_PAGE"] = 3

    page = client.get(f"/b/{board.slug}?page=3").get_data(as_text=True)

    assert "Thread number 0" in page
    assert "Thread number 1" not in page
    assert "Page 3 of 3" in page
