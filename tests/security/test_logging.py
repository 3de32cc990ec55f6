"""Security events on the "forum.security" logger: who, what, where, when, on one line."""

import logging
import re

import pytest

from forum.security import log_safe
from tests.conftest import login

EVENT = re.compile(
    r"security event=(?P<event>\S+) status=(?P<status>\d+) actor=(?P<actor>\S+) "
    r"method=\S+ target=(?P<target>\S+) at=(?P<at>\S+\+00:00) reason="
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
