"""How far each member has read: remembered as they view a thread's pages, shown as "3 new"
and "New" on board and home lists and as a divider on a thread page, and caught up at once
with "Mark all read" (the two tables and why: forum/reading/models.py).

Only members' reading is kept (forum/policy/reading.py): visitors' pages stay the same for
everyone and cached."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from forum.accounts.models import User
from forum.boards.models import Board
from forum.errors import is_database_unavailable
from forum.extensions import db, utcnow
from forum.notifications.models import Notification
from forum.reading.models import BoardRead, ThreadRead
from forum.threads.models import Post, Thread

# Notifications about one post: read once a page has shown that post. A "reply" one stands
# for every new reply in its thread, so it is read once the thread's last post was shown.
ABOUT_A_POST = ("mention", "quote", "thread")


def _insert(table, dialect: str):
    """INSERT with ON CONFLICT, in the dialect of the database in use."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# -- lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """What a list shows beside a thread with posts the member has not read."""

    new_posts: int | None  # None: a thread they never opened, shown as "New"
    first_unread_id: int | None  # the post to open; None: the thread's start

    @property
    def label(self) -> str:
        return "New" if self.new_posts is None else f"{self.new_posts:,} new"


def list_markers(member: User, threads: list[Thread]) -> dict[int, Marker]:
    """The markers for the listed threads the member has not read to the end, by thread id:
    one statement, whatever the number of threads. A thread they opened has "N new" posts
    (its post count past the last position they were shown) and links to the first of
    them; one they never opened is "New" if it moved since they caught up with its board
    (marked it read, or joined), and links to its start. A thread whose latest post is
    the member's own shows nothing. Uses the threads as loaded, so a marker agrees with
    the counts beside it."""
    if not threads:
        return {}
    rows = db.session.execute(
        _markers_statement(),
        {"member_id": member.id, "ids": sorted({thread.id for thread in threads})},
    ).all()
    read = {row[0]: row[1:] for row in rows}
    markers = {}
    for thread in threads:
        if thread.last_poster_id == member.id:
            continue  # the latest post is their own: they wrote it from the thread's end
        position, board_read_at, first_unread_id = read.get(thread.id, (None, None, None))
        if position is not None:
            if thread.post_count > position:
                markers[thread.id] = Marker(thread.post_count - position, first_unread_id)
        elif thread.last_post_at > _caught_up(member, board_read_at):
            markers[thread.id] = Marker(None, None)
    return markers


@cache
def _markers_statement() -> sa.Select:
    """list_markers' statement, built once (building it cost more than running it)."""
    member_id = sa.bindparam("member_id")
    first_unread = (
        sa.select(Post.id)
        .where(Post.thread_id == Thread.id, Post.position == ThreadRead.last_read_position + 1)
        .scalar_subquery()
    )
    return (
        sa.select(Thread.id, ThreadRead.last_read_position, BoardRead.read_at, first_unread)
        .select_from(Thread)
        .outerjoin(
            ThreadRead, sa.and_(ThreadRead.thread_id == Thread.id, ThreadRead.user_id == member_id)
        )
        .outerjoin(
            BoardRead,
            sa.and_(BoardRead.board_id == Thread.board_id, BoardRead.user_id == member_id),
        )
        .where(Thread.id.in_(sa.bindparam("ids", expanding=True)))
    )


def _caught_up(member: User, board_read_at: datetime | None) -> datetime:
    """Since when a thread the member never opened counts as new: what moved before they
    joined, or before they last marked its board read, is not news to them."""
    if board_read_at is None or board_read_at < member.created_at:
        return member.created_at
    return board_read_at


# -- a thread's page ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingPlace:
    """Where a member is in a thread, as its page loads."""

    position: int | None  # the last position they were shown; None: never opened
    notified: bool  # they have unread notifications about the thread


def get_reading_place(member: User, thread_id: int) -> ReadingPlace:
    """The member's place in the thread and whether notifications about it wait: one
    statement. A thread's page reads it with the member's other marks instead
    (forum/threads/marks.py)."""
    return place_from(db.session.execute(sa.select(*place_columns(member.id, thread_id))).one())


def place_columns(
    member_id: int | sa.ColumnElement[int], thread_id: int | sa.ColumnElement[int]
) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    """The two columns place_from reads, for any statement (they depend on no table of
    it): the last position the member was shown (`read_position`) and whether unread
    notifications about the thread wait for them (`notified`). The ids may be bound
    parameters, for a statement built once."""
    position = (
        sa.select(ThreadRead.last_read_position)
        .where(ThreadRead.user_id == member_id, ThreadRead.thread_id == thread_id)
        .scalar_subquery()
        .label("read_position")
    )
    notified = (
        sa.exists()
        .where(
            Notification.user_id == member_id,
            Notification.read_at.is_(None),
            Notification.thread_id == thread_id,
        )
        .label("notified")
    )
    return position, notified


def place_from(row) -> ReadingPlace:
    return ReadingPlace(row.read_position, bool(row.notified))


def first_unread(posts: list[Post], read_position: int | None) -> Post | None:
    """The page's first post past what the member had read, where the "New" divider goes;
    None on a thread they never opened (all of it is new) or a page they had read."""
    if read_position is None:
        return None
    return next((p for p in posts if p.position is not None and p.position > read_position), None)


def record_reading(
    member: User, thread_id: int, posts: list[Post], place: ReadingPlace, last_page: bool
) -> bool:
    """Remember that a page of the thread showed the member `posts`, where they were at
    `place` (as get_reading_place loaded it): the highest position shown, and their unread
    notifications about the posts shown are read (a thread's "new replies" one once its
    last page was shown). Writes nothing when nothing new was shown, so a page read again
    costs no write; otherwise one short transaction of its own after the page was
    rendered, so a page that only reads stays a read (forum/extensions.py). Returns
    whether it wrote."""
    positions = [post.position for post in posts if post.position is not None]
    if not positions or (place.position is not None and max(positions) <= place.position):
        return False
    highest, now = max(positions), utcnow()
    try:
        _write_reading(member, thread_id, posts, place, last_page, highest, now)
    except sa.exc.DBAPIError as error:
        # Where a member read to is worth no error page: while the database is busy the
        # page is still served, and a later view records it.
        if not is_database_unavailable(error):
            raise
        return False
    return True


def _write_reading(member, thread_id, posts, place, last_page, highest, now) -> None:
    with db.engine.begin() as connection:
        insert = _insert(ThreadRead, connection.dialect.name).values(
            user_id=member.id, thread_id=thread_id, last_read_position=highest, updated_at=now
        )
        further = insert.excluded.last_read_position > ThreadRead.last_read_position
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[ThreadRead.user_id, ThreadRead.thread_id],
                # Another tab may have read further meanwhile: the place never goes back.
                set_={
                    "last_read_position": sa.case(
                        (further, insert.excluded.last_read_position),
                        else_=ThreadRead.last_read_position,
                    ),
                    "updated_at": now,
                },
            )
        )
        if place.notified:
            _read_notifications(connection, member, thread_id, posts, last_page, now)


def _read_notifications(connection, member, thread_id, posts, last_page, now) -> None:
    kinds = [Notification.kind.in_(ABOUT_A_POST)]
    if last_page:
        kinds.append(Notification.kind == "reply")
    connection.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == member.id,
            Notification.read_at.is_(None),
            Notification.thread_id == thread_id,
            Notification.post_id.in_([post.id for post in posts if post.position]),
            sa.or_(*kinds),
        )
        .values(read_at=now)
    )


# -- mark all read -----------------------------------------------------------------------


def _catch_up_threads(member: User, now: datetime, board_id: int | None = None) -> None:
    """Move the member's place in the threads they opened (on one board, or all) to the
    thread's last post."""
    threads = sa.select(Thread.post_count).where(Thread.id == ThreadRead.thread_id)
    conditions = [ThreadRead.user_id == member.id]
    if board_id is not None:
        conditions.append(
            ThreadRead.thread_id.in_(sa.select(Thread.id).where(Thread.board_id == board_id))
        )
    db.session.execute(
        sa.update(ThreadRead)
        .where(*conditions)
        .values(last_read_position=threads.scalar_subquery(), updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _caught_up_with(member: User, boards: sa.ColumnElement[bool], now: datetime) -> None:
    """Note that the member caught up with the boards `boards` picks, as of `now`."""
    dialect = db.session.get_bind().dialect.name
    # The SELECT has a WHERE, so SQLite does not read ON CONFLICT as part of a join.
    rows = sa.select(
        sa.literal(member.id), Board.id, sa.literal(now, BoardRead.read_at.type)
    ).where(boards)
    insert = _insert(BoardRead, dialect).from_select(["user_id", "board_id", "read_at"], rows)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[BoardRead.user_id, BoardRead.board_id],
            set_={"read_at": insert.excluded.read_at},
        )
    )


def mark_board_read(member: User, board: Board) -> None:
    """Everything on the board is read for the member as of now: no thread there shows
    "new" until someone posts again."""
    now = utcnow()
    _catch_up_threads(member, now, board.id)
    _caught_up_with(member, Board.id == board.id, now)
    db.session.commit()


def mark_forum_read(member: User) -> None:
    """Everything on every board is read for the member as of now."""
    now = utcnow()
    _catch_up_threads(member, now)
    _caught_up_with(member, sa.true(), now)
    db.session.commit()
