from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow


class Block(db.Model):
    """`blocker` blocked `blocked`. Private to the blocker: nobody else, the blocked member
    and the moderators included, is shown it. Goes with either account (erasure, and the
    cascade)."""

    __tablename__ = "blocks"
    __table_args__ = (
        # One block a pair; and the index that asks "did they block this author?".
        sa.UniqueConstraint("blocker_id", "blocked_id"),
        sa.CheckConstraint("blocker_id <> blocked_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Indexed: the mention and quote rules ask who blocked a post's author.
    blocked_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    blocked: Mapped[User] = relationship(foreign_keys=[blocked_id], lazy="raise")
