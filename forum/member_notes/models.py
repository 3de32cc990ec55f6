from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow

# A note records what happened and what to keep in mind, in a few sentences; a longer
# account belongs in a sanction's reason or a conversation with the member.
NOTE_MAX = 2000


class MemberNote(db.Model):
    """A moderator's note about a member. Never deleted on its own: a note is a record, and
    it goes only when the member's account is erased (and with the user row, by the
    cascade). A note by a moderator who was erased stays, under their tombstone."""

    __tablename__ = "member_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The member's moderation page reads their notes by this index.
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Plain text, shown escaped with its line breaks: no Markdown, no links made.
    body: Mapped[str] = mapped_column(sa.String(NOTE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[User] = relationship(foreign_keys=[member_id], lazy="raise")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")

    __table_args__ = (sa.CheckConstraint("body <> ''", name="body_not_empty"),)


# The moderation log's actions for notes (moderation_actions.action). Their lines name the
# note, never its text: the log is append-only, and erasing the member must take every word
# about them with the notes.
NOTE_ADDED = "note_add"
NOTE_EDITED = "note_edit"
