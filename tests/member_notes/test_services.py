"""The notes' use cases without HTTP: each change is one transaction with its log line;
refusals change nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.member_notes import services
from forum.member_notes.models import NOTE_ADDED, NOTE_EDITED, NOTE_MAX, MemberNote
from forum.moderation_log import ModerationAction
from tests.member_notes.conftest import NOTE


def _get(user) -> User:
    return db.session.get(User, user.id)


def _log(action: str | None = None) -> list[ModerationAction]:
    query = sa.select(ModerationAction).order_by(ModerationAction.id)
    if action:
        query = query.where(ModerationAction.action == action)
    return list(db.session.scalars(query))


def test_adding_a_note_keeps_it_dated_and_logs_it(app, moderator, member):
    with app.app_context():
        note = services.add_note(_get(moderator), _get(member), f"  {NOTE}\n")
        assert note.body == NOTE
        assert note.author_id == moderator.id and note.member_id == member.id
        assert abs(note.created_at - utcnow()) < timedelta(minutes=1)
        assert note.edited_at is None
        [line] = _log(NOTE_ADDED)
        assert (line.actor_id, line.subject_user_id) == (moderator.id, member.id)
        assert (line.target_type, line.target_id) == ("membernote", note.id)
        # The note, never its text: the log is append-only, and erasure takes the text.
        assert line.details == {}
        assert NOTE not in line.reason


def test_notes_are_listed_newest_first_with_their_writers(app, moderator, other_moderator, member):
    with app.app_context():
        first = services.add_note(_get(moderator), _get(member), "First.")
        second = services.add_note(_get(other_moderator), _get(member), "Second.")
        db.session.get(MemberNote, first.id).created_at = utcnow() - timedelta(days=2)
        db.session.commit()
        notes = services.list_notes(_get(moderator), _get(member))
        assert [n.id for n in notes] == [second.id, first.id]
        assert notes[0].author.display_name == "mod-otto"


def test_the_writer_corrects_a_note_and_the_log_records_it(app, moderator, member):
    with app.app_context():
        note = services.add_note(_get(moderator), _get(member), NOTE)
        services.edit_note(_get(moderator), note, "Contacted 3 Dec; her sister is with her.")
        note = db.session.get(MemberNote, note.id)
        assert note.body == "Contacted 3 Dec; her sister is with her."
        assert note.edited_at is not None
        assert [(line.action, line.target_id) for line in _log()] == [
            (NOTE_ADDED, note.id),
            (NOTE_EDITED, note.id),
        ]


def test_an_edit_that_changes_nothing_records_nothing(app, moderator, member):
    with app.app_context():
        note = services.add_note(_get(moderator), _get(member), NOTE)
        services.edit_note(_get(moderator), note, NOTE)
        assert db.session.get(MemberNote, note.id).edited_at is None
        assert _log(NOTE_EDITED) == []


def test_another_moderator_cannot_correct_a_note(app, moderator, other_moderator, member):
    with app.app_context():
        note = services.add_note(_get(moderator), _get(member), NOTE)
        with pytest.raises(NotAllowed, match="Only the moderator who wrote"):
            services.edit_note(_get(other_moderator), note, "Rewritten by someone else.")
        db.session.rollback()
        assert db.session.get(MemberNote, note.id).body == NOTE
        assert _log(NOTE_EDITED) == []


def test_a_note_is_fixed_after_24_hours(app, moderator, member):
    with app.app_context():
        note = services.add_note(_get(moderator), _get(member), NOTE)
        written = note.created_at
        almost = written + timedelta(hours=23, minutes=59)
        services.edit_note(_get(moderator), note, "Corrected in time.", now=almost)
        with pytest.raises(NotAllowed, match="part of the record"):
            services.edit_note(
                _get(moderator), note, "Too late.", now=written + timedelta(hours=24)
            )
        db.session.rollback()
        assert db.session.get(MemberNote, note.id).body == "Corrected in time."


def test_members_neither_read_nor_write_notes(app, moderator, member, fred):
    with app.app_context():
        services.add_note(_get(moderator), _get(member), NOTE)
        with pytest.raises(NotAllowed):
            services.list_notes(_get(member), _get(member))
        with pytest.raises(NotAllowed):
            services.list_notes(_get(fred), _get(member))
        with pytest.raises(NotAllowed):
            services.add_note(_get(fred), _get(member), "Fred's note.")
        note_id = db.session.scalar(sa.select(MemberNote.id))
        with pytest.raises(NotAllowed):
            services.get_note_or_404(_get(member), note_id)


def test_a_moderator_writes_no_note_about_themselves(app, moderator):
    with app.app_context():
        with pytest.raises(NotAllowed, match="Other moderators keep"):
            services.add_note(_get(moderator), _get(moderator), "All good here.")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberNote)) == 0


@pytest.mark.parametrize("body", ["", "   \n ", "x" * (NOTE_MAX + 1)])
def test_an_empty_or_overlong_note_is_refused(app, moderator, member, body):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            services.add_note(_get(moderator), _get(member), body)
        assert refused.value.field == "body"
        db.session.rollback()
        assert _log() == []
