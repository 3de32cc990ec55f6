"""Social sign-in end to end: a real OpenID provider, a live forum and a real HTTP client.

Every test drives the whole authorization-code flow the way a browser does (forum → provider
→ forum), then checks what the person sees and what the database kept. The provider's storage
is shared by the whole run, so each test signs in with subjects of its own."""

import html
import json
import logging
import re
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.auth.models import Identity
from forum.extensions import db
from tests.auth.conftest import Visitor, generic_provider, s256

SESSION_COOKIE = "firsthand_session"
REMEMBER_COOKIE = "firsthand_remember"
# What an operator asks for when the forum should see the (verified) e-mail and the name.
WIDE_SCOPE = "openid email profile"


@pytest.fixture(autouse=True)
def _security_log(caplog):
    caplog.set_level(logging.WARNING, logger="forum.security")


# -- helpers -------------------------------------------------------------------------------


def new_sub(label: str) -> str:
    """A subject no other test uses (the provider's storage lives as long as the run)."""
    return f"{label}-{uuid.uuid4().hex[:10]}"


def set_claims(provider, sub: str, **claims) -> None:
    response = requests.put(f"{provider.url}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def providers_config(provider, scope: str | None = None) -> list[dict]:
    entries = [
        generic_provider("clinic", "Clinic ID", provider.url),
        generic_provider("patients", "Patient Group", provider.url),
    ]
    if scope:
        for entry in entries:
            entry["scope"] = scope
    return entries


def forum(live_forum, provider, scope: str | None = None, **overrides):
    """The live forum; scope=None keeps what the app requests by default."""
    return live_forum(OIDC_PROVIDERS=providers_config(provider, scope), **overrides)


def text(response: requests.Response) -> str:
    return html.unescape(response.text)


def at_provider(visitor: Visitor, start: requests.Response, **form) -> requests.Response:
    """From the forum's redirect to the provider, answer the provider's sign-in form;
    returns the provider's redirect back to the forum (not yet followed)."""
    assert start.status_code == 302, start.text[:300]
    authorize_url = start.headers["Location"]
    assert visitor.get(authorize_url).status_code == 200
    answer = visitor.post(authorize_url, data=form)
    assert answer.status_code == 302, answer.text[:300]
    return answer


def join(visitor: Visitor, provider_name: str, sub: str, pseudonym: str, **query) -> None:
    """A newcomer signs in and finishes onboarding."""
    back = visitor.sign_in(provider_name, sub, **query)
    assert back.status_code == 302
    assert back.headers["Location"] == "/onboarding"
    done = visitor.onboard(pseudonym)
    assert done.status_code == 302, done.text[:500]
    assert visitor.signed_in_as() == pseudonym


def rows(app, model) -> list:
    with app.app_context():
        return list(db.session.scalars(sa.select(model).order_by(model.id)))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def identity_of(app, provider_name: str, sub: str) -> Identity | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(Identity).where(Identity.provider == provider_name, Identity.subject == sub)
        )


def user_named(app, name: str) -> User:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.display_name == name))


def every_stored_value(app) -> list[str]:
    """Every value in every column of every table, as text."""
    values = []
    with app.app_context():
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    values.extend(str(value) for value in row if value is not None)
    return values


def session_of(app, visitor: Visitor) -> dict:
    """What the forum keeps in the visitor's (signed, not encrypted) session cookie."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(visitor.http.cookies[SESSION_COOKIE])


def keys_of(value) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value] + [k for v in value.values() for k in keys_of(v)]
    if isinstance(value, list | tuple):
        return [k for v in value for k in keys_of(v)]
    return []


def set_cookie_headers(response: requests.Response, name: str) -> list[str]:
    return [h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def security_warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "forum.security" and record.levelno >= logging.WARNING
    ]


def assert_refused_on_login_page(
    visitor: Visitor, response: requests.Response, message: str, caplog
) -> None:
    page = text(response)
    assert 400 <= response.status_code < 500, (response.status_code, page[:500])
    assert "<h1>Sign in</h1>" in page
    alert = re.search(r'class="form-errors" role="alert"><p>([^<]*)</p>', page)
    assert alert, page[:2000]
    assert message in alert.group(1)
    assert visitor.signed_in_as() is None
    assert security_warnings(caplog), "no warning on the forum.security log"


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


class TokenRecorder:
    """Wraps the provider's (eager) app to keep every token answer (access, ID, refresh)."""

    def __init__(self, app):
        self.app = app
        self.answers: list[dict] = []

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/oauth2/token":
            return self.app(environ, start_response)
        body = b"".join(self.app(environ, start_response))
        try:
            self.answers.append(json.loads(body))
        except ValueError:
            pass
        return [body]

    def secrets(self) -> list[str]:
        return [
            str(answer[key])
            for answer in self.answers
            for key in ("access_token", "id_token", "refresh_token")
            if answer.get(key)
        ]


# -- sign-in, onboarding, signing back in ------------------------------------------------------


@pytest.mark.parametrize("scope", [None, WIDE_SCOPE], ids=["default-scope", "wide-scope"])
def test_newcomer_onboards_signs_out_and_back_in_and_nothing_personal_is_kept(
    live_forum, provider, caplog, scope
):
    sub = new_sub("alice")
    email, real_name = f"{sub}@mail.example", "Alicia Realname"
    set_claims(provider, sub, email=email, email_verified=True, name=real_name)
    with forum(live_forum, provider, scope) as app:
        person = Visitor(app.base_url)
        back = person.sign_in("clinic", sub)
        assert back.status_code == 302
        assert back.headers["Location"] == "/onboarding"
        assert person.signed_in_as() is None  # nothing yet: onboarding is not finished
        page = person.get("/onboarding")
        assert page.status_code == 200
        assert "Choose your pseudonym" in page.text

        done = person.onboard("Alice-Pain")
        assert done.status_code == 302
        assert "Welcome to Firsthand, Alice-Pain." in text(person.get(done.headers["Location"]))
        assert person.signed_in_as() == "Alice-Pain"
        assert person.get("/u/Alice-Pain").status_code == 200

        assert person.post("/logout").status_code == 302
        assert person.signed_in_as() is None

        again = person.sign_in("clinic", sub)
        assert again.status_code == 302
        assert again.headers["Location"] == "/"  # no second onboarding
        assert "Welcome back, Alice-Pain." in text(person.get("/"))
        assert person.signed_in_as() == "Alice-Pain"

        users, identities = rows(app, User), rows(app, Identity)
        assert [u.display_name for u in users] == ["Alice-Pain"]
        assert users[0].guidelines_accepted_at is not None
        assert len(identities) == 1
        identity = identities[0]
        assert (identity.user_id, identity.provider, identity.issuer, identity.subject) == (
            users[0].id,
            "clinic",
            provider.url,
            sub,
        )
        if scope == WIDE_SCOPE:
            # The address reached the forum (so the next check means something): only its
            # keyed digest was kept.
            assert identity.email_digest

        for value in every_stored_value(app):
            for personal in (email, real_name, "Realname"):
                assert personal.casefold() not in value.casefold(), (personal, value)
        assert security_warnings(caplog) == []


def test_the_flow_uses_state_nonce_and_s256_pkce(live_forum, provider):
    sub = new_sub("pkce")
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        back = person.authorize("clinic", sub)
        assert len(provider.authorize_requests) == 1
        sent = provider.authorize_requests[0]
        assert sent["response_type"] == "code"
        assert sent["redirect_uri"] == f"{app.base_url}/login/clinic/callback"
        assert len(sent.get("state", "")) >= 16
        assert len(sent.get("nonce", "")) >= 16
        assert sent.get("code_challenge_method") == "S256"
        assert len(sent.get("code_challenge", "")) == 43
        assert "openid" in sent["scope"].split()
        returned = parse_qs(urlsplit(back.headers["Location"]).query)
        assert returned["state"] == [sent["state"]]
        # The provider holds the challenge for this code: the verifier will be checked.
        assert provider.challenges[returned["code"][0]] == (sent["code_challenge"], "S256")

        assert person.get(back.headers["Location"]).headers["Location"] == "/onboarding"
        assert len(provider.token_requests) == 1
        token_request = provider.token_requests[0]
        assert token_request["grant_type"] == "authorization_code"
        verifier = token_request.get("code_verifier", "")
        assert 43 <= len(verifier) <= 128
        assert s256(verifier) == sent["code_challenge"]
        # A fresh state, nonce and verifier for every sign-in.
        person.authorize("clinic", new_sub("pkce-again"))
        assert provider.authorize_requests[1]["state"] != sent["state"]
        assert provider.authorize_requests[1]["nonce"] != sent["nonce"]
        assert provider.authorize_requests[1]["code_challenge"] != sent["code_challenge"]


# -- onboarding rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pseudonym", "message"),
    [
        ("ab", "A pseudonym is 3 to 30 characters long."),
        ("x" * 31, "A pseudonym is 3 to 30 characters long."),
        ("has space", "(no spaces)"),
        ("bad!name", "(no spaces)"),
        ("-dash", "(no spaces)"),
    ],
)
def test_onboarding_refuses_a_bad_pseudonym_and_keeps_it(live_forum, provider, pseudonym, message):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        person.sign_in("clinic", new_sub("badname"))
        refused = person.onboard(pseudonym)
        assert refused.status_code == 422
        page = text(refused)
        assert message in page
        assert f'value="{pseudonym}"' in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert person.signed_in_as() is None
        assert count(app, User) == 0
        assert count(app, Identity) == 0
        # The pending sign-in is still there: a good pseudonym now finishes it.
        assert person.onboard("Good-Name").status_code == 302
        assert person.signed_in_as() == "Good-Name"


def test_onboarding_refuses_a_taken_pseudonym_whatever_the_case(live_forum, provider):
    with forum(live_forum, provider) as app:
        with app.app_context():
            create_member("Taken-Name")
        person = Visitor(app.base_url)
        person.sign_in("clinic", new_sub("taken"))
        refused = person.onboard("tAKEN-name")
        assert refused.status_code == 422
        assert "That pseudonym is taken. Please choose another." in text(refused)
        assert 'value="tAKEN-name"' in refused.text
        assert person.signed_in_as() is None
        assert count(app, User) == 1
        assert count(app, Identity) == 0


# The forum does not ask for the profile scope; a provider that sends the name anyway gets it
# checked. WIDE_SCOPE stands for such a provider.
@pytest.mark.parametrize("scope", [WIDE_SCOPE], ids=["name-sent"])
def test_onboarding_refuses_the_name_on_the_provider_account(live_forum, provider, scope):
    sub = new_sub("named")
    set_claims(provider, sub, name="Marguerite", email=f"{sub}@mail.example")
    with forum(live_forum, provider, scope) as app:
        person = Visitor(app.base_url)
        person.sign_in("clinic", sub)
        refused = person.onboard("MARGUERITE")
        assert refused.status_code == 422, "the provider's own name was accepted as pseudonym"
        assert "not the name on your sign-in account" in text(refused)
        assert 'value="MARGUERITE"' in refused.text
        assert person.signed_in_as() is None
        assert count(app, User) == 0
        assert person.onboard("Daisy-Petal").status_code == 302
        assert person.signed_in_as() == "Daisy-Petal"


def test_onboarding_requires_accepting_the_guidelines(live_forum, provider):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        person.sign_in("clinic", new_sub("rules"))
        refused = person.onboard("Rule-Skipper", accept=False)
        assert refused.status_code == 422
        assert "Please read and accept the guidelines to join." in text(refused)
        assert 'value="Rule-Skipper"' in refused.text
        assert person.signed_in_as() is None
        assert count(app, User) == 0
        assert count(app, Identity) == 0


def test_abandoned_onboarding_creates_nothing(live_forum, provider):
    sub = new_sub("quitter")
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        assert person.sign_in("clinic", sub).headers["Location"] == "/onboarding"
        assert person.get("/onboarding").status_code == 200
        assert person.get("/").status_code == 200  # wanders off instead
        assert person.signed_in_as() is None
        assert count(app, User) == 0
        assert count(app, Identity) == 0
        # Coming back later (another browser) starts onboarding again.
        later = Visitor(app.base_url)
        assert later.sign_in("clinic", sub).headers["Location"] == "/onboarding"


def test_onboarding_without_a_pending_sign_in_sends_to_login(live_forum, provider):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        response = person.get("/onboarding")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login"
        assert "Please sign in first." in text(person.get("/login"))
        posted = person.post("/onboarding", data={"pseudonym": "Sneaky", "accept_guidelines": "y"})
        assert posted.status_code == 302
        assert posted.headers["Location"] == "/login"
        assert count(app, User) == 0


# -- session hygiene and remember-me ---------------------------------------------------------


def test_session_is_renewed_at_sign_in_and_holds_no_provider_tokens(
    live_forum, provider, monkeypatch
):
    recorder = TokenRecorder(provider.app)
    monkeypatch.setattr(provider, "app", recorder)
    sub = new_sub("hygiene")
    email = f"{sub}@mail.example"
    set_claims(provider, sub, email=email, email_verified=True, name="Hygiene Realname")
    with forum(live_forum, provider, WIDE_SCOPE) as app:
        person = Visitor(app.base_url)
        back = person.authorize("clinic", sub)
        before = person.http.cookies[SESSION_COOKIE]
        assert any(key.startswith("_state_") for key in session_of(app, person))

        assert person.get(back.headers["Location"]).headers["Location"] == "/onboarding"
        pending = session_of(app, person)
        assert person.onboard("Clean-Slate").status_code == 302
        after = person.http.cookies[SESSION_COOKIE]
        signed_in = session_of(app, person)
        assert after != before
        assert "_user_id" in signed_in
        # Nothing from before sign-in carries over: not the provider state, not the intent.
        assert not any(key.startswith("_state_") for key in signed_in)
        assert "pending_identity" not in signed_in
        assert "sign_in_intent" not in signed_in

        assert person.signed_in_as() == "Clean-Slate"  # renders pages, adds a CSRF token
        person.post("/logout")
        assert person.sign_in("clinic", sub).headers["Location"] == "/"
        assert person.http.cookies[SESSION_COOKIE] != after
        returning = session_of(app, person)

        tokens = recorder.secrets()
        assert len(tokens) >= 4  # two sign-ins: access and ID tokens at least
        for state in (pending, signed_in, returning):
            assert [k for k in keys_of(state) if "token" in k.lower() and k != "csrf_token"] == []
            dumped = json.dumps(state, default=str)
            for token in tokens:
                assert token not in dumped
            # The session cookie is signed, not encrypted: no e-mail or name in it either.
            assert email not in dumped
            assert "Realname" not in dumped
        for cookie in person.http.cookies:
            for token in tokens:
                assert token not in (cookie.value or "")


def test_remember_me_is_off_by_default_and_httponly_when_asked(live_forum, provider):
    sub = new_sub("remember")
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        back = person.sign_in("clinic", sub)
        done = person.onboard("Forgetful")
        assert done.status_code == 302
        assert set_cookie_headers(back, REMEMBER_COOKIE) == []
        assert set_cookie_headers(done, REMEMBER_COOKIE) == []
        assert REMEMBER_COOKIE not in person.http.cookies
        assert set_cookie_headers(done, SESSION_COOKIE)
        person.post("/logout")

        returning = person.sign_in("clinic", sub, remember="1")
        assert returning.status_code == 302
        headers = set_cookie_headers(returning, REMEMBER_COOKIE)
        assert len(headers) == 1
        assert "httponly" in headers[0].lower()
        assert REMEMBER_COOKIE in person.http.cookies

        # The browser is closed (session cookie gone): the remember-me cookie signs back in.
        later = Visitor(app.base_url)
        later.http.cookies.set(REMEMBER_COOKIE, person.http.cookies[REMEMBER_COOKIE])
        assert later.signed_in_as() == "Forgetful"


def test_newcomer_asking_to_be_remembered_gets_the_cookie_after_onboarding(live_forum, provider):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        person.sign_in("clinic", new_sub("remember-new"), remember="1")
        done = person.onboard("Remembered")
        headers = set_cookie_headers(done, REMEMBER_COOKIE)
        assert len(headers) == 1
        assert "httponly" in headers[0].lower()


# -- refusals ------------------------------------------------------------------------------


def test_denying_at_the_provider_cancels_sign_in(live_forum, provider, caplog):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        back = at_provider(person, person.get("/login/clinic"), action="deny")
        assert "error=access_denied" in back.headers["Location"]
        response = person.get(back.headers["Location"])
        assert_refused_on_login_page(person, response, "Sign-in was cancelled.", caplog)
        assert provider.token_requests == []
        assert count(app, User) == 0


def test_forged_state_is_refused(live_forum, provider, caplog):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        back = person.authorize("clinic", new_sub("forged-state"))
        forged = with_query(back.headers["Location"], state="forged-" + "s" * 24)
        response = person.get(forged)
        assert_refused_on_login_page(person, response, "The sign-in could not be completed", caplog)
        assert provider.token_requests == []  # the code was never exchanged
        assert count(app, Identity) == 0


def test_replayed_callback_is_refused(live_forum, provider, caplog):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        back = person.authorize("clinic", new_sub("replay"))
        callback = back.headers["Location"]
        code = parse_qs(urlsplit(callback).query)["code"][0]
        cookies_before_callback = person.http.cookies.get_dict()
        assert person.get(callback).headers["Location"] == "/onboarding"
        caplog.clear()

        again = person.get(callback)
        assert_refused_on_login_page(person, again, "The sign-in could not be completed", caplog)

        # Someone who also has the browser's earlier cookies (so the state matches) still
        # cannot use the code a second time: the provider refuses it.
        caplog.clear()
        thief = Visitor(app.base_url)
        for name, value in cookies_before_callback.items():
            thief.http.cookies.set(name, value)
        stolen = thief.get(callback)
        assert_refused_on_login_page(thief, stolen, "The sign-in could not be completed", caplog)
        assert len(provider.token_requests) == 2
        assert all(code not in message for message in security_warnings(caplog))
        assert count(app, User) == 0
        assert count(app, Identity) == 0


def test_id_token_with_the_wrong_nonce_is_refused(live_forum, provider, caplog):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        provider.tamper["nonce"] = "forged"
        response = person.sign_in("clinic", new_sub("nonce"))
        assert_refused_on_login_page(
            person, response, "Clinic ID did not confirm who you are.", caplog
        )
        assert len(provider.token_requests) == 1  # the token came, and was not believed
        assert count(app, Identity) == 0


def test_wrong_pkce_verifier_is_refused(live_forum, provider, caplog):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        provider.tamper["verifier"] = "x" * 43
        back = person.authorize("clinic", new_sub("verifier"))
        code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
        response = person.get(back.headers["Location"])
        assert_refused_on_login_page(person, response, "The sign-in could not be completed", caplog)
        assert all(code not in message for message in security_warnings(caplog))
        assert count(app, Identity) == 0


def test_id_token_from_another_issuer_is_refused(live_forum, provider, caplog):
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        provider.tamper["issuer_host"] = f"localhost:{urlsplit(provider.url).port}"
        response = person.sign_in("clinic", new_sub("issuer"))
        assert_refused_on_login_page(
            person, response, "Clinic ID did not confirm who you are.", caplog
        )
        assert count(app, Identity) == 0


@pytest.mark.parametrize("scope", [None, WIDE_SCOPE], ids=["default-scope", "wide-scope"])
def test_new_identity_with_a_members_verified_email_is_refused(live_forum, provider, caplog, scope):
    email = f"{new_sub('shared')}@mail.example"
    first, second = new_sub("collide-a"), new_sub("collide-b")
    set_claims(provider, first, email=email, email_verified=True)
    set_claims(provider, second, email=email.upper(), email_verified=True)
    with forum(live_forum, provider, scope) as app:
        member = Visitor(app.base_url)
        join(member, "clinic", first, "Collide-A")
        caplog.clear()

        newcomer = Visitor(app.base_url)
        response = newcomer.sign_in("patients", second)
        assert response.status_code == 409, (response.status_code, response.headers)
        assert_refused_on_login_page(
            newcomer, response, "A member already signs in with another method", caplog
        )
        assert "Collide-A" not in response.text  # and it does not say who
        assert newcomer.get("/onboarding").headers.get("Location") == "/login"
        assert count(app, User) == 1
        assert [(i.provider, i.subject) for i in rows(app, Identity)] == [("clinic", first)]
        assert member.signed_in_as() == "Collide-A"


def test_unverified_email_does_not_block_a_newcomer(live_forum, provider):
    email = f"{new_sub('unverified')}@mail.example"
    first, second = new_sub("verified"), new_sub("unverified")
    set_claims(provider, first, email=email, email_verified=True)
    set_claims(provider, second, email=email, email_verified=False)
    with forum(live_forum, provider, WIDE_SCOPE) as app:
        join(Visitor(app.base_url), "clinic", first, "Verified-One")
        join(Visitor(app.base_url), "patients", second, "Someone-Else")
        assert count(app, User) == 2


# -- linking and unlinking -------------------------------------------------------------------


def link_href(settings_page: str, title: str) -> str:
    match = re.search(
        r'<a class="provider-button" href="([^"]+)">(?:(?!</a>).)*?Link '
        + re.escape(title)
        + r"\s*</a>",
        settings_page,
        re.S,
    )
    assert match, f"no 'Link {title}' on the settings page"
    return html.unescape(match.group(1))


def linked_titles(settings_page: str) -> list[str]:
    match = re.search(r'<ul class="identity-list">(.*?)</ul>', settings_page, re.S)
    return re.findall(r"<strong>([^<]+)</strong>", match.group(1)) if match else []


def unlink_actions(settings_page: str) -> dict[str, str]:
    items = re.findall(r"<li>(.*?)</li>", settings_page, re.S)
    actions = {}
    for item in items:
        title = re.search(r"<strong>([^<]+)</strong>", item)
        action = re.search(r'action="(/settings/identities/\d+/unlink)"', item)
        if title and action:
            actions[html.unescape(title.group(1))] = action.group(1)
    return actions


def link_patient_group(person: Visitor, sub: str) -> requests.Response:
    """From the settings page, follow "Link Patient Group" and sign in there as `sub`;
    returns the forum's answer to the callback."""
    href = link_href(person.get("/settings").text, "Patient Group")
    assert href.startswith("/login/patients?")
    assert parse_qs(urlsplit(href).query)["link"] == ["1"]
    back = at_provider(person, person.get(href), sub=sub)
    return person.get(back.headers["Location"])


def test_linking_a_second_provider_then_signing_in_with_it(live_forum, provider):
    clinic_sub, group_sub = new_sub("link-clinic"), new_sub("link-group")
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        join(person, "clinic", clinic_sub, "Two-Ways")
        page = person.get("/settings").text
        assert linked_titles(page) == ["Clinic ID"]
        assert "your only way to sign in" in page

        linked = link_patient_group(person, group_sub)
        assert linked.status_code == 302
        assert linked.headers["Location"] == "/settings"
        settings = person.get("/settings")
        assert "Patient Group is now linked: you can sign in with it." in text(settings)
        assert linked_titles(settings.text) == ["Clinic ID", "Patient Group"]
        assert "Link Patient Group" not in settings.text
        assert person.signed_in_as() == "Two-Ways"

        person.post("/logout")
        assert person.signed_in_as() is None
        back = person.sign_in("patients", group_sub)
        assert back.headers["Location"] == "/"  # no onboarding: the same member
        assert person.signed_in_as() == "Two-Ways"

        owner = user_named(app, "Two-Ways")
        assert count(app, User) == 1
        assert sorted(
            (i.provider, i.issuer, i.subject, i.user_id) for i in rows(app, Identity)
        ) == [
            ("clinic", provider.url, clinic_sub, owner.id),
            ("patients", provider.url, group_sub, owner.id),
        ]


def test_unlinking_one_of_two_sign_in_methods(live_forum, provider):
    clinic_sub, group_sub = new_sub("unlink-clinic"), new_sub("unlink-group")
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        join(person, "clinic", clinic_sub, "Trimmer")
        assert link_patient_group(person, group_sub).status_code == 302
        actions = unlink_actions(person.get("/settings").text)
        assert set(actions) == {"Clinic ID", "Patient Group"}

        removed = person.post(actions["Clinic ID"])
        assert removed.status_code == 302
        settings = person.get("/settings")
        assert "That sign-in method is removed." in text(settings)
        assert linked_titles(settings.text) == ["Patient Group"]
        assert [(i.provider, i.subject) for i in rows(app, Identity)] == [("patients", group_sub)]
        assert person.signed_in_as() == "Trimmer"

        # The removed method no longer leads to this member.
        person.post("/logout")
        assert person.sign_in("clinic", clinic_sub).headers["Location"] == "/onboarding"
        other = Visitor(app.base_url)
        assert other.sign_in("patients", group_sub).headers["Location"] == "/"
        assert other.signed_in_as() == "Trimmer"


def test_unlinking_the_last_sign_in_method_is_refused(live_forum, provider):
    sub = new_sub("last")
    with forum(live_forum, provider) as app:
        person = Visitor(app.base_url)
        join(person, "clinic", sub, "Only-Way")
        page = person.get("/settings").text
        assert unlink_actions(page) == {}  # no Remove button is offered
        (identity,) = rows(app, Identity)

        refused = person.post(f"/settings/identities/{identity.id}/unlink")
        assert 400 <= refused.status_code < 500
        assert "This is your only way to sign in: link another before removing it." in text(refused)
        assert [i.id for i in rows(app, Identity)] == [identity.id]
        person.post("/logout")
        assert person.sign_in("clinic", sub).headers["Location"] == "/"
        assert person.signed_in_as() == "Only-Way"


def test_linking_or_unlinking_another_members_identity_is_refused(live_forum, provider):
    owner_sub, other_sub = new_sub("owner"), new_sub("other")
    with forum(live_forum, provider) as app:
        owner = Visitor(app.base_url)
        join(owner, "patients", owner_sub, "Owner-A")
        other = Visitor(app.base_url)
        join(other, "clinic", other_sub, "Other-B")

        answer = link_patient_group(other, owner_sub)
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/settings"
        settings = other.get("/settings")
        assert "That sign-in method belongs to another member." in text(settings)
        assert "is now linked" not in settings.text
        assert linked_titles(settings.text) == ["Clinic ID"]
        assert other.signed_in_as() == "Other-B"

        owner_id = user_named(app, "Owner-A").id
        taken = identity_of(app, "patients", owner_sub)
        assert taken is not None and taken.user_id == owner_id
        assert count(app, Identity) == 2

        # Nor can the other member remove it by guessing its number.
        refused = other.post(f"/settings/identities/{taken.id}/unlink")
        assert refused.status_code == 404
        assert "Owner-A" not in refused.text
        assert identity_of(app, "patients", owner_sub).user_id == owner_id

        # The owner still signs in with it.
        owner.post("/logout")
        assert owner.sign_in("patients", owner_sub).headers["Location"] == "/"
        assert owner.signed_in_as() == "Owner-A"


def test_linking_another_members_identity_is_logged(live_forum, provider, caplog):
    owner_sub, other_sub = new_sub("logged-owner"), new_sub("logged-other")
    with forum(live_forum, provider) as app:
        join(Visitor(app.base_url), "patients", owner_sub, "Owner-C")
        other = Visitor(app.base_url)
        join(other, "clinic", other_sub, "Other-D")
        caplog.clear()
        assert link_patient_group(other, owner_sub).headers["Location"] == "/settings"
        warnings = security_warnings(caplog)
        assert warnings, "a refused link left no warning on the forum.security log"
        assert all(owner_sub not in message for message in warnings)


# -- settings --------------------------------------------------------------------------------


def test_renaming_changes_the_profile_address_and_is_rate_limited(live_forum, provider):
    with forum(live_forum, provider, PSEUDONYM_CHANGE_DAYS=7) as app:
        person = Visitor(app.base_url)
        join(person, "clinic", new_sub("rename"), "First-Name")
        assert person.get("/u/First-Name").status_code == 200

        renamed = person.post("/settings/pseudonym", data={"pseudonym": "Second-Name"})
        assert renamed.status_code == 302
        assert "Your pseudonym is now Second-Name." in text(person.get("/settings"))
        assert person.signed_in_as() == "Second-Name"
        assert person.get("/u/Second-Name").status_code == 200
        assert person.get("/u/First-Name").status_code == 404

        again = person.post("/settings/pseudonym", data={"pseudonym": "Third-Name"})
        assert again.status_code == 422
        page = text(again)
        assert "You changed your pseudonym recently; you can change it again in" in page
        assert 'value="Third-Name"' in again.text
        assert person.signed_in_as() == "Second-Name"
        assert person.get("/u/Third-Name").status_code == 404
        assert [u.display_name for u in rows(app, User)] == ["Second-Name"]


def test_sign_out_everywhere_ends_other_sessions_and_remember_me(live_forum, provider):
    sub = new_sub("everywhere")
    with forum(live_forum, provider) as app:
        laptop = Visitor(app.base_url)
        join(laptop, "clinic", sub, "Many-Devices")
        phone = Visitor(app.base_url)
        assert phone.sign_in("clinic", sub, remember="1").headers["Location"] == "/"
        assert phone.signed_in_as() == "Many-Devices"
        remember = phone.http.cookies[REMEMBER_COOKIE]

        def remembered_only() -> Visitor:
            browser = Visitor(app.base_url)
            browser.http.cookies.set(REMEMBER_COOKIE, remember)
            return browser

        assert remembered_only().signed_in_as() == "Many-Devices"  # the cookie works now

        done = laptop.post("/settings/sign-out-everywhere")
        assert done.status_code == 302
        assert done.headers["Location"] == "/login"
        assert "You are signed out on every device" in text(laptop.get("/login"))
        assert laptop.signed_in_as() is None

        assert phone.signed_in_as() is None
        assert phone.get("/settings").status_code == 302
        assert remembered_only().signed_in_as() is None

        # Signing in again works as before.
        assert laptop.sign_in("clinic", sub).headers["Location"] == "/"
        assert laptop.signed_in_as() == "Many-Devices"


def test_visitors_are_sent_to_sign_in_for_settings(live_forum, provider):
    with forum(live_forum, provider) as app:
        visitor = Visitor(app.base_url)
        response = visitor.get("/settings")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=%2Fsettings"
        page = text(visitor.get(response.headers["Location"]))
        assert "Please sign in to do that." in page
        assert "Continue with Clinic ID" in page
        assert "Continue with Patient Group" in page
        for path in ("/settings/sign-out-everywhere", "/settings/pseudonym"):
            assert visitor.post(path, data={"pseudonym": "Nobody"}).status_code == 302
