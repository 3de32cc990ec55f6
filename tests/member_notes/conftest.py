"""Helpers for the notes tests: a second moderator, writing a note through the page, and
moving a note's writing time back (the 24-hour rule)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.member_notes.models import MemberNote

NOTE = "Contacted 3 Dec, has support at home."


@pytest.fixture
def other_moderator(make_user):
    return make_user("mod-otto", role="moderator")


def write_note(client, name: str, body: str = NOTE):
    """Add a note on the member's moderation page, as a moderator would."""
    return client.post(f"/moderation/members/{name}/notes", data={"body": body})


def notes_about(app, member) -> list[MemberNote]:
    with app.app_context():
        notes = list(
            db.session.scalars(
                sa.select(MemberNote)
                .where(MemberNote.member_id == member.id)
                .order_by(MemberNote.id)
            )
        )
        for note in notes:
            db.session.expunge(note)
        return notes


def age_note(app, note_id: int, hours: float) -> None:
    """Move the note's writing time `hours` into the past."""
    with app.app_context():
        note = db.session.get(MemberNote, note_id)
        note.created_at = note.created_at - timedelta(hours=hours)
        db.session.commit()
