"""Feeds and sitemap files run a fixed number of SQL statements, whatever the data."""

import pytest
import sqlalchemy as sa

from forum.accounts.services import create_member
from forum.boards.models import Board
from forum.extensions import db
from forum.threads.models import Thread
from forum.threads.services import create_thread, reply_to_thread
from tests.conftest import login

CEILING = 4


@pytest.fixture(params=[50_000, 3], ids=["one-file", "index"])
def app(request, make_app):
    """The same data as one sitemap file, and spread over an index of three-URL files."""
    return make_app(SITEMAP_URLS_PER_FILE=request.param)


def _grow(app, size: str, threads: int, replies: int) -> tuple[str, int]:
    """Threads and replies on two boards (one of them with an outcomes page)."""
    with app.app_context():
        authors = [create_member(f"{size}-writer{n}") for n in range(3)]
        boards = [
            Board(
                slug=f"{size}-{b}",
                name=f"Size {b}",
                category="Sizes",
                description="",
                aliases=[],
                position=b,
                family="rfa" if b == 0 else None,
            )
            for b in range(2)
        ]
        db.session.add_all(boards)
        db.session.commit()
        for t in range(threads):
            post = create_thread(
                authors[t % 3], boards[t % 2], f"Thread {size} {t}", "text", visibility="public"
            )
        thread = db.session.get(Thread, post.thread_id)
        for r in range(replies):
            reply_to_thread(authors[r % 3], thread, f"reply {r}")
        slug = db.session.scalar(sa.select(Board.slug).where(Board.id == thread.board_id))
        return slug, thread.id


@pytest.mark.parametrize("signed_in", [False, True])
def test_feeds_and_sitemap_run_a_bounded_number_of_statements(
    app, client, make_user, count_queries, signed_in
):
    if signed_in:
        login(client, make_user("reader"))
    # A file past the home page, boards and outcomes pages of both sizes: boards and threads.
    sitemap_file = (
        "/sitemap-3.xml" if app.config["SITEMAP_URLS_PER_FILE"] == 3 else "/sitemap-1.xml"
    )
    counts = {}
    for size, (threads, replies) in {"small": (3, 2), "large": (60, 55)}.items():
        board_slug, thread_id = _grow(app, size, threads, replies)
        for name, path in {
            "latest": "/feeds/latest.atom",
            "board": f"/b/{board_slug}.atom",
            "thread": f"/t/{thread_id}.atom",
            "sitemap": "/sitemap.xml",
            "sitemap file": sitemap_file,
            "robots": "/robots.txt",
        }.items():
            with count_queries() as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            counts[(name, size)] = len(statements)
    for (name, size), count in counts.items():
        assert count <= CEILING, f"{name} ran {count} statements with {size} data"
    for name in ("latest", "board", "thread", "sitemap", "sitemap file", "robots"):
        assert counts[(name, "small")] == counts[(name, "large")], (name, counts)
