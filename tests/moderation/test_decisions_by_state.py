"""What the queue offers and the services accept depend on the post's state and on who is
deciding: a waiting post is approved or rejected, nothing else; nobody decides the appeal
of a sanction they imposed or that is about them."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.moderation.models import Appeal, Flag, Sanction
from forum.threads.models import Post, Thread
from tests.conftest import login
from tests.moderation.test_sanctions import (
    APPEAL_TEXT,
    appeal,
    appeal_id_for,
    decide,
    later,
    only_sanction_id,
    page,
    sanction,
)


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _queue_item(client, post_id: int) -> str:
    html = unescape(client.get("/moderation").get_data(as_text=True))
    match = re.search(rf'aria-labelledby="q{post_id}">(.*?)</article>', html, re.S)
    assert match, f"post {post_id} is not in the queue"
    return match.group(1)


def _buttons(item_html: str) -> list[tuple[str, str]]:
    return re.findall(r'name="decision" value="(\w+)"[^>]*>([^<]+)</button>', item_html)


def _decide_post(client, post_id: int, decision: str):
    return client.post(
        f"/moderation/posts/{post_id}/decide", data={"decision": decision, "flag_ids": ""}
    )


@pytest.fixture
def pending_reply(app, make_user, make_thread):
    """A new member's reply waiting for approval, with an automatic crisis-phrase flag on
    it (the one kind of flag a waiting post can carry)."""
    thread = make_thread(author=make_user("settled-sam"), title="Facet joint injections")
    app.config["NEW_MEMBER_APPROVAL_POSTS"] = 5  # from here on, new members' posts wait
    newcomer = make_user("newcomer-nia")
    client = _client(app, newcomer)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "My first, unapproved words."})
    assert response.status_code == 302
    with app.app_context():
        post = db.session.scalar(sa.select(Post).where(Post.author_id == newcomer.id))
        assert (post.state, post.position) == ("pending", None)
        db.session.add(Flag(post_id=post.id, flagger_id=None, reason="self_harm", is_urgent=True))
        db.session.commit()
        return post.id, thread.id


def _post(app, post_id: int) -> tuple:
    with app.app_context():
        post = db.session.get(Post, post_id)
        return post.state, post.position


def test_the_queue_offers_only_approve_and_reject_on_a_waiting_post(app, pending_reply, moderator):
    post_id, _ = pending_reply

    buttons = _buttons(_queue_item(_client(app, moderator), post_id))

    assert buttons == [("keep", "Approve"), ("delete", "Reject")]


@pytest.mark.parametrize("decision", ["hide", "close"])
def test_a_waiting_post_cannot_be_hidden_then_kept_into_the_thread(
    app, pending_reply, moderator, decision
):
    post_id, thread_id = pending_reply
    mod = _client(app, moderator)

    response = _decide_post(mod, post_id, decision)

    assert response.status_code == 403
    assert "only be approved or rejected" in page(response).text
    assert _post(app, post_id) == ("pending", None)
    visitor_page = app.test_client().get(f"/t/{thread_id}", follow_redirects=True)
    assert "My first, unapproved words." not in visitor_page.get_data(as_text=True)


def test_approving_a_waiting_post_gives_it_its_place(app, pending_reply, moderator):
    post_id, thread_id = pending_reply

    response = _decide_post(_client(app, moderator), post_id, "keep")

    assert response.status_code == 302
    assert _post(app, post_id) == ("visible", 2)
    with app.app_context():
        assert db.session.get(Thread, thread_id).post_count == 2


def test_the_queue_offers_keep_hide_delete_on_a_published_post(
    app, make_user, make_thread, make_post, moderator
):
    reply = make_post(make_thread(), body="A published reply.")
    with app.app_context():
        db.session.add(Flag(post_id=reply.id, flagger_id=None, reason="self_harm", is_urgent=True))
        db.session.commit()

    buttons = _buttons(_queue_item(_client(app, moderator), reply.id))

    assert [value for value, _ in buttons] == ["keep", "hide", "delete"]


# -- appeals -----------------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("admin-ada", role="admin")


@pytest.fixture
def sanctioned_moderator(app, admin, make_user):
    """mod-sid, silenced by admin-ada, has appealed; returns (their client, appeal id)."""
    mod_sid = make_user("mod-sid", role="moderator")
    assert (
        sanction(_client(app, admin), mod_sid, "silence", ends_at=later(days=3)).status_code == 302
    )
    client = _client(app, mod_sid)
    sanction_id = only_sanction_id(app, mod_sid)
    assert appeal(client, sanction_id).status_code == 302
    return client, appeal_id_for(app, sanction_id)


def _appeal_article(client) -> str:
    html = unescape(client.get("/moderation").get_data(as_text=True))
    match = re.search(
        r'<article class="post">\s*<p><strong>Silence</strong>(.*?)</article>', html, re.S
    )
    assert match, "the appeal is not listed"
    return match.group(1)


def test_a_sanctioned_moderator_cannot_decide_their_own_appeal(app, sanctioned_moderator):
    client, appeal_id = sanctioned_moderator

    response = decide(client, appeal_id, "overturned", reason="I was right.")

    assert response.status_code == 403
    assert "This sanction is about you" in page(response).text
    with app.app_context():
        assert db.session.scalars(sa.select(Appeal.decision)).all() == [None]
        assert db.session.scalars(sa.select(Sanction.overturned_at)).all() == [None]


def test_a_sanctioned_moderator_is_not_shown_the_form_to_decide_it(app, sanctioned_moderator):
    client, _ = sanctioned_moderator

    article = _appeal_article(client)

    assert APPEAL_TEXT in article
    assert "Overturn" not in article and "<form" not in article
    assert "This sanction is about you" in article


def test_the_imposer_is_not_shown_the_form_but_another_moderator_is(
    app, sanctioned_moderator, admin, moderator
):
    imposer = _appeal_article(_client(app, admin))
    assert "Overturn" not in imposer
    assert "Another moderator must decide" in imposer

    other = _appeal_article(_client(app, moderator))
    assert "Overturn" in other


def test_a_moderator_is_not_offered_a_sanction_on_themselves_or_an_admin(
    app, moderator, admin, fred
):
    mod = _client(app, moderator)
    for name, refusal in (
        ("mod-maria", "You cannot sanction yourself."),
        ("admin-ada", "Only an admin can sanction a moderator."),
    ):
        shown = page(mod.get(f"/moderation/members/{name}"))
        assert refusal in shown.notices, name
        assert "Apply" not in shown.text.split("Apply a sanction", 1)[1], name

    response = sanction(mod, admin, "ban", reason="Overreach.")

    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(sa.select(Sanction)).all() == []
    assert "Apply" in page(mod.get("/moderation/members/fred")).text.split("Apply a sanction", 1)[1]
