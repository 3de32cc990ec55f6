from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.boards.models import Board
from forum.extensions import UTCDateTime, db, utcnow
from forum.threads.models import Thread


class DraftKind(StrEnum):
    """What a draft will become when posted. The CHECK constraint on drafts.kind is made
    from them."""

    REPORT = "report"  # an experience report, written in steps on a board
    THREAD = "thread"  # a new thread on a board
    REPLY = "reply"  # a reply to a thread


_KINDS_SQL = ", ".join(f"'{kind}'" for kind in DraftKind)


def place_of(kind: DraftKind, board_id: int, thread_id: int | None = None) -> str:
    """The key of a draft's place: one draft per member per place ("report:3", "thread:3",
    "reply:17"). A string, not (board_id, thread_id): NULLs in a unique constraint are
    distinct on both databases, so a NULL thread_id could not keep new threads unique."""
    return f"{kind}:{thread_id if kind == DraftKind.REPLY else board_id}"


class Draft(db.Model):
    """A post being written, kept on the server as the member goes (forum/drafts/services.py):
    the fields exactly as the form posts them, so any device resumes where they left off."""

    __tablename__ = "drafts"
    __table_args__ = (
        sa.UniqueConstraint("author_id", "place"),
        sa.CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind"),
        sa.CheckConstraint("(kind = 'reply') = (thread_id IS NOT NULL)", name="reply_thread"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    place: Mapped[str] = mapped_column(sa.String(40))
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    # A reply's thread; deleting a thread (only ever by erasing its author) takes its
    # replies' drafts along.
    thread_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    # {field name: the posted text, or a list of texts for a group of checkboxes}.
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Where a report's form in steps resumes; 1 for the other kinds.
    step: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the retention purge goes by (DRAFT_DAYS after the last save).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    board: Mapped[Board] = relationship(lazy="raise")
    thread: Mapped[Thread | None] = relationship(lazy="raise")
