"""Messages are their members' data: in the export (the others' words only while the
member was in the conversation), and erased with the account as the member chose for
their posts."""

import sqlalchemy as sa

from forum.extensions import db
from forum.messages.models import Conversation, ConversationMember, Message
from tests.conftest import login
from tests.export.conftest import download
from tests.messages.conftest import conversation_id, reply, start, text


def test_the_export_holds_the_conversations_and_stops_at_leaving(app, ana, ben, cleo, make_user):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    cid = conversation_id(start(writer, "ben, cleo", subject="Clinics", body="Which one?"))
    reply(reader, cid, "The county one.")
    reader.post(f"/messages/{cid}/leave")
    reply(writer, cid, "Written after Ben left.")

    mine = download(reader).document["private_messages"]
    [conversation] = mine
    assert conversation["subject"] == "Clinics"
    assert conversation["started_by_you"] is False
    assert conversation["you_left_at"]
    assert [(m["author"], m["text"]) for m in conversation["messages"]] == [
        ("ana", "Which one?"),
        ("you", "The county one."),
    ]
    theirs = download(writer).document["private_messages"]
    assert len(theirs[0]["messages"]) == 3
    outsider = app.test_client()
    login(outsider, make_user("dan"))
    assert download(outsider).document["private_messages"] == []


def _erase(client, member, posts: str):
    response = client.post(
        "/settings/delete",
        data={"confirmation": member.display_name, "posts": posts, "reports": "keep"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_erasing_with_delete_takes_the_messages_and_the_subject(app, ana, ben):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    cid = conversation_id(start(writer, "ben", subject="My diagnosis", body="Words of mine"))
    reply(reader, cid, "Ben's answer")
    _erase(writer, ana, "delete")
    page = text(reader.get(f"/messages/{cid}"))
    assert "Words of mine" not in page and "My diagnosis" not in page
    assert "A conversation with a former member" in page
    assert "Ben's answer" in page
    assert "former member" in page and "(left)" in page
    with app.app_context():
        assert db.session.get(Conversation, cid).message_count == 1


def test_erasing_with_keep_leaves_the_messages_under_former_member(app, ana, ben):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    cid = conversation_id(start(writer, "ben", subject="My diagnosis", body="Words of mine"))
    _erase(writer, ana, "keep")
    page = text(reader.get(f"/messages/{cid}"))
    assert "Words of mine" in page and "My diagnosis" in page
    assert '<span class="pseudonym former-member">former member</span>' in page
    assert "ana" not in page.split("<main", 1)[1].split("</main>")[0].replace("anal", "")
    assert "Everyone else has left this conversation" in page


def test_a_conversation_nobody_is_left_in_goes_whole(app, ana, ben):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    cid = conversation_id(start(writer, "ben"))
    reader.post(f"/messages/{cid}/leave")
    _erase(writer, ana, "keep")
    with app.app_context():
        for model in (Conversation, ConversationMember, Message):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
