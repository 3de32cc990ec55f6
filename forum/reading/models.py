"""What each member has read: how far in each thread they opened, and when they last
marked a board read.

Why two tables and no more: a thread a member opened has a row saying the last position
they were shown, so "3 new" is the thread's post count minus that position, with no
counting of posts. A thread they never opened has no row; it is "new" when it moved
since the member caught up with its board, which is when they last pressed "Mark all
read" there (board_reads) or, before that, when they joined. "Mark all read" then writes
one row per board (the whole forum: one per board, a few dozen) and moves up the rows
the member already has, never one row per thread of the forum."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import UTCDateTime, db, utcnow


class ThreadRead(db.Model):
    """How far a member has read a thread: the highest position a page showed them."""

    __tablename__ = "thread_reads"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_position: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardRead(db.Model):
    """When a member last marked a board read: threads that moved since then are new."""

    __tablename__ = "board_reads"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    board_id: Mapped[int] = mapped_column(
        sa.ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
