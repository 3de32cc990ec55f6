"""Reading and seeding boards, and what the home page shows."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, first_or_404
from forum.moderation_log import log_action
from forum.policy.threads import post_is_public, threads_readable
from forum.reports.releases import Headline, current_releases
from forum.threads.models import Post, Thread

BOARDS_FILE = Path(__file__).with_name("boards.toml")

# The home page's "Latest activity": this many threads, found among the threads of this
# many newest posts. Walking the newest posts backwards along their primary key costs the
# same whatever the forum's size, where sorting every thread by its latest post would not
# (threads.last_post_at has no index of its own). A burst of posts in a few threads shows
# fewer rows for a while, never wrong ones.
LATEST_THREADS = 8
LATEST_WINDOW = 100

# Where "Share your experience" starts when no treatment is chosen yet: a community board,
# whose report form asks for the treatment first.
SHARE_BOARD = "comparing-treatments"

# A thread's first post: a thread whose opening post was hidden or deleted has nothing to
# say for itself, and is not offered in "Latest activity" (as in the feeds).
OpeningPost = aliased(Post, name="opening_post")


@dataclass(frozen=True)
class Home:
    """What the home page shows: the treatments people write about (each with its latest
    thread and the headline of its current release), the community boards with threads,
    the boards without threads, and the threads with the latest posts across all boards."""

    treatments: list[Board]
    community: list[Board]
    quiet: list[Board]
    headlines: dict[int, Headline]
    latest: list[Thread]
    share_board: Board | None

    @property
    def quiet_are_treatments(self) -> bool:
        return all(board.takes_reports for board in self.quiet)


def get_home() -> Home:
    """The home page's boards, headlines and latest activity: two statements, whatever
    the number of boards and threads."""
    boards, latest = list_boards_and_latest_activity()
    treatments = [board for board in boards if board.takes_reports]
    published = current_releases(treatments)
    community = [board for board in boards if not board.takes_reports]
    share = next((b for b in community if b.slug == SHARE_BOARD), None)
    return Home(
        treatments=[board for board in treatments if board.thread_count],
        community=[board for board in community if board.thread_count],
        quiet=[board for board in boards if not board.thread_count],
        headlines={board_id: release.headline for board_id, release in published.items()},
        latest=latest,
        share_board=share or next(iter(community), None),
    )


def list_boards_and_latest_activity() -> tuple[list[Board], list[Thread]]:
    """All boards in order, each with its latest thread and that thread's latest poster;
    and the threads with the latest posts across all boards, newest first, with their
    boards and latest posters (see LATEST_THREADS). One statement: each board's row comes
    once with each of its threads in "Latest activity", or once alone. Whether a viewer
    may see who wrote in a thread is the policy's (may_read_posts), as on a board's page."""
    rows = db.session.execute(_boards_and_latest_activity()).all()
    latest = []
    for board, thread in rows:
        if thread is not None:
            set_committed_value(thread, "board", board)
            latest.append(thread)
    latest.sort(key=lambda thread: (thread.last_post_at, thread.id), reverse=True)
    return list(dict.fromkeys(board for board, _ in rows)), latest


@cache
def _boards_and_latest_activity() -> sa.Select:
    # Built once: it takes no parameters, and building it costs more than running it.
    # The few listed threads are found first, then joined to their boards: with the two
    # conditions in one join, SQLite walked every thread of each board to find them
    # (bench/RESULTS.md). MATERIALIZED keeps it from merging the two again.
    latest = (
        sa.select(Thread)
        .where(Thread.id.in_(_latest_thread_ids()))
        .cte("listed")
        .prefix_with("MATERIALIZED")
    )
    listed = aliased(Thread, latest, name="listed")
    return (
        sa.select(Board, listed)
        .outerjoin(listed, listed.board_id == Board.id)
        .options(
            joinedload(Board.last_thread).joinedload(Thread.last_poster),
            joinedload(listed.last_poster),
        )
        .order_by(Board.position, Board.id)
    )


def home_versions() -> list[tuple]:
    """The row versions of everything the home page shows, for visitors' ETags
    (forum/caching.py), in one statement: each board with its latest thread and that
    thread's latest poster; then each thread of "Latest activity" with its latest poster.
    (A new release bumps its board's version: the headlines are covered.)"""
    return [tuple(row) for row in db.session.execute(_home_versions())]


@cache
def _latest_thread_ids() -> sa.Select:
    """The ids of "Latest activity": listed threads (the lists' rule: approved, members-only
    ones included, their titles being shown to anyone) whose opening post is visible,
    among the threads of the newest posts."""
    newest = (
        sa.select(Post.thread_id)
        .order_by(Post.id.desc())
        .limit(_written_in("window", LATEST_WINDOW))
        .subquery("newest")
    )
    return (
        sa.select(Thread.id)
        .join(OpeningPost, sa.and_(OpeningPost.thread_id == Thread.id, OpeningPost.position == 1))
        .where(
            Thread.id.in_(sa.select(newest.c.thread_id)),
            threads_readable(signed_in=True),
            post_is_public(OpeningPost),
        )
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(_written_in("shown", LATEST_THREADS))
    )


def _written_in(name: str, value: int) -> sa.BindParameter:
    # A LIMIT written into the statement, not bound: PostgreSQL then plans it knowing how
    # few rows are wanted, and keeps the plan (as forum/threads/versions.py does).
    return sa.bindparam(name, value, type_=sa.Integer, literal_execute=True)


@cache
def _home_versions() -> sa.CompoundSelect:
    boards, threads, users = Board.__table__, Thread.__table__, User.__table__
    each_board = (
        sa.select(
            sa.literal_column("0").label("part"),
            boards.c.id.label("key"),
            boards.c.row_version,
            threads.c.row_version.label("thread_version"),
            users.c.row_version.label("user_version"),
        )
        .select_from(boards)
        .outerjoin(threads, boards.c.last_thread_id == threads.c.id)
        .outerjoin(users, threads.c.last_poster_id == users.c.id)
    )
    # Which threads are listed is read with the rule that picks them: a post made, hidden
    # or deleted changes the ids here even where no board row moves.
    latest = (
        sa.select(
            sa.literal_column("1"),
            threads.c.id,
            threads.c.row_version,
            users.c.row_version,
            sa.null(),
        )
        .select_from(threads)
        .join(users, threads.c.last_poster_id == users.c.id)
        .where(threads.c.id.in_(_latest_thread_ids()))
    )
    return sa.union_all(each_board, latest).order_by("part", "key")


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
