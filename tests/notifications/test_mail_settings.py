"""/settings/email, the confirmation link and the unsubscribe link, through the client and
a real SMTP server; the address stays on its owner's settings page only."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.notifications.models import OutgoingMail
from forum.threads.models import slugify
from tests.conftest import login
from tests.notifications.test_mail_smtp import (
    BASE_URL,
    give_address,
    mail_config,
    notify,
    outgoing,
    send_mail,
)
from tests.test_csrf import assert_refused, sign_in, token_from

ADDRESS = "pat.private@example.org"


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


@pytest.fixture
def thread(make_thread):
    return make_thread(title="Epidural steroid injections: what helped")


def checked(page: str) -> str:
    """The frequency whose radio button is selected."""
    [value] = re.findall(r'<input checked [^>]*value="(\w+)"', page)
    return value


def member_state(app, user) -> tuple:
    with app.app_context():
        found = db.session.get(User, user.id)
        return found.notify_email, found.notify_email_confirmed_at, found.email_frequency


def path_of(link: str) -> str:
    assert link.startswith(BASE_URL), link
    return link.removeprefix(BASE_URL)


def confirmation_link(app, inbox, address=ADDRESS) -> str:
    send_mail(app)
    mail = inbox.to(address)[-1]
    assert mail.subject == "Confirm your e-mail address for Firsthand"
    [link] = [link for link in mail.links if "/email/confirm/" in link]
    return path_of(link)


def unsubscribe_link(app, user, address=ADDRESS) -> str:
    with app.app_context():
        from forum.mail.services import unsubscribe_url

        return path_of(unsubscribe_url(user.id, address))


# -- the settings page -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/settings/email"),
        ("POST", "/settings/email"),
        ("POST", "/settings/email/resend"),
        ("POST", "/settings/email/remove"),
    ],
)
def test_settings_need_a_signed_in_member(client, method, path):
    response = client.open(path, method=method, data={"address": ADDRESS})
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_account_settings_link_to_email_settings(client, member):
    login(client, member)
    assert 'href="/settings/email"' in client.get("/settings").get_data(as_text=True)


def test_adding_an_address_queues_only_a_confirmation(mail_app, client, inbox, member):
    login(client, member)
    page = client.get("/settings/email").get_data(as_text=True)
    assert checked(page) == "daily"  # the gentler choice is offered first

    response = client.post(
        "/settings/email", data={"address": f"  {ADDRESS} ", "frequency": "instant"}
    )

    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "We are sending a confirmation link" in page
    assert ADDRESS in page and "waiting for confirmation" in page
    address, confirmed_at, frequency = member_state(mail_app, member)
    assert (address, confirmed_at, frequency) == (ADDRESS, None, "instant")
    [mail] = outgoing(mail_app)
    assert (mail.kind, mail.to_address, mail.sent_at) == ("confirm", ADDRESS, None)
    assert mail.dedupe_key.startswith(f"confirm:{member.id}:")
    assert inbox.messages == []  # requests only queue; send-mail sends


@pytest.mark.parametrize(
    "typed",
    [
        "pat",
        "pat@",
        "@example.org",
        "pat@example",
        "pat@@example.org",
        "pat smith@example.org",
        "pat@exa_mple.org",
        "pat@example..org",
        '"pat"@example.org',
        "pat@example.org\r\nBcc: victim@example.net",
        "p" * 65 + "@example.org",
    ],
)
def test_an_invalid_address_is_refused_and_kept_in_the_form(mail_app, client, member, typed):
    login(client, member)

    response = client.post("/settings/email", data={"address": typed, "frequency": "daily"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter an e-mail address like name@example.org." in page
    assert checked(page) == "daily"
    assert member_state(mail_app, member) == (None, None, "none")
    assert outgoing(mail_app) == []


def test_an_empty_address_is_refused(client, member):
    login(client, member)
    response = client.post("/settings/email", data={"address": "", "frequency": "daily"})
    assert response.status_code == 422
    assert "Please enter an e-mail address." in response.get_data(as_text=True)


def test_international_domains_are_stored_in_ascii(mail_app, client, member):
    login(client, member)
    client.post("/settings/email", data={"address": "Pat@Bücher.Example", "frequency": "daily"})
    assert member_state(mail_app, member)[0] == "Pat@xn--bcher-kva.example"


def test_changing_only_how_often_sends_no_new_confirmation(mail_app, client, member):
    give_address(mail_app, member, ADDRESS, "instant")
    login(client, member)

    response = client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})

    assert response.status_code == 302
    assert "Your e-mail settings are saved." in client.get("/settings/email").get_data(True)
    address, confirmed_at, frequency = member_state(mail_app, member)
    assert address == ADDRESS and confirmed_at is not None and frequency == "daily"
    assert outgoing(mail_app) == []


def test_confirmation_links_are_capped_per_day(mail_app, client, member):
    login(client, member)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})
        client.post("/settings/email/resend")  # the same second: the same link, queued once
    assert len(outgoing(mail_app, kind="confirm")) == 1
    for second in range(1, 5):
        with time_machine.travel(start + timedelta(seconds=second)):
            client.post("/settings/email/resend")

    with time_machine.travel(start + timedelta(seconds=5)):
        page = client.post("/settings/email/resend", follow_redirects=True).get_data(True)

    assert "You asked for 5 confirmation links today" in page
    assert len(outgoing(mail_app, kind="confirm")) == 5


def test_removing_the_address_forgets_it_and_drops_pending_mail(mail_app, client, member, thread):
    give_address(mail_app, member, ADDRESS, "instant")
    notify(mail_app, member, thread)
    with mail_app.app_context():
        from forum.mail.queue import queue_instant_mail

        assert queue_instant_mail() == 1
    login(client, member)

    response = client.post("/settings/email/remove")

    assert response.status_code == 302
    page = client.get("/settings/email").get_data(as_text=True)
    assert "Your address is removed" in page and ADDRESS not in page
    assert member_state(mail_app, member) == (None, None, "none")
    assert outgoing(mail_app) == []


def test_mail_off_says_so_and_takes_no_address(make_app, member):
    app = make_app()
    client = app.test_client()
    login(client, member)

    page = client.get("/settings/email").get_data(as_text=True)
    assert "This site does not send e-mail" in page
    assert 'name="address"' not in page

    response = client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})
    assert response.status_code == 409
    assert "This site does not send e-mail, so there is nothing to set up." in response.get_data(
        as_text=True
    )
    assert member_state(app, member) == (None, None, "none")
    assert outgoing(app) == []


def test_mail_off_still_lets_a_member_remove_an_address(make_app, member):
    app = make_app()
    give_address(app, member, ADDRESS)
    client = app.test_client()
    login(client, member)

    assert "Remove this address" in client.get("/settings/email").get_data(as_text=True)
    client.post("/settings/email/remove")
    assert member_state(app, member) == (None, None, "none")


# -- the confirmation link ---------------------------------------------------------------


def test_the_link_confirms_and_then_mail_flows(mail_app, client, inbox, member, thread):
    login(client, member)
    client.post("/settings/email", data={"address": ADDRESS, "frequency": "instant"})
    notify(mail_app, member, thread)  # before confirming: never mailed
    link = confirmation_link(mail_app, inbox)
    assert len(inbox.messages) == 1
    visitor = mail_app.test_client()  # opened on another device, not signed in

    page = visitor.get(link).get_data(as_text=True)
    assert "Confirm address" in page and ADDRESS not in page
    assert member_state(mail_app, member)[1] is None  # a scanner's GET confirms nothing

    response = visitor.post(link)
    assert response.status_code == 302
    assert "This address is confirmed" in visitor.get(response.location).get_data(True)
    assert member_state(mail_app, member)[1] is not None
    assert "confirmed" in client.get("/settings/email").get_data(as_text=True)

    notify(mail_app, member, thread, kind="quote")
    assert "1 instant" in send_mail(mail_app)
    [mail] = inbox.to(ADDRESS)[1:]
    assert "quoted your post" in mail.subject


def test_a_tampered_link_is_refused(mail_app, client, inbox, member):
    login(client, member)
    client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})
    link = confirmation_link(mail_app, inbox)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")

    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 422
        assert "This confirmation link is not valid" in response.get_data(as_text=True)
    assert member_state(mail_app, member)[1] is None


def test_an_expired_link_is_refused(mail_app, client, inbox, member):
    login(client, member)
    client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})
    link = confirmation_link(mail_app, inbox)

    with time_machine.travel(utcnow() + timedelta(days=2, hours=1)):
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 422
            assert "This confirmation link has expired" in response.get_data(as_text=True)
    assert member_state(mail_app, member)[1] is None


def test_a_link_for_an_earlier_address_cannot_confirm_the_new_one(mail_app, client, inbox, member):
    login(client, member)
    client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})
    old_link = confirmation_link(mail_app, inbox)
    client.post("/settings/email", data={"address": "new@example.org", "frequency": "daily"})

    for response in (client.get(old_link), client.post(old_link)):
        assert response.status_code == 422
        assert "no longer on this account" in response.get_data(as_text=True)
    assert member_state(mail_app, member)[:2] == ("new@example.org", None)

    new_link = confirmation_link(mail_app, inbox, "new@example.org")
    assert client.post(new_link).status_code == 302
    assert member_state(mail_app, member)[1] is not None


def test_an_unsent_confirmation_to_a_replaced_address_is_never_sent(
    mail_app, client, inbox, member
):
    login(client, member)
    client.post("/settings/email", data={"address": ADDRESS, "frequency": "daily"})
    client.post("/settings/email", data={"address": "new@example.org", "frequency": "daily"})

    send_mail(mail_app)

    assert [m.recipients for m in inbox.messages] == [["new@example.org"]]


# -- unsubscribing -----------------------------------------------------------------------


def test_unsubscribe_get_asks_and_post_stops(mail_app, member):
    give_address(mail_app, member, ADDRESS, "instant")
    link = unsubscribe_link(mail_app, member)
    visitor = mail_app.test_client()

    page = visitor.get(link).get_data(as_text=True)
    assert "Stop e-mails" in page and ADDRESS not in page
    assert member_state(mail_app, member)[2] == "instant"  # prefetching changes nothing

    response = visitor.post(link)
    assert response.status_code == 200
    assert "we will send no more notification e-mail" in response.get_data(as_text=True)
    address, confirmed_at, frequency = member_state(mail_app, member)
    assert (address, frequency) == (ADDRESS, "none") and confirmed_at is not None

    assert "already gets no notification e-mail" in visitor.get(link).get_data(True)


def test_the_unsubscribe_link_in_a_mail_works(mail_app, inbox, member, thread):
    give_address(mail_app, member, ADDRESS, "daily")
    notify(mail_app, member, thread)
    send_mail(mail_app)
    [mail] = inbox.messages
    [link] = [link for link in mail.links if "/email/unsubscribe/" in link]
    assert mail.header("List-Unsubscribe") == f"<{link}>"

    mail_app.test_client().post(path_of(link))

    assert member_state(mail_app, member)[2] == "none"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_tampered_unsubscribe_link_is_refused(mail_app, member, method):
    give_address(mail_app, member, ADDRESS, "instant")
    link = unsubscribe_link(mail_app, member)

    response = mail_app.test_client().open(link[:-2] + "xx", method=method)

    assert response.status_code == 422
    assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    assert member_state(mail_app, member)[2] == "instant"


def test_an_unsubscribe_link_for_an_earlier_address_changes_nothing(mail_app, member):
    give_address(mail_app, member, "old@example.org", "instant")
    link = unsubscribe_link(mail_app, member, "old@example.org")
    give_address(mail_app, member, ADDRESS, "instant")

    response = mail_app.test_client().post(link)

    assert response.status_code == 422
    assert "no longer gets notifications" in response.get_data(as_text=True)
    assert member_state(mail_app, member)[2] == "instant"


# -- CSRF: the one-click POST is the only exception ----------------------------------------


@pytest.fixture
def csrf_app(make_app, inbox):
    return make_app(WTF_CSRF_ENABLED=True, **mail_config(inbox.port))


def test_one_click_unsubscribe_needs_no_csrf_token(csrf_app, member):
    """What a mail client sends (RFC 8058): a bare POST, no cookies, no form token."""
    give_address(csrf_app, member, ADDRESS, "instant")
    link = unsubscribe_link(csrf_app, member)

    response = csrf_app.test_client().post(
        link,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert member_state(csrf_app, member)[2] == "none"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/settings/email", {"address": ADDRESS, "frequency": "instant"}),
        ("/settings/email/remove", {}),
        ("/settings/email/resend", {}),
    ],
)
def test_settings_posts_still_need_the_csrf_token(csrf_app, member, path, data):
    give_address(csrf_app, member, "old@example.org", "daily", confirmed=False)
    client = csrf_app.test_client()
    sign_in(client, member.display_name)
    before = (member_state(csrf_app, member), outgoing(csrf_app))

    assert_refused(client.post(path, data=data))
    assert_refused(client.post(path, data={**data, "csrf_token": "forged"}))

    assert (member_state(csrf_app, member), outgoing(csrf_app)) == before
    token = token_from(client, "/settings/email")
    assert client.post(path, data={**data, "csrf_token": token}).status_code == 302
    assert (member_state(csrf_app, member), outgoing(csrf_app)) != before


def test_the_confirmation_post_needs_the_csrf_token(csrf_app, inbox, member):
    give_address(csrf_app, member, ADDRESS, "daily", confirmed=False)
    with csrf_app.app_context():
        from forum.mail.services import confirmation_token

        link = f"/email/confirm/{confirmation_token(db.session.get(User, member.id))}"
    visitor = csrf_app.test_client()

    assert_refused(visitor.post(link))
    assert member_state(csrf_app, member)[1] is None

    token = token_from(visitor, link)
    assert visitor.post(link, data={"csrf_token": token}).status_code == 302
    assert member_state(csrf_app, member)[1] is not None


# -- the address is private ----------------------------------------------------------------


def test_the_address_appears_on_its_owners_email_settings_only(
    mail_app, member, fred, thread, make_post
):
    make_post(thread, author=member, body="I had three of these injections.")
    give_address(mail_app, member, ADDRESS, "instant")
    notify(mail_app, member, thread)
    with mail_app.app_context():
        board_slug = db.session.scalar(
            sa.text("SELECT slug FROM boards WHERE id = :id"), {"id": thread.board_id}
        )
    pages = [
        "/",
        f"/b/{board_slug}",
        f"/t/{thread.id}/{slugify(thread.title)}",
        f"/u/{member.display_name}",
        "/settings",
        "/notifications",
        unsubscribe_link(mail_app, member),
    ]
    owner, other, visitor = (mail_app.test_client() for _ in range(3))
    login(owner, member)
    login(other, fred)

    for client in (owner, other, visitor):
        for path in pages:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            assert ADDRESS not in response.get_data(as_text=True), path
        page = client.get("/settings/email", follow_redirects=True).get_data(as_text=True)
        assert (ADDRESS in page) == (client is owner)


def test_outgoing_mail_keeps_no_address_after_removal(mail_app, client, inbox, member, thread):
    give_address(mail_app, member, ADDRESS, "instant")
    notify(mail_app, member, thread)
    send_mail(mail_app)
    login(client, member)

    client.post("/settings/email/remove")

    with mail_app.app_context():
        addresses = db.session.scalars(sa.select(OutgoingMail.to_address)).all()
    assert addresses == [""]
