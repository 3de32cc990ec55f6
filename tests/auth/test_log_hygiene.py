"""What the forum logs about a whole visit (sign-in through a real provider, posting, a refused
form) holds no post text, no secret of the sign-in, no cookie and no full address.

Every logger the forum, its web server and its sign-in client write to is captured at DEBUG.
SQLAlchemy's statement log is left out: it is off unless an operator turns it on."""

import logging
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.auth.conftest import Visitor

# Authlib's client side only: its server side here is the test's own OpenID provider.
LOGGERS = ("forum", "werkzeug", "authlib.integrations", "flask")
BODY = "My pain diary entry zebra-{} should never reach a log"


@pytest.fixture
def every_log_line(caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return lambda: "\n".join(
        record.getMessage()
        for record in caplog.records
        if any(record.name == name or record.name.startswith(f"{name}.") for name in LOGGERS)
    )


def test_a_whole_visit_leaves_no_secret_or_body_in_the_logs(
    live_forum, provider, make_board, every_log_line, caplog
):
    make_board(slug="general")
    sub = f"hygiene-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@mail.example"
    requests.put(f"{provider.url}/users/{sub}", json={"email": email}, timeout=10)
    caplog.clear()  # the test's own call to the provider is not the forum's doing
    body = BODY.format(uuid.uuid4().hex[:8])
    with live_forum() as app:
        person = Visitor(app.base_url)
        back = person.authorize("clinic", sub)
        callback = back.headers["Location"]
        state = parse_qs(urlsplit(callback).query)["state"][0]
        code = parse_qs(urlsplit(callback).query)["code"][0]
        assert person.get(callback).headers["Location"] == "/onboarding"
        assert person.onboard("Hygiene-Hana").status_code == 302

        form = {"title": "A thread for the log check", "body": body, "visibility": "public"}
        posted = person.post("/b/general/new", data=form)
        assert posted.status_code == 302, posted.text[:500]
        assert body in person.get(posted.headers["Location"]).text
        # A refused form, kept for the member to fix, and a refused action.
        assert person.post("/b/general/new", data={**form, "title": ""}).status_code == 422
        assert person.get("/moderation").status_code == 403
        assert person.get("/search", params={"q": "zebra diary"}).status_code == 200

    logged = every_log_line()
    assert "security event=sign_in " in logged  # the capture works
    assert "security event=forbidden " in logged
    [verifier] = [r["code_verifier"] for r in provider.token_requests if r.get("code") == code]
    cookies = [cookie.value for cookie in person.http.cookies]
    assert cookies
    for secret in (body, "zebra", code, state, verifier, email, sub, *cookies):
        assert secret not in logged, secret
    assert "127.0.0.1 " not in logged  # the development server logs networks, not addresses
