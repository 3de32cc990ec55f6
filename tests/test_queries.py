"""Pages run a fixed number of SQL statements, whatever the amount of data behind them."""

import pytest
import sqlalchemy as sa

from forum.accounts.services import create_member
from forum.boards.models import Board
from forum.extensions import db
from forum.reactions.models import ReactionKind
from forum.reactions.services import toggle_reaction
from forum.reports.services import file_report
from forum.threads.models import Thread
from forum.threads.services import create_thread, reply_to_thread
from tests.conftest import login

CEILING = 4  # measured: 1-2 reads for the page, plus 1 for the signed-in member
# A profile reads its member's treatment path (their experience reports) as well.
PAGE_CEILING = {"profile": CEILING + 1}
# A member's home, board and thread pages read what they have not read yet (forum/reading);
# a thread page reads it with the posts they bookmarked and who reacted (one statement).
MEMBER_EXTRA = {"home": 1, "board": 1, "thread": 1}


def _grow(app, size: str, boards: int, threads_per_board: int, replies: int) -> int:
    """Add boards, threads and replies by distinct members; returns the last thread's id."""
    with app.app_context():
        authors = [create_member(f"{size}-writer{n}") for n in range(max(3, replies))]
        for b in range(boards):
            board = Board(
                slug=f"{size}-{b}",
                name=f"Size {b}",
                category=f"Category {b % 3}",
                description="",
                aliases=[],
                position=b,
            )
            db.session.add(board)
            db.session.commit()
            for t in range(threads_per_board):
                post = create_thread(
                    authors[t % len(authors)], board, f"Thread {b}-{t}", "text", visibility="public"
                )
            thread = db.session.get(Thread, post.thread_id)
            for r in range(replies):
                reply = reply_to_thread(authors[r % len(authors)], thread, f"reply {r}")
                # Members found it helpful (and the page lists who), as the thread grows.
                for reactor in authors[: r + 1]:
                    if reactor.id != reply.author_id:
                        toggle_reaction(reactor, reply, ReactionKind.HELPFUL)
        return post.thread_id


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_run_a_bounded_number_of_statements(app, client, make_user, count_queries, signed_in):
    """The same small ceiling with 2 boards x 2 threads and with 6 boards x 27 threads."""
    counts = {}
    if signed_in:
        login(client, make_user("reader"))
    for size, (boards, threads, replies) in {"small": (2, 2, 2), "large": (6, 27, 22)}.items():
        thread_id = _grow(app, size, boards, threads, replies)
        with app.app_context():
            thread = db.session.get(Thread, thread_id)
            board_slug = db.session.scalar(sa.select(Board.slug).where(Board.id == thread.board_id))
            thread_path = f"/t/{thread.id}/{thread.slug}"
            post_id = db.session.scalar(
                sa.text("SELECT max(id) FROM posts WHERE thread_id = :t"), {"t": thread_id}
            )
        for name, path in {
            "home": "/",
            "board": f"/b/{board_slug}",
            "thread": thread_path,
            "profile": f"/u/{size}-writer1",
            "history": f"/p/{post_id}/history",
        }.items():
            if signed_in:
                # A member's first view of a thread also notes how far they read (one
                # write, counted in tests/reading): the pages are counted as read again.
                client.get(path)
            with count_queries() as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            counts[(name, size)] = len(statements)
    for (name, size), count in counts.items():
        ceiling = PAGE_CEILING.get(name, CEILING) + (MEMBER_EXTRA.get(name, 0) if signed_in else 0)
        assert count <= ceiling, f"{name} page ran {count} statements with {size} data"
    for name in ("home", "board", "thread", "profile", "history"):
        assert counts[(name, "small")] == counts[(name, "large")], name


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def test_a_visitors_page_views_write_nothing(app, client, count_queries):
    """Reading is free for the database: no counters, no 'last seen', no log rows."""
    thread_id = _grow(app, "quiet", 1, 3, 4)
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        board_slug = db.session.scalar(sa.select(Board.slug).where(Board.id == thread.board_id))
        paths = [
            "/",
            f"/b/{board_slug}",
            f"/t/{thread.id}/{thread.slug}",
            "/search?q=reply",
            "/u/quiet-writer1",
        ]
    for path in paths:
        for _ in range(2):  # the second view may be served from the rendered-page cache
            with count_queries() as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            writes = [s for s in statements if s.lstrip().upper().startswith(WRITES)]
            assert writes == [], f"{path} wrote: {writes}"


def _file_reports(app, board_slug: str, count: int, visibility: str, round_: int) -> None:
    """Threads opening with an experience report on a treatment board, each by its own
    member (one report per member per episode)."""
    with app.app_context():
        board = db.session.scalar(sa.select(Board).where(Board.slug == board_slug))
        for n in range(count):
            author = create_member(f"{board_slug}-{visibility}-{round_}-{n}")
            answers = {"treatment": board, "pain_before": 7, "pain_best": n % 7, "pgic": 3}
            file_report(
                author,
                board,
                f"Report {n}",
                "How it went.",
                answers,
                visibility=visibility,
                confirmed_estimate=True,
            )


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_board_listing_reports_runs_the_same_statements_whatever_their_number(
    app, client, make_user, count_queries, signed_in, one_minute
):
    """The pain scores a board's list shows come with its threads: 3 reports or 25, public
    or members only, the same statements; a visitor's current copy is still one."""
    with app.app_context():
        db.session.add(
            Board(
                slug="rfa",
                name="Radiofrequency ablation",
                category="Treatments",
                description="",
                aliases=[],
                position=1,
                family="ablation",
            )
        )
        db.session.commit()
    if signed_in:
        login(client, make_user("reader"))
    counts = []
    # (public, members only) added; then the figures each viewer sees on the first page
    rounds = (((1, 2), (1, 3)), ((11, 11), (12, 25)))
    for round_, ((public, members), (visitor_sees, member_sees)) in enumerate(rounds):
        _file_reports(app, "rfa", public, "public", round_)
        _file_reports(app, "rfa", members, "members", round_)
        with count_queries() as statements:
            page = client.get("/b/rfa").get_data(as_text=True)
        counts.append(len(statements))
        assert page.count("Report: pain 7 → ") == (member_sees if signed_in else visitor_sees)
    assert counts[0] == counts[1], counts
    # A treatment board also reads its latest outcomes release, for the headline; a
    # member's, what they have not read yet.
    assert counts[1] <= CEILING + 1 + signed_in, counts
    if not signed_in:
        etag = client.get("/b/rfa").headers["ETag"]
        with count_queries() as statements:
            assert client.get("/b/rfa", headers={"If-None-Match": etag}).status_code == 304
        assert len(statements) == 1
