"""Notes through the pages: the Notes section of a member's moderation page, adding and
correcting a note, the refusals (a member, another moderator, a note past 24 hours), and
the moderation log's lines."""

import re

from forum.member_notes.models import NOTE_MAX
from tests.conftest import csrf_token, login, pass_second_factor
from tests.member_notes.conftest import NOTE, age_note, notes_about, write_note
from tests.security.conftest import sign_in_with_token


def _text(response) -> str:
    return response.get_data(as_text=True)


def _notes_section(html: str) -> str:
    match = re.search(r'<section class="member-notes".*?</section>', html, re.S)
    assert match, "no Notes section"
    return match.group(0)


def test_a_moderator_adds_a_note_on_the_member_page(app, client, moderator, member):
    login(client, moderator)
    page = _notes_section(_text(client.get(f"/moderation/members/{member.display_name}")))
    assert "No notes yet." in page
    assert f'action="/moderation/members/{member.display_name}/notes"' in page

    response = write_note(client, member.display_name)
    [note] = notes_about(app, member)
    assert response.status_code == 302
    assert response.location == f"/moderation/members/{member.display_name}#note-{note.id}"
    page = _text(client.get(response.location))
    assert "Note kept" in page
    section = _notes_section(page)
    assert NOTE in section
    assert "mod-maria" in section
    assert f'id="note-{note.id}"' in section
    assert f"{note.created_at.day} {note.created_at:%B %Y, %H:%M UTC}</time>" in section
    assert "edited" not in section
    assert f'href="/moderation/notes/{note.id}/edit"' in section  # its writer may correct it


def test_notes_show_newest_first_escaped_with_their_line_breaks(
    app, client, moderator, other_moderator, member
):
    login(client, moderator)
    write_note(client, member.display_name, "Older: <b>called</b> & left a message.")
    other = app.test_client()
    login(other, other_moderator)
    write_note(other, member.display_name, "Newer.\nSecond line.")
    section = _notes_section(_text(client.get(f"/moderation/members/{member.display_name}")))
    assert section.index("Newer.") < section.index("Older:")
    assert "&lt;b&gt;called&lt;/b&gt; &amp; left a message." in section
    assert "<b>called</b>" not in section
    assert "Newer.\nSecond line." in section  # shown with its break (white-space: pre-line)
    newer, older = notes_about(app, member)[::-1]
    # Only one's own note offers its correction.
    assert f"/moderation/notes/{older.id}/edit" in section
    assert f"/moderation/notes/{newer.id}/edit" not in section


def test_a_refused_note_keeps_what_was_typed(app, client, moderator, member):
    login(client, moderator)
    too_long = "Long. " * (NOTE_MAX // 5)
    response = write_note(client, member.display_name, too_long)
    assert response.status_code == 422
    page = _text(response)
    assert "There is a problem" in page
    assert too_long.strip() in page
    empty = write_note(client, member.display_name, "  ")
    assert empty.status_code == 422
    assert "Write the note first." in _text(empty)
    assert notes_about(app, member) == []


def test_the_writer_corrects_a_note_and_it_shows_edited(app, client, moderator, member):
    login(client, moderator)
    write_note(client, member.display_name)
    [note] = notes_about(app, member)
    form = client.get(f"/moderation/notes/{note.id}/edit")
    assert form.status_code == 200
    assert NOTE in _text(form)
    response = client.post(
        f"/moderation/notes/{note.id}/edit", data={"body": "Contacted 3 Dec, sister staying."}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"#note-{note.id}")
    section = _notes_section(_text(client.get(response.location)))
    assert "Contacted 3 Dec, sister staying." in section
    assert NOTE not in section
    assert ">edited</span>" in section


def test_a_member_reads_no_notes_and_writes_none(app, client, moderator, member, fred):
    moderators = app.test_client()
    login(moderators, moderator)
    write_note(moderators, member.display_name)
    [note] = notes_about(app, member)
    for person in (member, fred):
        login(client, person)
        for method, path in (
            ("GET", f"/moderation/members/{member.display_name}"),
            ("GET", f"/moderation/members/{member.display_name}/notes"),
            ("POST", f"/moderation/members/{member.display_name}/notes"),
            ("GET", f"/moderation/notes/{note.id}/edit"),
            ("POST", f"/moderation/notes/{note.id}/edit"),
        ):
            response = client.open(path, method=method, data={"body": "Rewritten."})
            assert response.status_code == 403, (person.display_name, method, path)
            assert NOTE not in _text(response)
    assert [n.body for n in notes_about(app, member)] == [NOTE]


def test_visitors_are_sent_to_sign_in(client, member):
    response = client.get(f"/moderation/members/{member.display_name}/notes")
    assert response.location.startswith("/login?next=")


def test_another_moderator_cannot_correct_a_note(app, client, moderator, other_moderator, member):
    login(client, moderator)
    write_note(client, member.display_name)
    [note] = notes_about(app, member)
    other = app.test_client()
    login(other, other_moderator)
    refused = other.get(f"/moderation/notes/{note.id}/edit")
    assert refused.status_code == 403
    assert "Only the moderator who wrote a note can change it" in _text(refused)
    posted = other.post(f"/moderation/notes/{note.id}/edit", data={"body": "Otto's version."})
    assert posted.status_code == 403
    assert "Otto&#39;s version." in _text(posted)  # what they typed is still there
    assert [n.body for n in notes_about(app, member)] == [NOTE]


def test_a_note_is_fixed_24_hours_after_it_was_written(app, client, moderator, member):
    login(client, moderator)
    write_note(client, member.display_name)
    [note] = notes_about(app, member)
    age_note(app, note.id, hours=23)
    assert client.get(f"/moderation/notes/{note.id}/edit").status_code == 200
    age_note(app, note.id, hours=1)  # 24 hours old now
    refused = client.get(f"/moderation/notes/{note.id}/edit")
    assert refused.status_code == 403
    assert "part of the record" in _text(refused)
    posted = client.post(f"/moderation/notes/{note.id}/edit", data={"body": "Too late."})
    assert posted.status_code == 403
    assert "Too late." in _text(posted)
    assert f"/moderation/members/{member.display_name}/notes" in _text(posted)  # add one instead
    section = _notes_section(_text(client.get(f"/moderation/members/{member.display_name}")))
    assert f"/moderation/notes/{note.id}/edit" not in section
    assert [n.body for n in notes_about(app, member)] == [NOTE]


def test_a_moderator_is_not_offered_a_note_about_themselves(app, client, moderator):
    login(client, moderator)
    page = _notes_section(_text(client.get(f"/moderation/members/{moderator.display_name}")))
    assert "Other moderators keep the notes about you." in page
    assert "<textarea" not in page
    response = write_note(client, moderator.display_name)
    assert response.status_code == 403
    assert notes_about(app, moderator) == []


def test_a_missing_note_or_member_is_404_for_moderators(client, moderator):
    login(client, moderator)
    assert client.get("/moderation/notes/999999/edit").status_code == 404
    assert write_note(client, "nobody-of-that-name").status_code == 404


def test_the_log_shows_each_note_and_correction(app, client, moderator, member):
    login(client, moderator)
    write_note(client, member.display_name)
    [note] = notes_about(app, member)
    client.post(f"/moderation/notes/{note.id}/edit", data={"body": "Corrected."})
    log = _text(client.get(f"/moderation/log?member={member.display_name}"))
    assert "note_add" in log and "note_edit" in log
    link = f'href="/moderation/members/{member.display_name}#note-{note.id}">note {note.id}</a>'
    assert log.count(link) == 2
    assert NOTE not in log  # the note's text stays on the member's page
    only_added = _text(client.get("/moderation/log?action=note_add"))
    assert link in only_added and "note_edit" not in only_added


def test_the_forms_need_a_csrf_token(make_app, moderator, member):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    sign_in_with_token(client, moderator)
    pass_second_factor(client, moderator)
    assert write_note(client, member.display_name).status_code == 400
    assert notes_about(app, member) == []
    page = _text(client.get(f"/moderation/members/{member.display_name}"))
    token = csrf_token(_notes_section(page))
    response = client.post(
        f"/moderation/members/{member.display_name}/notes",
        data={"body": NOTE, "csrf_token": token},
    )
    assert response.status_code == 302
    [note] = notes_about(app, member)
    assert (
        client.post(f"/moderation/notes/{note.id}/edit", data={"body": "No token."}).status_code
        == 400
    )
    assert [n.body for n in notes_about(app, member)] == [NOTE]
