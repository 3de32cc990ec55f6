"""Private messages through the pages: starting, reading, replying, the inbox and header
counts, leaving, and every refusal a person can run into."""

from datetime import timedelta

import sqlalchemy as sa

from forum.accounts.models import User
from forum.blocks.services import set_block
from forum.extensions import db, utcnow
from forum.mail.queue import queue_instant_mail
from forum.messages.models import ConversationMember
from forum.notifications.models import Notification, OutgoingMail
from forum.notifications.services import describe, notification_options, target_path
from tests.conftest import login, set_standing
from tests.messages.conftest import (
    conversation_id,
    message_bodies,
    reply,
    start,
    text,
)


def test_a_member_starts_a_conversation_and_the_other_replies(app, make_app, ana, ben):
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)

    sent = start(writer, "ben", body="Where did you have your **ablation**?")
    assert sent.status_code == 302
    cid = conversation_id(sent)
    page = text(writer.get(f"/messages/{cid}"))
    assert "<strong>ablation</strong>" in page
    assert "A private conversation with" in page and ">ben</a>" in page

    inbox = text(reader.get("/messages"))
    assert "Which clinic?" in inbox
    assert "1 new" in inbox
    header = text(reader.get("/"))
    assert "1 conversation with new messages" in header

    page = text(reader.get(f"/messages/{cid}"))
    assert "Where did you have your" in page
    assert reply(reader, cid, "At the county hospital.").status_code == 302
    assert message_bodies(app) == [
        "Where did you have your **ablation**?",
        "At the county hospital.",
    ]
    # Reading it took the "new" away, for the reader; the writer now has one new.
    assert "new message" not in text(reader.get("/messages"))
    assert "1 new" in text(writer.get("/messages"))


def test_a_visitor_is_sent_to_sign_in(client):
    for path in ("/messages", "/messages/new", "/messages/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_a_new_member_may_not_start_a_conversation_but_may_reply(app, ana, newcomer, moderator):
    fresh, old = app.test_client(), app.test_client()
    login(fresh, newcomer)
    login(old, ana)

    refused = start(fresh, "ana")
    assert refused.status_code == 403
    page = text(refused)
    assert "cannot start a conversation until they have been here a week" in page
    assert "Where did you have it done?" in page  # what they typed is kept
    assert message_bodies(app) == []

    cid = conversation_id(start(old, "newcomer-nia"))
    assert reply(fresh, cid, "Thank you for writing.").status_code == 302
    # A new member may write to a moderator, to ask about a post that waits.
    assert start(fresh, "mod-maria", subject="My post").status_code == 302


def test_a_member_who_accepts_no_messages_is_not_written_to(app, ana, ben):
    receiver = app.test_client()
    login(receiver, ben)
    saved = receiver.post("/messages/settings", data={"accept": "nobody"})
    assert saved.status_code == 302
    writer = app.test_client()
    login(writer, ana)
    refused = start(writer, "ben")
    assert refused.status_code == 403
    assert "ben does not accept new conversations from you." in text(refused)


def test_from_members_i_have_talked_with(app, ana, ben, cleo):
    receiver = app.test_client()
    login(receiver, ben)
    receiver.post("/messages/settings", data={"accept": "talked"})
    cid = conversation_id(start(receiver, "ana"))
    stranger, known = app.test_client(), app.test_client()
    login(stranger, cleo)
    login(known, ana)
    assert start(stranger, "ben").status_code == 403
    assert start(known, "ben", subject="Again").status_code == 302
    assert cid


def test_a_block_either_way_stops_new_conversations_and_replies(app, ana, ben):
    writer, blocker = app.test_client(), app.test_client()
    login(writer, ana)
    login(blocker, ben)
    cid = conversation_id(start(writer, "ben"))
    with app.app_context():
        set_block(db.session.get(User, ben.id), db.session.get(User, ana.id), True)

    refused = start(writer, "ben", subject="Another")
    assert refused.status_code == 403
    # The same words as for "accepts no messages": the blocked member is not told.
    assert "ben does not accept new conversations from you." in text(refused)
    refused = reply(writer, cid, "Hello?")
    assert refused.status_code == 403
    assert "You can no longer write in this conversation." in text(refused)
    assert "blocked" not in text(writer.get(f"/messages/{cid}")).lower()
    # The blocker does not write to someone they keep out.
    assert reply(blocker, cid, "Bye").status_code == 403


def test_links_wait_for_a_month(app, make_user, ana):
    young = make_user("young-yan")
    set_standing(app, young, days=10, posts=2)
    client = app.test_client()
    login(client, young)
    refused = start(client, "ana", body="See [this clinic](https://clinic.example)")
    assert refused.status_code == 422
    assert "Links are not allowed in private messages" in text(refused)
    assert "See [this clinic](https://clinic.example)" in text(refused)
    old = app.test_client()
    login(old, ana)
    assert start(old, "young-yan", body="See [notes](https://example.org)").status_code == 302


def test_one_or_two_recipients_and_names_that_exist(app, ana, ben, cleo, make_user):
    make_user("dan")
    client = app.test_client()
    login(client, ana)
    assert "at most 2 other members" in text(start(client, "ben, cleo, dan"))
    assert "There is no member called “nobody-here”" in text(start(client, "nobody-here"))
    assert "with yourself" in text(start(client, "ana"))
    group = start(client, "ben, cleo", subject="Three of us")
    assert group.status_code == 302
    with app.app_context():
        members = db.session.scalars(
            sa.select(ConversationMember.user_id).where(
                ConversationMember.conversation_id == conversation_id(group)
            )
        ).all()
    assert sorted(members) == sorted([ana.id, ben.id, cleo.id])


def test_nobody_outside_the_conversation_can_read_it_not_even_a_moderator(
    app, ana, ben, cleo, moderator
):
    writer = app.test_client()
    login(writer, ana)
    cid = conversation_id(start(writer, "ben", body="Private words"))
    for outsider in (cleo, moderator):
        client = app.test_client()
        login(client, outsider)
        assert client.get(f"/messages/{cid}").status_code == 404
        assert reply(client, cid, "Let me in").status_code == 404
        assert client.get(f"/moderation/conversations/{cid}").status_code in (403, 404)
    assert message_bodies(app) == ["Private words"]


def test_leaving_hides_it_for_the_one_who_left(app, ana, ben):
    writer, leaver = app.test_client(), app.test_client()
    login(writer, ana)
    login(leaver, ben)
    cid = conversation_id(start(writer, "ben"))
    left = leaver.post(f"/messages/{cid}/leave")
    assert left.status_code == 302
    inbox = text(leaver.get("/messages"))
    assert "You left “Which clinic?”" in inbox
    assert 'class="conversation-title"' not in inbox
    assert leaver.get(f"/messages/{cid}").status_code == 404
    page = text(writer.get(f"/messages/{cid}"))
    assert "(left)" in page
    assert "Everyone else has left this conversation" in page
    # Once the last member leaves too, the conversation is gone.
    writer.post(f"/messages/{cid}/leave")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConversationMember)) == 0


def test_the_notification_says_who_never_what(app, ana, ben):
    writer = app.test_client()
    login(writer, ana)
    cid = conversation_id(start(writer, "ben", subject="My diagnosis", body="Secret words"))
    reply(writer, cid, "More secret words")
    with app.app_context():
        note = db.session.scalars(sa.select(Notification).options(*notification_options())).one()
        sentence, path = describe(note), target_path(note)
    assert note.user_id == ben.id and note.count == 2
    assert sentence == "2 new private messages, the latest from ana"
    assert path == f"/messages/{cid}"
    reader = app.test_client()
    login(reader, ben)
    # Not on the notifications page (the messages page is where they are read)...
    assert "private message" not in text(reader.get("/notifications"))
    # ...and reading the conversation marks it read, so no mail goes out for it.
    reader.get(f"/messages/{cid}")
    with app.app_context():
        assert db.session.scalar(sa.select(Notification.read_at)) is not None


def test_a_message_with_crisis_words_sends_its_writer_to_the_helplines(app, ana, ben):
    writer = app.test_client()
    login(writer, ana)
    sent = start(writer, "ben", body="Some days I want to kill myself.")
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("/help")
    page = text(writer.get(sent.headers["Location"]))
    assert "Your message is sent." in page
    assert "Continue to the conversation" in page


def test_an_empty_message_keeps_the_form(app, ana, ben):
    client = app.test_client()
    login(client, ana)
    refused = start(client, "ben", body="   ")
    assert refused.status_code == 422
    assert "Please write something." in text(refused)
    assert 'value="ben"' in text(refused)


def test_the_profile_offers_a_message(app, ana, ben, newcomer):
    client = app.test_client()
    login(client, ana)
    assert "/messages/new?to=ben" in text(client.get("/u/ben"))
    assert "/messages/new?to=ana" not in text(client.get("/u/ana"))
    fresh = app.test_client()
    login(fresh, newcomer)
    assert "Send a message" not in text(fresh.get("/u/ben"))
    assert "Send a message" not in text(app.test_client().get("/u/ben"))
    assert 'value="ben"' in text(client.get("/messages/new?to=ben"))


def test_the_email_names_the_writer_and_links_never_the_words(app, ana, ben):
    with app.app_context():
        member = db.session.get(User, ben.id)
        member.notify_email = "ben@mail.example"
        member.notify_email_confirmed_at = utcnow() - timedelta(minutes=5)
        member.email_frequency = "instant"
        db.session.commit()
    writer = app.test_client()
    login(writer, ana)
    cid = conversation_id(start(writer, "ben", subject="My diagnosis", body="Secret words"))
    with app.app_context():
        assert queue_instant_mail() == 1
        mail = db.session.scalars(sa.select(OutgoingMail)).one()
    assert mail.to_address == "ben@mail.example"
    assert "ana sent you a private message" in mail.subject
    assert f"/messages/{cid}" in mail.body_text
    for secret in ("Secret words", "My diagnosis"):
        assert secret not in mail.subject and secret not in mail.body_text


def test_new_conversations_are_limited_per_sender(make_app, ana, ben):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_CONVERSATIONS="2 per day")
    writer = app.test_client()
    login(writer, ana)
    assert start(writer, "ben", subject="One").status_code == 302
    assert start(writer, "ben", subject="Two").status_code == 302
    refused = start(writer, "ben", subject="Three")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert message_bodies(app) == ["Where did you have it done?"] * 2
