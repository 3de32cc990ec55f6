"""A board's threads by "most helpful" over a period: the threads started in it, ordered
by how many times their shown posts were found helpful (a hidden or deleted post's
reactions no longer count). Two statements whatever the page's size: the ids with their
totals and the number of such threads (a window function), then the threads as a board's
page loads them."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.pagination import Page, check_page
from forum.reactions.services import helpful_first
from forum.threads.models import Post, Thread
from forum.threads.services import threads_with_opening_report

# The periods a board can be read over ("all" has no start).
PERIODS = {"week": 7, "month": 30, "year": 365, "all": None}


@dataclass(frozen=True)
class HelpfulPage:
    page: Page
    totals: dict  # thread id -> how many times its shown posts were found helpful


def parse_period(value: str | None) -> str:
    """The period asked for; a week when none, or one we do not offer, is asked."""
    return value if value in PERIODS else "week"


def list_threads_most_helpful(board: Board, page: int, per_page: int, period: str) -> HelpfulPage:
    """A page of the board's approved threads started in `period`, most found helpful first
    (then by latest activity)."""
    if page < 1:
        check_page(page, 0, per_page)
    query = (
        sa.select(Thread.id, sa.func.sum(helpful_first()).label("total"), sa.func.count().over())
        .join(Post, Post.thread_id == Thread.id)
        .where(Thread.board_id == board.id, ~Thread.is_hidden)
        .group_by(Thread.id, Thread.last_post_at)
        .order_by(sa.desc("total"), Thread.last_post_at.desc(), Thread.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    if (days := PERIODS[period]) is not None:
        query = query.where(Thread.created_at >= utcnow() - timedelta(days=days))
    rows = db.session.execute(query).all()
    count = rows[0][2] if rows else 0
    check_page(page, count, per_page)
    totals = {row.id: int(row.total or 0) for row in rows}
    threads = {}
    if totals:
        loaded = db.session.scalars(threads_with_opening_report(list(totals)))
        threads = {thread.id: thread for thread in loaded}
    ordered = [threads[thread_id] for thread_id in totals if thread_id in threads]
    return HelpfulPage(Page(ordered, page, per_page, count), totals)
