import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import RowVersion, UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from forum.reports.models import ExperienceReport


class PostState(StrEnum):
    """A post's states (who sees what of each: forum/policy/threads.py). The CHECK
    constraint on posts.state is made from them."""

    VISIBLE = "visible"
    PENDING = "pending"  # a new member's, until a moderator approves it
    HIDDEN = "hidden"  # by members' flags pending review, or by a moderator with a reason
    DELETED = "deleted"  # by its author, or by a moderator (removed, or rejected)


POST_STATES = tuple(PostState)
_POST_STATES_SQL = ", ".join(f"'{state}'" for state in PostState)
# Who may read a thread's posts: anyone, or signed-in members only (forum/policy/threads.py).
VISIBILITIES = ("public", "members")


class Thread(RowVersion, db.Model):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_poster_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Every post in the thread, whatever its state: deleted posts keep their place.
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    is_pinned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_locked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_hidden: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Chosen by the author when starting the thread: no default, since saying on a public
    # page that one has a condition is itself health data (see forum/policy/threads.py).
    visibility: Mapped[str] = mapped_column(sa.String(16))

    board: Mapped[Board] = relationship(lazy="raise")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    last_poster: Mapped[User] = relationship(foreign_keys=[last_poster_id], lazy="raise")
    # The experience report the thread's first post carries, while that post is visible:
    # a board's list shows its pain scores beside the title (list_threads loads it in the
    # page's query; threads.versions reads its row version with the page's).
    opening_report: Mapped["ExperienceReport | None"] = relationship(
        "ExperienceReport",
        secondary="posts",
        primaryjoin=(
            "and_(Thread.id == Post.thread_id, Post.position == 1, "
            f"Post.state == '{PostState.VISIBLE}')"
        ),
        secondaryjoin="ExperienceReport.post_id == Post.id",
        uselist=False,
        viewonly=True,
        lazy="raise",
    )

    __table_args__ = (
        # Covers a board's pages (forum/threads/services.py list_threads): skipping to a
        # deep page walks this index only.
        sa.Index(
            "ix_threads_board_listing", "board_id", "is_hidden", "is_pinned", "last_post_at", "id"
        ),
        sa.CheckConstraint("visibility IN ('public', 'members')", name="visibility"),
    )

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def is_members_only(self) -> bool:
        return self.visibility == "members"

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.title!r}>"


class Post(RowVersion, db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # 1-based place in the thread: pages and permalinks need no counting or OFFSET.
    # None for a reply still waiting for approval: it gets its place when approved.
    position: Mapped[int | None]
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default=PostState.VISIBLE.value)
    # Optimistic locking: an edit names the version it started from.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Why a moderator hid, deleted or edited the post: shown to its author.
    moderation_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Who deleted it: the author ("deleted by its author") or a moderator.
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # When it was deleted: its author may undo their deletion for 14 days, after which
    # the text is erased (forum/policy/moderation.py, forum/retention.py).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Chosen by the form when it is shown, so a double submit creates one post.
    submission_key: Mapped[str | None] = mapped_column(sa.String(64))
    # Members' "Helpful" and "Me too" (forum/reactions): kept in SQL by each reaction, so a
    # page shows them with the post; a change bumps row_version, so cached pages change.
    helpful_count: Mapped[int] = mapped_column(default=0, server_default="0")
    me_too_count: Mapped[int] = mapped_column(default=0, server_default="0")

    thread: Mapped[Thread] = relationship(lazy="raise")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id], lazy="raise")
    # The experience report this post carries (first posts only), if any.
    report: Mapped["ExperienceReport | None"] = relationship(lazy="raise")

    @property
    def deleted_by_author(self) -> bool:
        return self.state == PostState.DELETED and self.deleted_by_id in (None, self.author_id)

    __table_args__ = (
        sa.UniqueConstraint("thread_id", "position"),
        sa.UniqueConstraint("author_id", "submission_key"),
        sa.Index("ix_posts_author_recent", "author_id", "id"),
        sa.CheckConstraint(f"state IN ({_POST_STATES_SQL})", name="state"),
    )

    @property
    def is_first(self) -> bool:
        return self.position == 1

    @property
    def is_visible(self) -> bool:
        return self.state == PostState.VISIBLE

    def __repr__(self) -> str:
        return f"<Post {self.id} in thread {self.thread_id}>"


class PostRevision(db.Model):
    """A version of a post that a later edit replaced, with who wrote it and when."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id"), index=True)
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The edit that replaced this version was a moderator's.
    replaced_by_moderator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    body_source: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # When this version was written (the post's creation or the edit that produced it).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    editor: Mapped[User] = relationship(lazy="raise")


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "thread"
