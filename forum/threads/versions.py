"""The row versions of what a board's page or a thread's page shows, for visitors' ETags
(forum/caching.py); and the ids of a page of a board's threads, which both the versions
and the page itself are read by.

These run on every visitor's view, so each is a narrow Core statement built once, with
bound parameters: making a statement with joins costs SQLAlchemy more than SQLite takes
to run it (about 0.2 ms against 0.03 ms for a thread page's versions). A visitor's board
or thread page is one statement when their copy is current: the board or thread is read
with its page's versions, not loaded first (a round trip, and a wide row to describe, on
PostgreSQL); the page's rows are loaded only when it has to be rendered."""

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.pagination import check_page
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, PostState, Thread, slugify

posts, threads, users = Post.__table__, Thread.__table__, User.__table__
boards, reports = Board.__table__, ExperienceReport.__table__

# Posts' positions are 32-bit integers: no thread has a page past them.
LAST_POSITION = 2**31 - 1


@dataclass(frozen=True)
class ThreadHead:
    """What decides who may have a page of a thread (the columns threads.visibility and
    may_see_thread read), and the row versions of that page for a visitor: the thread,
    its board and author, then each post with its author, last editor, experience report
    and the report's board (the rows threads.services.list_posts loads for a visitor,
    tested to stay the same)."""

    id: int
    title: str
    is_hidden: bool
    visibility: str
    author_id: int
    post_count: int
    versions: tuple

    @property
    def slug(self) -> str:
        return slugify(self.title)


def thread_head_or_404(thread_id: int, page: int, per_page: int) -> ThreadHead:
    """A thread's ThreadHead for page `page`, from one statement; 404 for no such thread
    or page. Whether the reader may have the page is the caller's to decide from it
    (may_see_thread, may_read_posts): reading the versions of a page that is then not
    shown costs less than a statement of its own would."""
    if not 1 <= page <= LAST_POSITION // per_page:
        raise NotFound("There is no such page.")  # before it overflows a bound integer
    first = (page - 1) * per_page + 1
    rows = db.session.execute(
        _thread_page(),
        {"thread_id": thread_id, "first": first, "last": first + per_page - 1, "n": per_page},
    ).all()
    if not rows:
        raise NotFound()
    head = rows[0]
    check_page(page, head.post_count, per_page)
    posts_versions = tuple(tuple(row[9:]) for row in rows if row.post_id is not None)
    # Plain tuples: their repr (hashed into the ETag) is a third of a Row's.
    return ThreadHead(*head[:6], versions=(tuple(head[6:9]), posts_versions))


def board_page_versions(slug: str, page: int, per_page: int) -> tuple:
    """The row versions of what a page of a board shows (the board, then each thread with
    its author, latest poster and the experience report of its first post while that post
    is visible: the rows threads.services.list_threads loads); 404 for
    no such board or page. The first page, the one most asked for, is one statement: it
    is read newest first whatever the board's size. Another needs the board's thread
    counter first, to know which end it is nearer."""
    if page == 1:
        oldest_first, window = False, {"skip": 0, "n": per_page}
    else:
        thread_count = db.session.scalar(_board_thread_count(), {"slug": slug})
        if thread_count is None:
            raise NotFound()
        check_page(page, thread_count, per_page)
        oldest_first, window = _listing_window(thread_count, page, per_page)
    rows = db.session.execute(_board_page(oldest_first), {"slug": slug, **window}).all()
    if not rows:
        raise NotFound()
    check_page(page, rows[0].thread_count, per_page)
    threads_versions = tuple(tuple(row[2:]) for row in rows if row.thread_id is not None)
    return rows[0].row_version, threads_versions


def listed_thread_ids(board: Board, page: int, per_page: int) -> tuple[sa.Select, dict]:
    """The ids of a page of the board's threads, pinned first, then by latest activity: a
    statement and its parameters."""
    check_page(page, board.thread_count, per_page)
    oldest_first, window = _listing_window(board.thread_count, page, per_page)
    return _listed_ids(oldest_first), {"board_id": board.id, **window}


def _listing_window(thread_count: int, page: int, per_page: int) -> tuple[bool, dict]:
    """Which end of the board a page is read from, and where.

    Numbered pages without a deep OFFSET over rows: the ids come from the listing index
    alone (it covers the query), read from whichever end of the board is nearer, so the
    last page costs what the first does. The far end is found with the board's thread
    counter, kept in the same transactions as the threads it counts."""
    skip = (page - 1) * per_page
    after = thread_count - skip - per_page  # threads listed after this page
    if 0 < skip and after < skip:  # nearer the end: count back from the oldest thread
        return True, {"skip": max(after, 0), "n": per_page + min(after, 0)}
    return False, {"skip": skip, "n": per_page}


LISTING_ORDER = (threads.c.is_pinned, threads.c.last_post_at, threads.c.id)  # oldest first
NEWEST_FIRST = tuple(column.desc() for column in LISTING_ORDER)


@cache
def _listed_ids(oldest_first: bool, by_slug: bool = False) -> sa.Select:
    board_id = (
        sa.select(boards.c.id).where(boards.c.slug == sa.bindparam("slug")).scalar_subquery()
        if by_slug
        else sa.bindparam("board_id")
    )
    return (
        sa.select(threads.c.id)
        .where(threads.c.board_id == board_id, ~threads.c.is_hidden)
        .order_by(*(LISTING_ORDER if oldest_first else NEWEST_FIRST))
        # Written into the statement, not bound: with a bound LIMIT PostgreSQL cannot
        # trust a plan made once for every board, and plans it again on every view
        # (about 1 ms, twice what running it takes). The first page's text is then the
        # same on every view, and its plan is kept.
        .offset(sa.bindparam("skip", type_=sa.Integer, literal_execute=True))
        .limit(sa.bindparam("n", type_=sa.Integer, literal_execute=True))
    )


@cache
def _board_thread_count() -> sa.Select:
    return sa.select(boards.c.thread_count).where(boards.c.slug == sa.bindparam("slug"))


@cache
def _board_page(oldest_first: bool) -> sa.Select:
    """The board's thread counter and version, with the versions of a page of its threads
    (none, on a board without threads): one row per thread."""
    author, last_poster = users.alias("author"), users.alias("last_poster")
    first_post = posts.alias("first_post")
    listed = (
        sa.select(
            threads.c.id.label("thread_id"),
            threads.c.row_version.label("thread_version"),
            author.c.row_version.label("author_version"),
            last_poster.c.row_version.label("last_poster_version"),
            # The report's id as well: a new row starts at version 1, as a removed one did.
            reports.c.id.label("report_id"),
            reports.c.row_version.label("report_version"),
            *(column.label(f"sort_{n}") for n, column in enumerate(LISTING_ORDER)),
        )
        .join(author, threads.c.author_id == author.c.id)
        .join(last_poster, threads.c.last_poster_id == last_poster.c.id)
        # The join of Thread.opening_report: the first post while it is visible.
        .outerjoin(
            first_post,
            sa.and_(
                first_post.c.thread_id == threads.c.id,
                first_post.c.position == 1,
                first_post.c.state == PostState.VISIBLE.value,
            ),
        )
        .outerjoin(reports, reports.c.post_id == first_post.c.id)
        .where(threads.c.id.in_(_listed_ids(oldest_first, by_slug=True).scalar_subquery()))
        .subquery("listed")
    )
    return (
        sa.select(
            boards.c.thread_count,
            boards.c.row_version,
            listed.c.thread_id,
            listed.c.thread_version,
            listed.c.author_version,
            listed.c.last_poster_version,
            listed.c.report_id,
            listed.c.report_version,
        )
        .select_from(boards.outerjoin(listed, sa.true()))
        .where(boards.c.slug == sa.bindparam("slug"))
        .order_by(listed.c.sort_0.desc(), listed.c.sort_1.desc(), listed.c.sort_2.desc())
    )


@cache
def _thread_page() -> sa.Select:
    """The thread's ThreadHead columns and its board's and author's versions, with the
    versions of a page of its posts: one row per post."""
    page = _posts_versions().subquery("page")
    author = users.alias("thread_author")
    return (
        sa.select(
            threads.c.id,
            threads.c.title,
            threads.c.is_hidden,
            threads.c.visibility,
            threads.c.author_id,
            threads.c.post_count,
            threads.c.row_version,
            boards.c.row_version,
            author.c.row_version,
            *(column for column in page.c if column.name != "position"),
        )
        .join(boards, threads.c.board_id == boards.c.id)
        .join(author, threads.c.author_id == author.c.id)
        .outerjoin(page, sa.true())
        .where(threads.c.id == sa.bindparam("thread_id"))
        .order_by(page.c.position)
    )


def post_versions(post: Post) -> tuple:
    """The row versions of what a post's block shows, read off the post as list_posts loads
    it (its author, last editor, report and the report's board): the same values, in the
    same order, as its row of a ThreadHead's versions (_posts_versions)."""
    editor, report = post.edited_by, post.report
    return (
        post.id,
        post.row_version,
        post.author.row_version,
        editor.row_version if editor else None,
        report.id if report else None,
        report.row_version if report else None,
        report.board.row_version if report else None,
    )


@cache
def _posts_versions() -> sa.Select:
    author, editor = users.alias("author"), users.alias("editor")
    report_board = boards.alias("report_board")
    return (
        sa.select(
            posts.c.position,
            posts.c.id.label("post_id"),
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
        # it PostgreSQL estimates thousands of rows for a long thread's first page. Written
        # in, as the board's is (_listed_ids).
        .order_by(posts.c.position)
        .limit(sa.bindparam("n", type_=sa.Integer, literal_execute=True))
    )
