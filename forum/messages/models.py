from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow

SUBJECT_MAX = 120
BODY_MAX = 10_000
# Who takes part besides the member who starts it: one or two others.
MAX_RECIPIENTS = 2


class AcceptMessages(StrEnum):
    """Who may start a conversation with a member (users.accept_messages)."""

    ANYONE = "anyone"
    TALKED = "talked"  # members they already share a conversation with
    NOBODY = "nobody"

    @property
    def label(self) -> str:
        return {
            "anyone": "Any member",
            "talked": "Only members I have talked with",
            "nobody": "Nobody",
        }[self.value]


class Conversation(db.Model):
    """A private conversation. Its members are ConversationMember rows; a member who
    leaves keeps their row (with left_at), so the others still see who took part."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX))
    starter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept with each message, in the same transaction: lists need no aggregate.
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    message_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when a member first reports a message in it: from then on, and only then,
    # moderators may read it (forum/policy/messages.py).
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    starter: Mapped[User] = relationship(lazy="raise")
    members: Mapped[list["ConversationMember"]] = relationship(
        back_populates="conversation", lazy="raise", order_by="ConversationMember.joined_at"
    )

    __table_args__ = (sa.CheckConstraint("subject <> ''", name="subject_not_empty"),)


class ConversationMember(db.Model):
    """A member's place in a conversation: how far they read, and whether they left."""

    __tablename__ = "conversation_members"

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The newest message they have seen (0: none); the list's "2 new" counts past it.
    read_up_to: Mapped[int] = mapped_column(default=0, server_default="0")
    # Leaving hides the conversation for this member only; a new message does not bring
    # it back (they chose to be out of it).
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship(back_populates="members", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (
        # A member's inbox: their conversations, newest activity first.
        sa.Index("ix_conversation_members_user", "user_id", "left_at"),
    )


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    # An erased member's kept messages point at their "former member" tombstone.
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    body_source: Mapped[str] = mapped_column(sa.Text)
    # Rendered and sanitised once, when written (forum/content.py), as posts are.
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A moderator removed it after a report: its text is gone for everyone.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="raise")


REPORT_REASONS = {
    "harassment": "Harassment or threats",
    "spam": "Selling, advertising or a scam",
    "self_harm": "Someone may be at risk of harm",
    "other": "Something else",
}


class MessageReport(db.Model):
    """A member reported a message. The conversation goes to the moderators' queue until
    a moderator decides (outcome: kept, or removed)."""

    __tablename__ = "message_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(sa.String(10))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(lazy="raise")
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("reason IN ('harassment', 'spam', 'self_harm', 'other')", name="reason"),
        sa.CheckConstraint("outcome IN ('kept', 'removed')", name="outcome"),
        # One open report of a message by one member.
        sa.Index(
            "uq_message_reports_open",
            "message_id",
            "reporter_id",
            unique=True,
            sqlite_where=sa.text("outcome IS NULL"),
            postgresql_where=sa.text("outcome IS NULL"),
        ),
    )
