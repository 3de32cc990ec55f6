"""What feeds and the sitemap may show, read in a fixed number of statements each."""

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from forum.boards.models import Board
from forum.extensions import db
from forum.policy.threads import post_is_public, thread_is_public
from forum.reports.models import OutcomeRelease
from forum.threads.models import Post, Thread, slugify

# Entries per feed: enough for a reader that polls now and then, small enough to stay cheap.
FEED_LENGTH = 50

# A thread's first post, joined by the thread lists: it is the entry's text.
OpeningPost = aliased(Post, name="opening_post")


def _listed_threads(*entities) -> sa.Select:
    """Public threads (forum/policy/threads.py: approved, not members-only) whose
    opening post is public too: a thread whose first post was hidden or deleted is not
    offered to readers or crawlers (it has nothing to say for itself)."""
    return (
        sa.select(*entities)
        .select_from(Thread)
        .join(OpeningPost, sa.and_(OpeningPost.thread_id == Thread.id, OpeningPost.position == 1))
        .where(thread_is_public(), post_is_public(OpeningPost))
    )


# -- feeds -------------------------------------------------------------------------------


def list_latest_threads(board: Board | None = None, limit: int = FEED_LENGTH) -> list[tuple]:
    """The newest public threads (on one board, or everywhere) with their opening posts,
    authors and boards, newest first: (thread, opening post) pairs, one statement."""
    query = (
        _listed_threads(Thread, OpeningPost)
        .options(joinedload(Thread.author), joinedload(Thread.board))
        .order_by(Thread.id.desc())
        .limit(limit)
    )
    if board is not None:
        query = query.where(Thread.board_id == board.id)
    return [tuple(row) for row in db.session.execute(query)]


def get_public_thread_or_404(thread_id: int) -> Thread:
    """A thread any visitor may read, with its board; 404 for anything else, members-only
    threads included: feed readers are never signed in."""
    return db.first_or_404(
        sa.select(Thread)
        .where(Thread.id == thread_id, thread_is_public())
        .options(joinedload(Thread.board))
    )


def list_latest_posts(thread: Thread, limit: int = FEED_LENGTH) -> list[Post]:
    """The thread's newest public posts with their authors (and thread), newest first."""
    return list(
        db.session.scalars(
            sa.select(Post)
            .where(Post.thread_id == thread.id, post_is_public())
            .options(joinedload(Post.author), joinedload(Post.thread))
            .order_by(Post.position.desc())
            .limit(limit)
        )
    )


# -- the sitemap -------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapItem:
    """A page for crawlers: the endpoint and values of its address, and when it changed."""

    endpoint: str
    values: dict
    lastmod: datetime | None


@dataclass(frozen=True)
class Sitemap:
    """The whole site in one file (items), or how many files it takes (files)."""

    items: list[SitemapItem] | None
    files: int


def get_sitemap(per_file: int) -> Sitemap:
    """Everything, when it fits in one file; otherwise the number of files. Three statements
    at most: boards, a count of threads, and the threads when they fit."""
    fixed = _fixed_items()
    total = len(fixed) + db.session.scalar(_listed_threads(sa.func.count()))
    if total > per_file:
        return Sitemap(items=None, files=math.ceil(total / per_file))
    return Sitemap(items=fixed + _thread_items(0, per_file - len(fixed)), files=1)


def list_sitemap_file(number: int, per_file: int) -> list[SitemapItem]:
    """The items of sitemap file `number` (from 1): the home page, boards and outcomes pages
    first, then threads oldest first, so new threads land in the last file. Two statements;
    an empty list means there is no such file."""
    if number < 1:
        return []
    fixed = _fixed_items()
    start = (number - 1) * per_file
    items = fixed[start : start + per_file]
    room = per_file - len(items)
    if room:
        items = items + _thread_items(max(0, start - len(fixed)), room)
    return items


def _fixed_items() -> list[SitemapItem]:
    """The home page, every board, and the outcomes page of each treatment board, with when
    each last changed: one statement, with the latest release of each board's outcomes."""
    # An outcomes page changes when its treatment's figures are released anew.
    reported = (
        sa.select(sa.func.max(OutcomeRelease.made_at))
        .where(OutcomeRelease.board_id == Board.id)
        .correlate(Board)
        .scalar_subquery()
        .label("reports_changed_at")
    )
    rows = db.session.execute(
        sa.select(Board.slug, Board.family, Board.last_post_at, reported).order_by(
            Board.position, Board.id
        )
    ).all()
    changed = [row.last_post_at for row in rows if row.last_post_at is not None]
    items = [SitemapItem("boards.index", {}, max(changed, default=None))]
    items += [SitemapItem("boards.detail", {"slug": row.slug}, row.last_post_at) for row in rows]
    items += [
        SitemapItem("reports.outcomes", {"slug": row.slug}, row.reports_changed_at)
        for row in rows
        if row.family is not None
    ]
    return items


def _thread_items(offset: int, limit: int) -> list[SitemapItem]:
    """A slice of the listed threads, oldest first: one bounded statement."""
    if limit <= 0:
        return []
    rows = db.session.execute(
        _listed_threads(Thread.id, Thread.title, Thread.last_post_at)
        .order_by(Thread.id)
        .offset(offset)
        .limit(limit)
    )
    return [
        SitemapItem(
            "threads.detail", {"thread_id": row.id, "slug": slugify(row.title)}, row.last_post_at
        )
        for row in rows
    ]
