"""Security events on the "forum.security" logger: who, what, where, when, on one line."""

import logging
import re

import pytest
import sqlalchemy as sa

from forum.audit import SecurityEvent, truncate_address
from forum.extensions import db
from forum.security import log_safe
from tests.conftest import login

EVENT = re.compile(
    r"security event=(?P<event>\S+) status=(?P<status>\d+) actor=(?P<actor>\S+) "
    r"network=(?P<network>\S+) method=\S+ target=(?P<target>\S+) at=(?P<at>\S+\+00:00) reason="
)


def events(caplog) -> list[dict]:
    found = []
    for record in caplog.records:
        if record.name == "forum.security":
            message = record.getMessage()
            assert "\n" not in message and "\r" not in message
            match = EVENT.match(message)
            assert match, message
            found.append(match.groupdict())
    return found


@pytest.fixture(autouse=True)
def _capture(caplog):
    caplog.set_level(logging.WARNING, logger="forum.security")


def test_csrf_failure_is_logged_with_the_member(make_app, member, caplog):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/logout").status_code == 400
    [event] = events(caplog)
    assert event["event"] == "csrf_failure"
    assert event["actor"] == "visitor"
    assert event["target"] == "/logout"


def test_forbidden_is_logged_with_the_member(client, member, caplog):
    login(client, member)
    caplog.clear()
    assert client.get("/moderation").status_code == 403
    [event] = events(caplog)
    assert (event["event"], event["status"]) == ("forbidden", "403")
    assert event["actor"] == str(member.id)
    assert event["target"] == "/moderation"


def test_rate_limit_is_logged(make_app, member, caplog):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="1 per minute")
    client = app.test_client()
    for _ in range(2):
        response = client.post("/login/dev", data={"pseudonym": member.display_name})
    assert response.status_code == 429
    [event] = [e for e in events(caplog) if e["event"] == "rate_limited"]
    assert event["status"] == "429"
    assert event["target"] == "/login/dev"


def test_forged_log_lines_are_escaped(client, member, caplog):
    login(client, member)
    caplog.clear()
    forged = "/moderation/members/x%0d%0aforum.security%20event=forged%1b[31m"
    assert client.get(forged).status_code == 403
    [message] = [r.getMessage() for r in caplog.records if r.name == "forum.security"]
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert "target=/moderation/members/x\\x0d\\x0aforum.security event=forged\\x1b[31m" in message


def test_log_safe_escapes_control_characters_and_cuts_long_values():
    assert log_safe("a\nb\rc\x00d\u2028e") == "a\\x0ab\\x0dc\\x00d\\x2028e"
    assert log_safe("x" * 500, limit=10) == "x" * 10 + "..."


def test_events_are_kept_with_a_truncated_address(client, member, app):
    login(client, member)
    response = client.get("/moderation", environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 403
    with app.app_context():
        events = db.session.scalars(sa.select(SecurityEvent).order_by(SecurityEvent.id)).all()
        sign_in, event = events
        assert (sign_in.event, sign_in.actor_id, sign_in.reason) == (
            "sign_in",
            member.id,
            "via=development",
        )
        assert (event.event, event.status, event.actor_id) == ("forbidden", 403, member.id)
        assert event.network == "203.0.113.0/24"
        assert event.path == "/moderation"


def test_rate_limits_are_logged_but_not_stored(make_app, member):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="1 per minute")
    client = app.test_client()
    for _ in range(3):
        response = client.post("/login/dev", data={"pseudonym": member.display_name})
    assert response.status_code == 429
    with app.app_context():
        events = db.session.scalars(sa.select(SecurityEvent.event)).all()
    assert "rate_limited" not in events


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("198.51.100.200", "198.51.100.0/24"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::/48"),
        ("::ffff:192.0.2.9", "192.0.2.0/24"),
        ("not an address", None),
        (None, None),
    ],
)
def test_addresses_keep_only_their_network(address, network):
    assert truncate_address(address) == network


def test_mail_link_tokens_never_reach_a_log_line(make_app, caplog):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/email/confirm/SECRET-TOKEN-123").status_code == 400
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "target=/email/confirm/…" in messages
    assert "SECRET-TOKEN-123" not in messages


def test_moderator_actions_reach_the_security_log_once_committed(
    client, moderator, make_thread, caplog
):
    thread = make_thread(title="A thread to lock")
    login(client, moderator)
    caplog.clear()
    response = client.post(f"/moderation/threads/{thread.id}?tool=lock", data={"reason": "Heated"})
    assert response.status_code == 302
    [line] = [r.getMessage() for r in caplog.records if "moderation action=" in r.getMessage()]
    assert f"actor={moderator.id}" in line
    assert f"target=thread:{thread.id}" in line
    assert "reason=Heated" in line


def test_development_access_log_keeps_networks_and_drops_tokens(app):
    """The development server's log line for a mail link: no address, no token, no query."""
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [25/Nov/2026 20:00:00] "%s" %s -',
        ("192.0.2.41", "GET /email/unsubscribe/abc.DEF-123?x=1 HTTP/1.1", "200"),
        None,
    )
    assert logging.getLogger("werkzeug").filter(record)
    assert record.getMessage() == (
        '192.0.2.0/24 - - [25/Nov/2026 20:00:00] "GET /email/unsubscribe/…?… HTTP/1.1" 200 -'
    )


def test_rate_limit_breaches_log_a_network_not_an_address(make_app, member, caplog):
    caplog.set_level(logging.INFO)
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="1 per minute")
    client = app.test_client()
    address = {"REMOTE_ADDR": "2001:db8:77:1:2:3:4:5"}
    for _ in range(2):
        client.post("/login/dev", data={"pseudonym": "x"}, environ_base=address)
    # Only the refusal is logged, by the forum, with its limit.
    logged = [r.getMessage() for r in caplog.records]
    [breach] = [line for line in logged if "event=rate_limited" in line]
    assert "reason=1 per 1 minute allowed" in breach
    assert "2001:db8:77::/48" in breach
    assert not [line for line in logged if "2001:db8:77:1" in line]
    assert "2001:db8:77:1" not in breach
