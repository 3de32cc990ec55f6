"""A member's "Helpful" or "Me too" on someone else's post. Each post keeps its two counts
(posts.helpful_count, posts.me_too_count), changed in SQL in the same transaction as the
reaction, so a thread's page needs no aggregate to show them."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow


class ReactionKind(StrEnum):
    """Support, not a vote: no dislike, no score. The CHECK on reactions.kind is made from
    these, and each has its counter on posts (`<kind>_count`)."""

    HELPFUL = "helpful"
    ME_TOO = "me_too"

    @property
    def label(self) -> str:
        return "Helpful" if self is ReactionKind.HELPFUL else "Me too"

    @property
    def counted(self) -> str:
        """What a count of it says, after the number: "3 found this helpful"."""
        return "found this helpful" if self is ReactionKind.HELPFUL else "said “me too”"

    @property
    def counter(self) -> str:
        return f"{self.value}_count"


_KINDS_SQL = ", ".join(f"'{kind}'" for kind in ReactionKind)


class Reaction(db.Model):
    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (
        # One of each kind per member and post; also the index a page's "who reacted" reads.
        sa.UniqueConstraint("post_id", "user_id", "kind"),
        sa.CheckConstraint(f"kind IN ({_KINDS_SQL})", name="kind"),
    )
