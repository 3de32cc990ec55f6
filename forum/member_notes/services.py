"""Moderators' notes on members: list them, add one, correct one. Each change is one
transaction with its line in the moderation log. Who may do what is the policy's
(forum/policy/member_notes.py); nothing here deletes a note."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.member_notes.models import NOTE_ADDED, NOTE_EDITED, NOTE_MAX, MemberNote
from forum.moderation_log import log_action
from forum.policy import member_notes as policy


def list_notes(viewer: User, member: User) -> list[MemberNote]:
    """The notes about `member`, newest first, each with its writer: one statement."""
    if not policy.may_read_notes(viewer):
        raise NotAllowed(policy.MODERATORS_ONLY)
    return list(
        db.session.scalars(
            sa.select(MemberNote)
            .where(MemberNote.member_id == member.id)
            .options(joinedload(MemberNote.author))
            .order_by(MemberNote.created_at.desc(), MemberNote.id.desc())
        )
    )


def get_note_or_404(viewer: User, note_id: int) -> MemberNote:
    """A note with its member and writer, for a moderator; anyone else is refused first,
    so a member learns nothing, not even whether a note exists."""
    if not policy.may_read_notes(viewer):
        raise NotAllowed(policy.MODERATORS_ONLY)
    note = db.session.scalar(
        sa.select(MemberNote)
        .where(MemberNote.id == note_id)
        .options(joinedload(MemberNote.member), joinedload(MemberNote.author))
    )
    if note is None:
        raise NotFound()
    return note


def _clean(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError("Write the note first.", "body")
    if len(body) > NOTE_MAX:
        raise DomainError(f"A note holds at most {NOTE_MAX:,} characters.", "body")
    return body


def add_note(moderator: User, member: User, body: str | None) -> MemberNote:
    """Keep a dated note about `member`, and say so in the moderation log."""
    refusal = policy.note_refusal(moderator, member)
    if refusal:
        raise NotAllowed(refusal)
    note = MemberNote(member_id=member.id, author_id=moderator.id, body=_clean(body))
    db.session.add(note)
    db.session.flush()  # the log line names the note by its id
    log_action(moderator, NOTE_ADDED, note, subject_user_id=member.id)
    db.session.commit()
    return note


def edit_note(
    moderator: User, note: MemberNote, body: str | None, now: datetime | None = None
) -> MemberNote:
    """Correct a note its writer wrote less than a day ago: the log says when, and the note
    shows it was edited."""
    now = now or utcnow()
    refusal = policy.edit_refusal(moderator, note, now)
    if refusal:
        raise NotAllowed(refusal)
    body = _clean(body)
    if body == note.body:
        return note  # nothing changed: nothing to record
    note.body = body
    note.edited_at = now
    log_action(moderator, NOTE_EDITED, note, subject_user_id=note.member_id)
    db.session.commit()
    return note
