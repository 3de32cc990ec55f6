"""Notes are the member's data: in their export (not who wrote them), gone with their
account; a moderator's notes outlive the moderator's own erasure, as "former moderator"."""

import time

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.member_notes.models import NOTE_ADDED, NOTE_EDITED, MemberNote
from forum.moderation_log import ModerationAction
from forum.privacy.erasure import Erasure, erase_account
from tests.conftest import login
from tests.export.conftest import ISO_UTC, download
from tests.member_notes.conftest import NOTE, notes_about, write_note

NOTE_ACTIONS = (NOTE_ADDED, NOTE_EDITED)


def _erase(app, user) -> None:
    with app.app_context():
        person = db.session.get(User, user.id)
        erase_account(person, Erasure("keep", "keep"), user.display_name, time.time(), 600)


def test_the_member_gets_the_notes_about_them_in_their_export(app, client, moderator, member, fred):
    moderators = app.test_client()
    login(moderators, moderator)
    write_note(moderators, member.display_name)
    [note] = notes_about(app, member)
    moderators.post(f"/moderation/notes/{note.id}/edit", data={"body": "Corrected note."})

    login(client, member)
    export = download(client)
    [kept] = export.document["moderator_notes"]
    assert kept["text"] == "Corrected note."
    assert kept["written_by"] == "a moderator"
    assert ISO_UTC.match(kept["written_at"]) and ISO_UTC.match(kept["edited_at"])
    # Moderators stay anonymous to members, as with sanctions.
    assert moderator.display_name not in export.raw_json
    assert "moderator_notes" in export.readme
    # The log's lines name the note, not its text or writer.
    assert [line["action"] for line in export.document["moderation_log"]] == list(NOTE_ACTIONS)
    assert NOTE not in export.raw_json

    other = app.test_client()
    login(other, fred)
    assert download(other).document["moderator_notes"] == []
    # Nor does the moderator's own export hold what they wrote about others.
    assert download(moderators).document["moderator_notes"] == []


def test_erasing_the_member_erases_the_notes_about_them(app, client, moderator, member):
    login(client, moderator)
    write_note(client, member.display_name)
    _erase(app, member)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberNote)) == 0
        lines = list(
            db.session.scalars(
                sa.select(ModerationAction).where(ModerationAction.action.in_(NOTE_ACTIONS))
            )
        )
    # The log still says a note was written, and by whom; it never held what it said.
    assert [(line.actor_id, line.details) for line in lines] == [(moderator.id, {})]
    log = client.get("/moderation/log?action=note_add").get_data(as_text=True)
    assert "note_add" in log and NOTE not in log


def test_an_erased_moderators_notes_stay_as_a_former_moderators(
    app, client, moderator, other_moderator, member
):
    writer = app.test_client()
    login(writer, other_moderator)
    write_note(writer, member.display_name)
    _erase(app, other_moderator)
    assert [n.body for n in notes_about(app, member)] == [NOTE]
    login(client, moderator)
    page = client.get(f"/moderation/members/{member.display_name}").get_data(as_text=True)
    assert NOTE in page
    assert "<strong>former moderator</strong>" in page
    assert "mod-otto" not in page
