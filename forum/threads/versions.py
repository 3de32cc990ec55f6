"""The row versions of what a board's page or a thread's page shows, for visitors' ETags
(forum/caching.py); and the ids of a page of a board's threads, which both the versions
and the page itself are read by.

These run on every visitor's view, so each is a narrow Core statement built once, with
bound parameters: making a statement with joins costs SQLAlchemy more than SQLite takes
to run it (about 0.2 ms against 0.03 ms for a thread page's versions)."""

from functools import cache

import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.pagination import check_page
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, Thread

posts, threads, users = Post.__table__, Thread.__table__, User.__table__
boards, reports = Board.__table__, ExperienceReport.__table__


def list_posts_versions(thread: Thread, page: int, per_page: int) -> list[tuple]:
    """The id and row versions of every row a visitor's page of posts shows (each post,
    its author and last editor, its experience report and the report's board): the rows
    threads.services.list_posts loads for a visitor, tested to stay the same."""
    check_page(page, thread.post_count, per_page)
    first = (page - 1) * per_page + 1
    rows = db.session.execute(
        _posts_versions(),
        {"thread_id": thread.id, "first": first, "last": first + per_page - 1, "n": per_page},
    )
    return [tuple(row) for row in rows]  # plain tuples: their repr is a third of a Row's


def list_threads_versions(board: Board, page: int, per_page: int) -> list[tuple]:
    """The id and row versions of every row a page of the board shows (each thread, its
    author and its latest poster): the rows threads.services.list_threads loads."""
    oldest_first, params = _listing_window(board, page, per_page)
    rows = db.session.execute(_threads_versions(oldest_first), params)
    return [tuple(row) for row in rows]


def list_boards_versions() -> list[tuple]:
    """The id and row versions of every row the list of boards shows (each board, its
    latest thread and that thread's latest poster)."""
    return [tuple(row) for row in db.session.execute(_boards_versions())]


def listed_thread_ids(board: Board, page: int, per_page: int) -> tuple[sa.Select, dict]:
    """The ids of a page of the board's threads, pinned first, then by latest activity: a
    statement and its parameters."""
    oldest_first, params = _listing_window(board, page, per_page)
    return _listed_ids(oldest_first), params


def _listing_window(board: Board, page: int, per_page: int) -> tuple[bool, dict]:
    """Which end of the board a page is read from, and where.

    Numbered pages without a deep OFFSET over rows: the ids come from the listing index
    alone (it covers the query), read from whichever end of the board is nearer, so the
    last page costs what the first does. The far end is found with the board's thread
    counter, kept in the same transactions as the threads it counts."""
    check_page(page, board.thread_count, per_page)
    skip = (page - 1) * per_page
    after = board.thread_count - skip - per_page  # threads listed after this page
    if 0 < skip and after < skip:  # nearer the end: count back from the oldest thread
        return True, {"board_id": board.id, "skip": max(after, 0), "n": per_page + min(after, 0)}
    return False, {"board_id": board.id, "skip": skip, "n": per_page}


NEWEST_FIRST = (threads.c.is_pinned.desc(), threads.c.last_post_at.desc(), threads.c.id.desc())


@cache
def _listed_ids(oldest_first: bool) -> sa.Select:
    order = (threads.c.is_pinned, threads.c.last_post_at, threads.c.id)
    return (
        sa.select(threads.c.id)
        .where(threads.c.board_id == sa.bindparam("board_id"), ~threads.c.is_hidden)
        .order_by(*(order if oldest_first else NEWEST_FIRST))
        .offset(sa.bindparam("skip"))
        .limit(sa.bindparam("n"))
    )


@cache
def _threads_versions(oldest_first: bool) -> sa.Select:
    author, last_poster = users.alias("author"), users.alias("last_poster")
    return (
        sa.select(
            threads.c.id, threads.c.row_version, author.c.row_version, last_poster.c.row_version
        )
        .join(author, threads.c.author_id == author.c.id)
        .join(last_poster, threads.c.last_poster_id == last_poster.c.id)
        .where(threads.c.id.in_(_listed_ids(oldest_first).scalar_subquery()))
        .order_by(*NEWEST_FIRST)
    )


@cache
def _posts_versions() -> sa.Select:
    author, editor = users.alias("author"), users.alias("editor")
    report_board = boards.alias("report_board")
    return (
        sa.select(
            posts.c.id,
            posts.c.row_version,
            author.c.row_version,
            editor.c.row_version,
            reports.c.id,
            reports.c.row_version,
            report_board.c.row_version,
        )
        .join(author, posts.c.author_id == author.c.id)
        .outerjoin(editor, posts.c.edited_by_id == editor.c.id)
        .outerjoin(reports, reports.c.post_id == posts.c.id)
        .outerjoin(report_board, reports.c.board_id == report_board.c.id)
        .where(
            posts.c.thread_id == sa.bindparam("thread_id"),
            posts.c.position.between(sa.bindparam("first"), sa.bindparam("last")),
        )
        # The LIMIT is the planner's cue: positions 1-20 exist in every thread, so without
        # it PostgreSQL estimates thousands of rows for a long thread's first page.
        .order_by(posts.c.position)
        .limit(sa.bindparam("n"))
    )


@cache
def _boards_versions() -> sa.Select:
    return (
        sa.select(boards.c.id, boards.c.row_version, threads.c.row_version, users.c.row_version)
        .select_from(boards)
        .outerjoin(threads, boards.c.last_thread_id == threads.c.id)
        .outerjoin(users, threads.c.last_poster_id == users.c.id)
        .order_by(boards.c.position, boards.c.id)
    )
