from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import UTCDateTime, db, utcnow
from forum.threads.models import Post

# A note is a reminder ("ask Dr about this"), not a second post.
NOTE_MAX = 500


class Bookmark(db.Model):
    """A post a member keeps, with their private note. Nobody else ever sees it; it goes
    with the post (a purge) and with the account (erasure, and the cascade)."""

    __tablename__ = "bookmarks"
    __table_args__ = (sa.UniqueConstraint("user_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(sa.String(NOTE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(lazy="raise")
