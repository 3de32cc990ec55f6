from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow
from forum.moderation_log import ModerationAction as ModerationAction  # now beside audit.py
from forum.threads.models import Post

FLAG_REASONS = {
    "spam": "Spam",
    "harassment": "Harassment or abuse",
    "misinformation": "Medical misinformation or advice stated as fact",
    "promotion": "Commercial promotion or an undisclosed tie to a clinic, device maker or "
    "drug company",
    "private_information": "Another person's private information",
    "self_harm": "Someone may be at risk of self-harm",
    "other": "Other",
}
FLAG_OUTCOMES = ("upheld", "declined")
SANCTION_KINDS = ("warning", "silence", "suspension", "ban")


class Flag(db.Model):
    """A member's report of a post. Open until a moderator decides; then it has one outcome."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    # None: an automatic flag (a post that matched a crisis phrase), filed by no member.
    flagger_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    is_urgent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What the flag counts towards hiding the post: its flagger's trust when they filed it.
    weight: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    outcome_reason: Mapped[str | None] = mapped_column(sa.String(500))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship(lazy="raise")
    flagger: Mapped[User | None] = relationship(foreign_keys=[flagger_id], lazy="raise")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id], lazy="raise")

    __table_args__ = (
        # One open flag per member per post; after a decision they may flag again.
        sa.Index(
            "uq_flags_open_per_member",
            "post_id",
            "flagger_id",
            unique=True,
            sqlite_where=sa.text("outcome IS NULL"),
            postgresql_where=sa.text("outcome IS NULL"),
        ),
        sa.CheckConstraint("weight >= 1", name="weight"),
    )

    @property
    def reason_label(self) -> str:
        return FLAG_REASONS.get(self.reason, self.reason)


class Sanction(db.Model):
    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(500))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: no end (a warning has no restriction, a ban is permanent).
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    overturned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    appeal: Mapped["Appeal | None"] = relationship(back_populates="sanction", lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('warning', 'silence', 'suspension', 'ban')", name="kind"),
    )

    def is_active(self, now: datetime) -> bool:
        return (
            self.kind != "warning"
            and self.overturned_at is None
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )


class Appeal(db.Model):
    """One appeal per sanction, decided by a moderator other than the one who imposed it."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    sanction_id: Mapped[int] = mapped_column(sa.ForeignKey("sanctions.id"), unique=True)
    text: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(sa.String(16))  # upheld | overturned
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sanction: Mapped[Sanction] = relationship(back_populates="appeal", lazy="raise")
