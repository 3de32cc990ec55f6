"""Sessions are rows a member can see and end: a copied cookie dies with its row, sessions
have absolute and idle lifetimes, and /settings/sessions lists and signs out devices."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from forum.accounts.models import User
from forum.auth.models import MemberSession
from forum.auth.sessions import describe_device, token_digest
from forum.extensions import db, utcnow
from forum.moderation.sanctions import impose_sanction
from tests.conftest import login

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def signed_in(client) -> bool:
    return 'class="account-name"' in client.get("/").get_data(as_text=True)


def device(app, user_agent: str, address: str = "127.0.0.1"):
    """A browser on another device: its own cookies, user agent and address."""
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    return client


def copy_cookie(app, source, name: str):
    """Another browser holding a copy of one of `source`'s cookies, and nothing else."""
    thief = app.test_client()
    thief.set_cookie(name, source.get_cookie(name).value)
    return thief


def session_rows(app, user=None) -> list[MemberSession]:
    with app.app_context():
        query = sa.select(MemberSession).order_by(MemberSession.id)
        if user is not None:
            query = query.where(MemberSession.user_id == user.id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


# -- the cookie carries a token whose row can be deleted ---------------------------------------


def test_the_cookie_carries_a_random_token_kept_only_as_a_digest(app, client, member):
    login(client, member)
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert str(member.id) not in token.split(":")
    [row] = session_rows(app, member)
    assert row.token_digest == token_digest(token) != token


def test_a_copied_session_cookie_stops_working_when_its_owner_signs_out(app, client, member):
    login(client, member)
    thief = copy_cookie(app, client, app.config["SESSION_COOKIE_NAME"])
    assert signed_in(thief)

    client.post("/logout")

    assert not signed_in(thief)
    assert session_rows(app, member) == []


def test_a_remember_me_cookie_stops_working_after_sign_out(app, client, member):
    login(client, member, remember=True)
    thief = copy_cookie(app, client, app.config["REMEMBER_COOKIE_NAME"])
    assert signed_in(thief)  # the browser was closed: the remember-me cookie signs back in

    client.post("/logout")

    assert not signed_in(copy_cookie(app, client, app.config["REMEMBER_COOKIE_NAME"]))
    assert not signed_in(thief)


def test_sign_out_everywhere_deletes_every_session(app, member):
    laptop, phone = device(app, "laptop"), device(app, "phone")
    login(laptop, member)
    login(phone, member, remember=True)
    assert len(session_rows(app, member)) == 2

    laptop.post("/settings/sign-out-everywhere")

    assert session_rows(app, member) == []
    assert not signed_in(phone) and not signed_in(laptop)


def test_a_suspension_deletes_every_session(app, member, moderator):
    client = app.test_client()
    login(client, member, remember=True)
    moderator_client = app.test_client()
    login(moderator_client, moderator)
    with app.app_context():
        impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, member.id),
            "suspension",
            "Harassment.",
            utcnow() + timedelta(days=3),
        )
    assert session_rows(app, member) == []
    assert not signed_in(client)
    assert signed_in(moderator_client)


# -- lifetimes ---------------------------------------------------------------------------------


def test_a_session_ends_12_hours_after_sign_in(app, client, member):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, member)
        clock.shift(timedelta(hours=11, minutes=59))
        assert signed_in(client)
        clock.shift(timedelta(minutes=2))
        assert not signed_in(client)


def test_keep_me_signed_in_lasts_30_days_however_busy(app, client, member):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, member, remember=True)
        for _ in range(4):  # used every 6 days: never idle for long
            clock.shift(timedelta(days=6))
            assert signed_in(client)
        clock.shift(timedelta(days=5, hours=23))  # 29 days 23 hours after signing in
        assert signed_in(client)
        clock.shift(timedelta(hours=2))
        assert not signed_in(client)


def test_a_session_left_idle_for_7_days_ends(app, client, member):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, member, remember=True)
        clock.shift(timedelta(days=6, hours=23))
        assert signed_in(client)  # and this use starts the 7 days again
        clock.shift(timedelta(days=6, hours=23))
        assert signed_in(client)
        clock.shift(timedelta(days=7, minutes=1))
        assert not signed_in(client)


def test_last_seen_is_written_at_most_every_few_minutes(app, client, member, count_queries):
    def writes() -> list[str]:
        with count_queries() as statements:
            assert client.get("/").status_code == 200
        return [s for s in statements if s.lstrip().upper().startswith("UPDATE")]

    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, member)
        assert writes() == []
        clock.shift(timedelta(minutes=6))
        assert len(writes()) == 1
        assert writes() == []
        [row] = session_rows(app, member)
        assert row.last_seen_at == utcnow()


# -- /settings/sessions ------------------------------------------------------------------------


def test_the_page_lists_the_members_devices_and_marks_this_one(app, member, make_user):
    laptop = device(app, FIREFOX_ANDROID, "203.0.113.77")
    phone = device(app, SAFARI_IPHONE, "2001:db8:1234:5678::1")
    login(laptop, member)
    login(phone, member, remember=True)
    login(device(app, FIREFOX_ANDROID, "198.51.100.9"), make_user("someone-else"))

    page = laptop.get("/settings/sessions").get_data(as_text=True)

    assert "Firefox on Android" in page and "Safari on iOS" in page
    assert "203.0.113.0/24" in page and "2001:db8:1234::/48" in page
    assert "203.0.113.77" not in page
    assert "198.51.100.0/24" not in page  # another member's session
    assert page.count("Sign out this device") == 2
    assert page.count("this device</span>") == 1
    mine = re.search(r"Firefox on Android</strong> <span class=\"badge\">this device", page)
    assert mine is not None
    # This device comes first, though the phone signed in later.
    assert page.index("this device</span>") < page.index("Safari on iOS")
    assert 'href="/settings/sessions"' in laptop.get("/settings").get_data(as_text=True)


def test_sign_out_another_device(app, member):
    laptop, phone = device(app, "laptop"), device(app, "phone")
    login(laptop, member)
    login(phone, member, remember=True)
    phone_row = next(r for r in session_rows(app, member) if r.remember)

    response = laptop.post(f"/settings/sessions/{phone_row.id}/sign-out")

    assert response.headers["Location"] == "/settings/sessions"
    assert "That device is signed out." in laptop.get("/settings/sessions").get_data(as_text=True)
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert [r.remember for r in session_rows(app, member)] == [False]


def test_sign_out_this_device_from_the_list(app, client, member):
    login(client, member)
    [row] = session_rows(app, member)
    response = client.post(f"/settings/sessions/{row.id}/sign-out")
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_another_members_session_is_not_found(app, member, fred):
    victim, troll = device(app, "victim"), device(app, "troll")
    login(victim, member)
    login(troll, fred)
    [row] = session_rows(app, member)

    assert troll.post(f"/settings/sessions/{row.id}/sign-out").status_code == 404
    assert troll.post("/settings/sessions/999999/sign-out").status_code == 404
    assert signed_in(victim)


def test_signing_out_a_device_needs_the_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    member = make_user("careful-cara")
    client = app.test_client()
    page = client.get("/login/dev").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post("/login/dev", data={"pseudonym": member.display_name, "csrf_token": csrf})
    [row] = session_rows(app, member)

    assert client.post(f"/settings/sessions/{row.id}/sign-out").status_code == 400
    assert len(session_rows(app, member)) == 1


def test_visitors_are_sent_to_sign_in(client):
    assert client.get("/settings/sessions").status_code == 302
    assert client.post("/settings/sessions/1/sign-out").status_code == 302


def test_the_page_runs_a_bounded_number_of_statements(app, member, count_queries):
    client = app.test_client()
    login(client, member)
    with count_queries() as few:
        client.get("/settings/sessions")
    for _ in range(5):
        login(app.test_client(), member)
    with count_queries() as many:
        page = client.get("/settings/sessions").get_data(as_text=True)
    assert page.count("Sign out this device") == 6
    assert len(many) == len(few) <= 4


# -- the device description --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "described"),
    [
        (FIREFOX_ANDROID, "Firefox on Android"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Chrome on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Linux",
        ),
        ("curl/8.5.0", "Unknown device"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_describe_device(user_agent, described):
    assert describe_device(user_agent) == described


def test_the_development_sign_in_offers_keep_me_signed_in(app, client, member):
    page = client.get("/login/dev").get_data(as_text=True)
    assert 'name="remember"' in page and "Keep me signed in on this device" in page
    login(client, member, remember=True)
    [row] = session_rows(app, member)
    assert row.remember and row.expires_at - row.created_at == timedelta(days=30)
    assert client.get_cookie(app.config["REMEMBER_COOKIE_NAME"]) is not None
