from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import UTCDateTime, db, utcnow
from forum.threads.models import Post, Thread

# What a notification is about. "reply" notifications are batched per thread while unread
# ("3 new replies in …"); the others are one each.
NOTIFICATION_KINDS = (
    "reply",  # new visible replies in a watched thread
    "thread",  # a new thread on a watched board
    "mention",  # @pseudonym in a post
    "quote",  # a post of yours quoted
    "flag_decided",  # a moderator decided on your flag
    "post_hidden",  # a moderator hid (or removed) your post
    "post_restored",  # a moderator restored your post
    "sanction",  # a warning, silence, suspension or ban
    "appeal_decided",  # your appeal was decided
    "followup",  # "Is it still working?": a report whose relief was going on
    "report_excluded",  # a moderator left your experience report out of the figures
    "exclusion_decided",  # your appeal of that was decided
    "reaction",  # members found your post helpful or said "me too" (batched per post)
    "message",  # new private messages (batched per conversation; never their text)
)
EMAIL_FREQUENCIES = ("instant", "daily", "none")
# The header's counts stop here and say "99+": counting further costs and tells nothing.
UNREAD_CAP = 100


class Subscription(db.Model):
    """A member watching a thread or a board."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threads.id"), index=True)
    board_id: Mapped[int | None] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "thread_id"),
        sa.UniqueConstraint("user_id", "board_id"),
        sa.CheckConstraint("(thread_id IS NULL) != (board_id IS NULL)", name="one_target"),
    )


class Notification(db.Model):
    """Something a member should hear about, shown at /notifications until read."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threads.id"))
    # The post to open: for batched replies, the first unread one.
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id"))
    board_id: Mapped[int | None] = mapped_column(sa.ForeignKey("boards.id"))
    # A private conversation with new messages: goes with it.
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # How many events this one stands for (replies batched per thread).
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    # A moderator's reason, or a short summary, shown with the notification.
    text: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an e-mail covering it was queued (instant or digest): never mailed twice.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    thread: Mapped[Thread | None] = relationship(lazy="raise")
    post: Mapped[Post | None] = relationship(lazy="raise")
    board: Mapped[Board | None] = relationship(lazy="raise")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('reply', 'thread', 'mention', 'quote', 'flag_decided', 'post_hidden', "
            "'post_restored', 'sanction', 'appeal_decided', 'followup', 'report_excluded', "
            "'exclusion_decided', 'reaction', 'message')",
            name="kind",
        ),
        # The header's unread count and the list page: one index on (member, unread, newest).
        sa.Index("ix_notifications_user_unread", "user_id", "read_at", "updated_at"),
        # At most one unread reply notification per member and thread: new replies add to
        # its count (an upsert), so a busy thread is one line, not hundreds.
        sa.Index(
            "uq_notifications_unread_reply",
            "user_id",
            "thread_id",
            unique=True,
            sqlite_where=sa.text("read_at IS NULL AND kind = 'reply'"),
            postgresql_where=sa.text("read_at IS NULL AND kind = 'reply'"),
        ),
        # The same for reactions, per post: more reactions add to the unread one's count.
        sa.Index(
            "uq_notifications_unread_reaction",
            "user_id",
            "post_id",
            unique=True,
            sqlite_where=sa.text("read_at IS NULL AND kind = 'reaction'"),
            postgresql_where=sa.text("read_at IS NULL AND kind = 'reaction'"),
        ),
        # And for messages, per conversation.
        sa.Index(
            "uq_notifications_unread_message",
            "user_id",
            "conversation_id",
            unique=True,
            sqlite_where=sa.text("read_at IS NULL AND kind = 'message'"),
            postgresql_where=sa.text("read_at IS NULL AND kind = 'message'"),
        ),
    )


class OutgoingMail(db.Model):
    """An e-mail waiting to be sent (or sent) by `flask forum send-mail`. Requests only
    queue mail, so sending never blocks a page."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(20))  # confirm | instant | digest
    # Unique: the same mail can be queued only once, so it is never sent twice.
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.Index("ix_outgoing_mail_due", "sent_at", "next_attempt_at"),)

    @classmethod
    def due(cls, now: datetime, max_attempts: int) -> sa.ColumnElement[bool]:
        """Mail to send now: not sent, its time come, and not given up (MAIL_MAX_ATTEMPTS).
        The sender's rule, and the backlog /metrics reports."""
        return sa.and_(
            cls.sent_at.is_(None), cls.next_attempt_at <= now, cls.attempts < max_attempts
        )
