"""The member's moderation page reads their notes, with each writer, in one statement:
a page with many notes by many moderators costs what a page with one does."""

from tests.conftest import login
from tests.member_notes.conftest import write_note


def test_the_member_page_reads_notes_in_one_statement(
    app, client, make_user, moderator, count_queries
):
    login(client, moderator)
    counts = {}
    for notes in (1, 12):
        member = make_user(f"noted-{notes}")
        for number in range(notes):
            writer = app.test_client()
            login(writer, make_user(f"mod-{notes}-{number}", role="moderator"))
            write_note(writer, member.display_name, f"Note {number}.")
        with count_queries() as statements:
            page = client.get(f"/moderation/members/{member.display_name}")
        assert page.get_data(as_text=True).count('class="note-body"') == notes
        counts[notes] = len(statements)
        assert sum("member_notes" in statement for statement in statements) == 1
    assert counts[1] == counts[12], counts
