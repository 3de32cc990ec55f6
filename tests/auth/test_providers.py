"""Each built-in sign-in provider, end to end against a local stand-in or the OpenID mock.

GitHub, Facebook, X and WordPress.com are played by tests/auth/standins.py; Microsoft and
Apple by the OpenID mock (Microsoft behind a wrapper that makes it multi-tenant). A Visitor
drives the real HTTP flow against the forum served on 127.0.0.1."""

import html
import json
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from authlib.oidc.core import CodeIDToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError
from joserfc.jwk import ECKey

from forum import ROOT, create_app
from forum.accounts.models import User
from forum.auth.models import Identity
from forum.auth.oauth_flow import _claims_options
from forum.auth.providers import _builtin
from forum.extensions import db
from tests.auth.conftest import Visitor, generic_provider, s256, serve
from tests.auth.standins import (
    BASIC,
    MICROSOFT_ISSUER_TEMPLATE,
    NO_TID,
    POST,
    REAL_EMAIL,
    REAL_NAME,
    SPECS,
    MicrosoftLike,
    OAuthStandIns,
    microsoft_issuer,
)
from tests.conftest import base_config

OAUTH2 = ["github", "facebook", "x", "wordpress"]
# What the providers know and the forum must never keep: names, handles, e-mail address.
REAL_DETAILS = [REAL_NAME, REAL_EMAIL, "octo-patient", "octo_patient", "octopatient"]
SESSION_COOKIE = "firsthand_session"


# -- helpers ------------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of an HTML page a person acts on: forms, sign-in buttons, scripts."""

    def __init__(self, text: str):
        super().__init__()
        self.forms: list[dict] = []
        self.controls: list[dict] = []  # the .provider-button links and buttons
        self.scripts: list[dict] = []
        self._form = self._element = self._script = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": attrs, "inputs": [], "buttons": []}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            self._form["inputs"].append(attrs)
        elif tag in ("a", "button"):
            self._element = {"tag": tag, "attrs": attrs, "text": "", "imgs": [], "form": None}
            if tag == "button" and self._form is not None:
                self._element["form"] = self._form
                self._form["buttons"].append(self._element)
            if "provider-button" in attrs.get("class", "").split():
                self.controls.append(self._element)
        elif tag == "img" and self._element is not None:
            self._element["imgs"].append(attrs)
        elif tag == "script":
            self._script = {"attrs": attrs, "text": ""}
            self.scripts.append(self._script)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag in ("a", "button"):
            self._element = None
        elif tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._element is not None:
            self._element["text"] += data
        if self._script is not None:
            self._script["text"] += data


def title_of(control: dict) -> str:
    return " ".join(control["text"].split()).removeprefix("Continue with ")


def target_of(control: dict) -> tuple[str, str]:
    """(method, URL path) the control navigates to when clicked."""
    if control["tag"] == "a":
        return "get", control["attrs"]["href"]
    form = control["form"]
    action = control["attrs"].get("formaction") or form["attrs"].get("action", "")
    method = control["attrs"].get("formmethod") or form["attrs"].get("method") or "get"
    return method.lower(), action


def alert_text(page: str) -> str:
    start = page.find('role="alert"')
    assert start != -1, "the page shows no error message"
    return html.unescape(page[start : page.find("</div>", start)])


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def identities(app) -> list[tuple[str, str, str, int]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Identity).order_by(Identity.id))
        return [(i.provider, i.issuer, i.subject, i.user_id) for i in rows]


def assert_nothing_real_is_stored(app):
    """No column of any table holds the person's name, handle or e-mail address."""
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                for value in row:
                    for detail in REAL_DETAILS:
                        assert detail.casefold() not in str(value).casefold(), (table.name, row)


def session_of(app, person: Visitor) -> dict:
    """The forum's (signed, readable) session cookie, decoded."""
    cookie = person.http.cookies.get(SESSION_COOKIE)
    assert cookie, "no session cookie"
    return app.session_interface.get_signing_serializer(app).loads(cookie)


def oauth_round_trip(person: Visitor, name: str) -> requests.Response:
    """Click "Continue with …", get sent to the provider, which sends the person back."""
    start = person.get(f"/login/{name}")
    assert start.status_code == 302, start.text[:300]
    at_provider = person.get(start.headers["Location"])
    assert at_provider.status_code == 302, at_provider.text[:300]
    back = at_provider.headers["Location"]
    assert back.startswith(f"{person.base_url}/login/{name}/callback?"), back
    return person.get(back)


def assert_refused_without_session(app, person: Visitor, answer: requests.Response, *words):
    """The sign-in page again, with a 4xx and a message; nobody signed in, nothing pending."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:500])
    assert "<h1>Sign in</h1>" in answer.text
    message = alert_text(answer.text)
    for word in words:
        assert word in message, message
    assert "Traceback" not in answer.text
    assert person.signed_in_as() is None
    onboarding = person.get("/onboarding")
    assert onboarding.status_code == 302
    assert urlsplit(onboarding.headers["Location"]).path == "/login"
    assert count(app, User) == 0
    assert count(app, Identity) == 0


@pytest.fixture
def standins():
    stand_ins = OAuthStandIns()
    with serve(stand_ins) as url:
        stand_ins.url = url
        yield stand_ins


# -- 1. GitHub, Facebook, X, WordPress.com ------------------------------------------------


@pytest.mark.parametrize("name", OAUTH2)
def test_oauth2_provider_signs_in_by_its_stable_id(live_forum, standins, name):
    spec = SPECS[name]
    pseudonym = f"{name}-patient"
    with live_forum(**standins.forum_config()) as app:
        person = Visitor(app.base_url)
        back = oauth_round_trip(person, name)
        assert back.status_code == 302, back.text[:500]
        assert back.headers["Location"] == "/onboarding"
        pending = json.dumps(session_of(app, person)).casefold()
        assert not [d for d in REAL_DETAILS if d.casefold() in pending]

        done = person.onboard(pseudonym)
        assert done.status_code == 302, done.text[:500]
        assert person.signed_in_as() == pseudonym

        [(provider, issuer, subject, user_id)] = identities(app)
        assert (provider, issuer, subject) == (name, spec.issuer, spec.subject)
        assert_nothing_real_is_stored(app)

        # PKCE: an S256 challenge went out, and the verifier that came back matched it.
        [authorize] = standins.authorize_requests[name]
        assert authorize["code_challenge_method"] == "S256"
        assert authorize["redirect_uri"] == f"{app.base_url}/login/{name}/callback"
        [token_request] = standins.token_requests[name]
        assert s256(token_request["form"]["code_verifier"]) == authorize["code_challenge"]
        assert token_request["pkce_verified"]
        assert token_request["auth_method"] in spec.auth_methods
        # The profile API was asked with the access token the provider gave.
        [profile_request] = standins.profile_requests[name]
        assert profile_request["authorization"] == f"Bearer {token_request['access_token']}"

        assert person.post("/logout").status_code == 302
        assert person.signed_in_as() is None
        again = oauth_round_trip(person, name)
        assert again.status_code == 302, again.text[:500]
        assert again.headers["Location"] == "/"
        assert person.signed_in_as() == pseudonym
        assert identities(app) == [(name, spec.issuer, spec.subject, user_id)]
        assert count(app, User) == 1


def test_x_gets_http_basic_and_wordpress_the_form_credentials(live_forum, standins):
    with live_forum(**standins.forum_config()) as app:
        for name in ("x", "wordpress"):
            assert oauth_round_trip(Visitor(app.base_url), name).status_code == 302
        assert standins.token_requests["x"][-1]["auth_method"] == BASIC
        assert "client_secret" not in standins.token_requests["x"][-1]["form"]
        assert standins.token_requests["wordpress"][-1]["auth_method"] == POST


def test_facebook_is_asked_for_the_id_only(live_forum, standins):
    with live_forum(**standins.forum_config()) as app:
        assert oauth_round_trip(Visitor(app.base_url), "facebook").status_code == 302
        assert standins.profile_requests["facebook"][-1]["args"] == {"fields": "id"}


def test_a_verified_email_is_kept_only_as_a_digest(live_forum, standins):
    with live_forum(**standins.forum_config()) as app:
        person = Visitor(app.base_url)
        assert oauth_round_trip(person, "wordpress").headers["Location"] == "/onboarding"
        assert person.onboard("wp-member").status_code == 302
        with app.app_context():
            digest = db.session.scalar(sa.select(Identity.email_digest))
        assert digest and len(digest) == 64
        assert_nothing_real_is_stored(app)


SPECS_TITLES = {"github": "GitHub", "facebook": "Facebook", "x": "X", "wordpress": "WordPress.com"}


PROFILES_WITHOUT_ID = {
    "github": lambda p: {k: v for k, v in p.items() if k != "id"},
    "facebook": lambda p: {"name": p["name"]},
    "x": lambda p: {"data": {k: v for k, v in p["data"].items() if k != "id"}},
    "wordpress": lambda p: {k: v for k, v in p.items() if k != "ID"},
}


@pytest.mark.parametrize("name", OAUTH2)
def test_token_endpoint_error_ends_on_the_sign_in_page(live_forum, standins, name):
    standins.token_failure[name] = (
        400,
        {"error": "invalid_grant", "error_description": "The code has expired."},
    )
    with live_forum(**standins.forum_config()) as app:
        person = Visitor(app.base_url)
        answer = oauth_round_trip(person, name)
        assert_refused_without_session(app, person, answer, "try again")
        assert standins.profile_requests[name] == []


@pytest.mark.parametrize("name", OAUTH2)
def test_profile_without_an_id_ends_on_the_sign_in_page(live_forum, standins, name):
    standins.profiles[name] = PROFILES_WITHOUT_ID[name](standins.profiles[name])
    with live_forum(**standins.forum_config()) as app:
        person = Visitor(app.base_url)
        answer = oauth_round_trip(person, name)
        assert_refused_without_session(app, person, answer, SPECS_TITLES[name], "try again")


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        # GitHub answers a bad code with 200 and an error object.
        (
            lambda s: s.token_failure.update(
                github=(200, {"error": "bad_verification_code", "error_description": "…"})
            ),
            ["try again"],
        ),
        (lambda s: s.token_failure.update(github=(401, {"error": "invalid_client"})), ["again"]),
        (lambda s: s.token_failure.update(github=(502, "<h1>Bad gateway</h1>")), ["again"]),
        (
            lambda s: s.profile_failure.update(github=(401, {"message": "Bad credentials"})),
            ["GitHub"],
        ),
        (lambda s: s.profile_failure.update(github=(503, "<p>Unicorn!</p>")), ["GitHub"]),
        (lambda s: s.profile_failure.update(github=(200, "<p>not json</p>")), ["GitHub"]),
        (lambda s: s.profiles["github"].update(id=None), ["GitHub"]),
        (lambda s: s.profiles["github"].update(id=""), ["GitHub"]),
        (lambda s: s.deny.add("github"), ["cancelled"]),
    ],
    ids=[
        "error-with-200",
        "invalid-client",
        "token-502",
        "profile-401",
        "profile-503",
        "profile-not-json",
        "id-null",
        "id-empty",
        "cancelled",
    ],
)
def test_github_failures_never_sign_in_nor_crash(live_forum, standins, setup, words):
    setup(standins)
    with live_forum(**standins.forum_config()) as app:
        person = Visitor(app.base_url)
        answer = oauth_round_trip(person, "github")
        assert_refused_without_session(app, person, answer, *words)


def test_a_callback_without_the_flow_started_is_refused(live_forum, standins):
    with live_forum(**standins.forum_config()) as app:
        person = Visitor(app.base_url)
        answer = person.get("/login/github/callback", params={"code": "stolen", "state": "x"})
        assert_refused_without_session(app, person, answer, "try again")
        assert standins.token_requests["github"] == []


# -- 2. Microsoft: the tenant's issuer ----------------------------------------------------

TENANT_A = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TENANT_B = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"


class MetadataOnly:
    """What _claims_options needs of an Authlib client: the discovery document."""

    def __init__(self, issuer: str):
        self.issuer = issuer

    def load_server_metadata(self) -> dict:
        return {"issuer": self.issuer}


def microsoft_claims(**changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": microsoft_issuer(TENANT_A),
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "aud": "ms-client",
        "exp": now + 3600,
        "iat": now,
        "nonce": "n-0S6_WzA2Mj",
        "tid": TENANT_A,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def validate_as_the_flow_does(claims: dict, issuer: str = MICROSOFT_ISSUER_TEMPLATE) -> None:
    [microsoft] = _builtin({"MICROSOFT_CLIENT_ID": "ms-client"})
    options = _claims_options(microsoft, MetadataOnly(issuer))["claims_options"]
    params = {"nonce": "n-0S6_WzA2Mj", "client_id": "ms-client"}
    CodeIDToken(claims, {"alg": "RS256"}, options, params).validate(leeway=120)


@pytest.mark.parametrize("tenant", [TENANT_A, TENANT_B])
def test_microsoft_token_with_its_own_tenants_issuer_is_accepted(tenant):
    validate_as_the_flow_does(microsoft_claims(iss=microsoft_issuer(tenant), tid=tenant))


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": microsoft_issuer(TENANT_A), "tid": TENANT_B},
        {"iss": microsoft_issuer(TENANT_B), "tid": TENANT_A},
        {"iss": microsoft_issuer(TENANT_A), "tid": None},
        {"iss": microsoft_issuer(TENANT_A), "tid": ""},
        {"iss": f"https://evil.example/{TENANT_A}/v2.0", "tid": TENANT_A},
        {"iss": "https://login.microsoftonline.com/common/v2.0", "tid": TENANT_A},
    ],
    ids=["iss-A-tid-B", "iss-B-tid-A", "no-tid", "empty-tid", "other-host", "common"],
)
def test_microsoft_token_posing_as_another_tenant_is_refused(changes):
    with pytest.raises(InvalidClaimError):
        validate_as_the_flow_does(microsoft_claims(**changes))


def test_microsoft_token_without_a_tenant_cannot_use_the_template_as_issuer():
    """The template itself is no tenant's issuer: without `tid` nothing can match it."""
    with pytest.raises(InvalidClaimError):
        validate_as_the_flow_does(microsoft_claims(iss=MICROSOFT_ISSUER_TEMPLATE, tid=None))


def test_single_tenant_microsoft_accepts_only_that_tenant():
    issuer = microsoft_issuer(TENANT_A)
    validate_as_the_flow_does(microsoft_claims(), issuer=issuer)
    with pytest.raises(InvalidClaimError):
        validate_as_the_flow_does(
            microsoft_claims(iss=microsoft_issuer(TENANT_B), tid=TENANT_B), issuer=issuer
        )


@pytest.fixture
def microsoft(provider):
    like = MicrosoftLike(provider)
    with serve(like) as url:
        like.url = url
        yield like


def microsoft_config(like: MicrosoftLike) -> dict:
    return {
        "MICROSOFT_CLIENT_ID": "ms-client",
        "MICROSOFT_CLIENT_SECRET": "ms-secret",
        "OAUTH_ENDPOINTS": {
            "microsoft": {"discovery_url": f"{like.url}/.well-known/openid-configuration"}
        },
    }


def test_microsoft_sign_in_keeps_the_tenants_issuer(live_forum, microsoft, provider):
    sub = f"ms-{uuid.uuid4().hex}"
    microsoft.tenant = TENANT_A
    with live_forum(**microsoft_config(microsoft)) as app:
        person = Visitor(app.base_url)
        back = person.sign_in("microsoft", sub)
        assert back.status_code == 302, back.text[:500]
        assert back.headers["Location"] == "/onboarding"
        assert person.onboard("Tenant-A-Pat").status_code == 302
        assert person.signed_in_as() == "Tenant-A-Pat"
        [(name, issuer, subject, _)] = identities(app)
        assert (name, issuer, subject) == ("microsoft", microsoft_issuer(TENANT_A), sub)
        assert microsoft.issued[-1]["tid"] == TENANT_A
        assert (
            s256(provider.token_requests[-1]["code_verifier"])
            == (provider.authorize_requests[-1]["code_challenge"])
        )

        # The same subject in another tenant is another person.
        microsoft.tenant = TENANT_B
        stranger = Visitor(app.base_url)
        assert stranger.sign_in("microsoft", sub).headers["Location"] == "/onboarding"
        assert stranger.signed_in_as() is None

        microsoft.tenant = TENANT_A
        again = Visitor(app.base_url)
        assert again.sign_in("microsoft", sub).headers["Location"] == "/"
        assert again.signed_in_as() == "Tenant-A-Pat"


@pytest.mark.parametrize(
    ("tenant", "issuer"),
    [(TENANT_B, microsoft_issuer(TENANT_A)), (NO_TID, microsoft_issuer(TENANT_A))],
    ids=["iss-A-tid-B", "no-tid"],
)
def test_microsoft_forged_tenant_is_refused(live_forum, microsoft, tenant, issuer):
    microsoft.tenant, microsoft.issuer = tenant, issuer
    with live_forum(**microsoft_config(microsoft)) as app:
        person = Visitor(app.base_url)
        answer = person.sign_in("microsoft", f"ms-{uuid.uuid4().hex}")
        assert_refused_without_session(app, person, answer, "Microsoft", "try again")
        assert microsoft.issued[-1]["iss"] == issuer


# -- 3. Apple: form_post and the signed client secret -------------------------------------

APPLE = {
    "APPLE_CLIENT_ID": "org.firsthand.web",
    "APPLE_TEAM_ID": "TEAM123456",
    "APPLE_KEY_ID": "KEY7654321",
}


@pytest.fixture(scope="module")
def apple_key():
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def apple_config(provider, apple_key, **extra) -> dict:
    return {
        **APPLE,
        "APPLE_PRIVATE_KEY": apple_key[0],
        "OAUTH_ENDPOINTS": {
            "apple": {"discovery_url": f"{provider.url}/.well-known/openid-configuration"}
        },
        **extra,
    }


def apple_answer(person: Visitor, sub: str) -> dict:
    """Sign in at the provider; what Apple would POST back (code, state, and the name and
    e-mail it sends on the first sign-in)."""
    back = person.authorize("apple", sub)
    fields = query_of(back.headers["Location"])
    assert set(fields) == {"code", "state"}
    fields["user"] = json.dumps(
        {"name": {"firstName": "Real", "lastName": "Name"}, "email": REAL_EMAIL}
    )
    return fields


def post_from_apple(person: Visitor, fields: dict) -> requests.Response:
    """Apple's page posts the answer cross-site: the SameSite=Lax cookie stays behind. A
    browser would still keep any cookie the answer sets."""
    answer = requests.post(
        f"{person.base_url}/login/apple/callback",
        data=fields,
        headers={"Origin": "https://appleid.apple.com", "Referer": "https://appleid.apple.com/"},
        allow_redirects=False,
        timeout=10,
    )
    person.http.cookies.update(answer.cookies)
    return answer


def csrf_onboard(person: Visitor, pseudonym: str) -> requests.Response:
    form = person.get("/onboarding")
    assert form.status_code == 200
    [token] = [
        i["value"]
        for f in Page(form.text).forms
        for i in f["inputs"]
        if i.get("name") == "csrf_token"
    ]
    return person.post(
        "/onboarding",
        data={
            "csrf_token": token,
            "pseudonym": pseudonym,
            "accept_guidelines": "y",
            "accept_health_data": "y",
        },
    )


def test_apple_form_post_hops_through_our_own_page(live_forum, provider, apple_key):
    sub = f"apple-{uuid.uuid4().hex}"
    with live_forum(**apple_config(provider, apple_key, WTF_CSRF_ENABLED=True)) as app:
        person = Visitor(app.base_url)
        fields = apple_answer(person, sub)
        assert provider.authorize_requests[-1]["response_mode"] == "form_post"
        assert provider.authorize_requests[-1]["code_challenge_method"] == "S256"

        hop = post_from_apple(person, fields)
        assert hop.status_code == 200, hop.text[:500]
        assert SESSION_COOKIE not in hop.cookies  # the waiting sign-in is not clobbered
        page = Page(hop.text)
        [form] = [f for f in page.forms if "data-autosubmit" in f["attrs"]]
        assert form["attrs"]["method"].lower() == "post"
        assert form["attrs"]["action"] == "/login/apple/callback"  # same origin
        posted = {i["name"]: i["value"] for i in form["inputs"]}
        assert posted == {**fields, "hop": "1"}
        assert all(i.get("type") == "hidden" for i in form["inputs"])
        # Without JavaScript, a visible button does the same.
        [button] = form["buttons"]
        assert button["attrs"].get("type", "submit") == "submit"
        assert button["text"].strip() == "Continue"
        assert "hidden" not in button["attrs"] and "hidden" not in form["attrs"]
        # The script that submits it is our own file (inline scripts are not allowed).
        # (versioned: ?v=<hash of its content>, see forum/caching.py)
        sources = [urlsplit(s["attrs"].get("src")) for s in page.scripts]
        assert [(src.netloc, src.path) for src in sources] == [("", "/static/js/autosubmit.js")]
        assert all(not s["text"].strip() for s in page.scripts)
        script = person.get("/static/js/autosubmit.js")
        assert script.status_code == 200
        assert "form[data-autosubmit]" in script.text and ".submit()" in script.text
        policy = _csp(hop.headers["Content-Security-Policy"])
        script_sources = policy.get("script-src", policy.get("default-src", ["*"]))
        assert _allowed_by(script_sources, script.url, app.base_url)

        # The form, sent from our page with the session cookie and no CSRF token, signs in.
        done = person.post(form["attrs"]["action"], data=posted)
        assert done.status_code == 302, done.text[:500]
        assert done.headers["Location"] == "/onboarding"
        assert csrf_onboard(person, "Apple-Pat").status_code == 302
        assert person.signed_in_as() == "Apple-Pat"
        [(name, issuer, subject, _)] = identities(app)
        assert (name, issuer, subject) == ("apple", provider.url, sub)
        assert_nothing_real_is_stored(app)
        verifier = provider.token_requests[-1]["code_verifier"]
        assert s256(verifier) == provider.authorize_requests[-1]["code_challenge"]

        # Signing in again (another browser) is the same member.
        again = Visitor(app.base_url)
        hop = post_from_apple(again, apple_answer(again, sub))
        [form] = [f for f in Page(hop.text).forms if "data-autosubmit" in f["attrs"]]
        posted = {i["name"]: i["value"] for i in form["inputs"]}
        back = again.post(form["attrs"]["action"], data=posted)
        assert back.status_code == 302
        assert back.headers["Location"] == "/"
        assert again.signed_in_as() == "Apple-Pat"


def test_apple_client_secret_is_a_short_lived_es256_jwt(live_forum, provider, apple_key):
    with live_forum(**apple_config(provider, apple_key)) as app:
        person = Visitor(app.base_url)
        hop = post_from_apple(person, apple_answer(person, f"apple-{uuid.uuid4().hex}"))
        [form] = [f for f in Page(hop.text).forms if "data-autosubmit" in f["attrs"]]
        posted = {i["name"]: i["value"] for i in form["inputs"]}
        before = int(time.time())
        assert person.post(form["attrs"]["action"], data=posted).status_code == 302

    sent = provider.token_requests[-1]
    assert sent["client_id"] == APPLE["APPLE_CLIENT_ID"]
    secret = jwt.decode(sent["client_secret"], ECKey.import_key(apple_key[1]), ["ES256"])
    assert secret.header["alg"] == "ES256"
    assert secret.header["kid"] == APPLE["APPLE_KEY_ID"]
    claims = secret.claims
    assert claims["iss"] == APPLE["APPLE_TEAM_ID"]
    assert claims["sub"] == APPLE["APPLE_CLIENT_ID"]
    assert claims["aud"] == "https://appleid.apple.com"
    assert before - 5 <= claims["iat"] <= int(time.time()) + 5
    assert claims["iat"] < claims["exp"] <= claims["iat"] + 3600
    assert claims["exp"] > time.time()
    other = ECKey.import_key(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(BadSignatureError):
        jwt.decode(sent["client_secret"], other, ["ES256"])


def test_apple_answer_posted_cross_site_cannot_skip_the_hop(live_forum, provider, apple_key):
    with live_forum(**apple_config(provider, apple_key)) as app:
        person = Visitor(app.base_url)
        fields = apple_answer(person, f"apple-{uuid.uuid4().hex}")
        forged = requests.post(
            f"{app.base_url}/login/apple/callback",
            data={**fields, "hop": "1"},
            allow_redirects=False,
            timeout=10,
        )
        assert 400 <= forged.status_code < 500
        assert "try again" in alert_text(forged.text)
        assert count(app, Identity) == 0
        assert person.signed_in_as() is None


def test_apple_hop_page_escapes_what_was_posted(live_forum, provider, apple_key):
    with live_forum(**apple_config(provider, apple_key)) as app:
        hop = requests.post(
            f"{app.base_url}/login/apple/callback",
            data={"state": '"><script>alert(1)</script>', 'x"onfocus="alert(2)': "1"},
            timeout=10,
        )
        assert hop.status_code == 200
        assert "<script>alert(1)" not in hop.text
        assert 'onfocus="alert(2)' not in hop.text
        [form] = [f for f in Page(hop.text).forms if "data-autosubmit" in f["attrs"]]
        assert {i["name"]: i["value"] for i in form["inputs"]}["state"] == (
            '"><script>alert(1)</script>'
        )


# -- 4. Configuration, the sign-in page, and the callback address -------------------------

EVERY_PROVIDER = {
    "GOOGLE_CLIENT_ID": "g",
    "MICROSOFT_CLIENT_ID": "m",
    "APPLE_CLIENT_ID": "a",
    "APPLE_PRIVATE_KEY": "not read until a sign-in",
    "GITHUB_CLIENT_ID": "gh",
    "FACEBOOK_CLIENT_ID": "fb",
    "X_CLIENT_ID": "x",
    "WORDPRESS_CLIENT_ID": "wp",
    "OIDC_PROVIDERS": [generic_provider("clinic", "Clinic ID", "https://id.clinic.example")],
}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            EVERY_PROVIDER,
            {
                "google": "Google",
                "microsoft": "Microsoft",
                "apple": "Apple",
                "github": "GitHub",
                "facebook": "Facebook",
                "x": "X",
                "wordpress": "WordPress.com",
                "clinic": "Clinic ID",
            },
        ),
        ({"GITHUB_CLIENT_ID": "gh", "X_CLIENT_ID": "x"}, {"github": "GitHub", "x": "X"}),
        # Apple without its signing key cannot work, so it is not offered.
        ({"APPLE_CLIENT_ID": "a", "WORDPRESS_CLIENT_ID": "wp"}, {"wordpress": "WordPress.com"}),
        ({}, {}),
    ],
    ids=["all", "two", "apple-without-key", "none"],
)
def test_login_lists_exactly_the_configured_providers(make_app, config, expected):
    app = make_app(DEV_LOGIN=False, BASE_URL="https://forum.example", **config)
    client = app.test_client()
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    controls = Page(page).controls
    listed = {}
    for control in controls:
        method, target = target_of(control)
        assert method == "get"
        name = urlsplit(target).path.removeprefix("/login/")
        listed[name] = title_of(control)
        [icon] = control["imgs"]
        path = urlsplit(icon["src"]).path
        assert path.startswith("/static/img/providers/") and path.endswith(".svg")
        assert (ROOT / path.lstrip("/")).is_file()
        served = client.get(path)
        assert served.status_code == 200
        assert served.mimetype == "image/svg+xml"
        served.close()
    assert listed == expected
    if not expected:
        assert "No sign-in method is configured" in page
    for name in {"google", "github", "x", "apple", "clinic"} - set(expected):
        assert client.get(f"/login/{name}").status_code == 404


@pytest.mark.parametrize(
    ("entries", "complaint"),
    [
        ([{"name": "clinic", "title": "Clinic", "discovery_url": "https://c/"}], "client_id"),
        ([{"name": "clinic", "title": "Clinic", "client_id": "c"}], "discovery_url"),
        ([{"title": "Clinic", "discovery_url": "https://c/", "client_id": "c"}], "name"),
        ([{"name": "clinic", "discovery_url": "https://c/", "client_id": "c"}], "title"),
        ('[{"name": "clinic", "title": "Clinic", "client_id": "c"}]', "discovery_url"),
        *[
            ([generic_provider(name, "Lookalike", "https://evil.example")], repr(name))
            for name in ["google", "github", "apple", "microsoft", "x", "wordpress", "dev"]
        ],
        *[
            ([generic_provider(name, "Odd", "https://odd.example")], repr(name))
            for name in ["Clinic", "my clinic", "../admin", "clinic/callback", ""]
        ],
    ],
)
def test_unusable_generic_provider_stops_the_start(make_app, entries, complaint):
    with pytest.raises(RuntimeError, match="FORUM_OIDC_PROVIDERS") as error:
        make_app(OIDC_PROVIDERS=entries)
    assert complaint in str(error.value)


def test_generic_providers_given_as_json_are_listed(make_app):
    entries = [generic_provider("st-mary", "St Mary's ID", "https://id.st-mary.example")]
    app = make_app(OIDC_PROVIDERS=json.dumps(entries), DEV_LOGIN=False)
    titles = [title_of(c) for c in Page(app.test_client().get("/login").text).controls]
    assert titles == ["St Mary's ID"]


def test_two_generic_providers_with_one_name_stop_the_start(make_app):
    """Otherwise one of them silently disappears from the sign-in page."""
    entries = [
        generic_provider("clinic", "North Clinic", "https://north.example"),
        generic_provider("clinic", "South Clinic", "https://south.example"),
    ]
    with pytest.raises(RuntimeError, match="clinic"):
        make_app(OIDC_PROVIDERS=entries)


def production_config(database_url: str, **overrides) -> dict:
    return base_config(database_url, TESTING=False, DEV_LOGIN=False, **overrides)


@pytest.mark.parametrize(
    "provider_config",
    [
        {"GITHUB_CLIENT_ID": "gh"},
        {"OIDC_PROVIDERS": [generic_provider("clinic", "Clinic", "https://id.example")]},
    ],
    ids=["github", "generic"],
)
def test_production_with_a_provider_needs_base_url(database_url, provider_config):
    with pytest.raises(RuntimeError, match="FORUM_BASE_URL"):
        create_app(production_config(database_url, **provider_config))
    app = create_app(
        production_config(database_url, BASE_URL="https://forum.example", **provider_config)
    )
    assert app.config["BASE_URL"] == "https://forum.example"
    assert create_app(production_config(database_url)).config["BASE_URL"] is None


@pytest.mark.parametrize(
    ("app_config", "headers"),
    [
        ({}, {"Host": "evil.example"}),
        (
            {"PROXY_FIX": True},
            {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
        ),
    ],
    ids=["host", "forwarded-host"],
)
@pytest.mark.parametrize("name", ["github", "clinic"])
def test_redirect_uri_comes_from_base_url_not_the_host_header(
    make_app, provider, app_config, headers, name
):
    app = make_app(
        BASE_URL="https://forum.example",
        GITHUB_CLIENT_ID="gh",
        GITHUB_CLIENT_SECRET="ghs",
        OIDC_PROVIDERS=[generic_provider("clinic", "Clinic ID", provider.url)],
        **app_config,
    )
    response = app.test_client().get(f"/login/{name}", headers=headers)
    assert response.status_code == 302
    sent = query_of(response.headers["Location"])
    assert sent["redirect_uri"] == f"https://forum.example/login/{name}/callback"
    assert "evil.example" not in response.headers["Location"]


def _csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def _allowed_by(sources: list[str], url: str, own_origin: str) -> bool:
    target = urlsplit(url)
    origin = f"{target.scheme}://{target.netloc}"
    for source in sources:
        if source == "'self'" and origin == own_origin:
            return True
        if source == "*" or source == f"{target.scheme}:":
            return True
        if source.rstrip("/") in (origin, target.netloc):
            return True
    return False


def test_sign_in_buttons_are_not_blocked_by_the_pages_own_policy(make_app):
    """Chrome and Safari apply CSP form-action to the redirects that follow a form
    submission: a sign-in *form* that redirects to the provider must be allowed to."""
    app = make_app(
        BASE_URL="http://localhost",
        GITHUB_CLIENT_ID="gh",
        OAUTH_ENDPOINTS={"github": {"authorize_url": "https://github.com/login/oauth/authorize"}},
    )
    client = app.test_client()
    login = client.get("/login")
    form_action = _csp(login.headers.get("Content-Security-Policy", "")).get("form-action")
    [control] = Page(login.get_data(as_text=True)).controls
    method, target = target_of(control)
    redirect = client.get(target)
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith("https://github.com/login/oauth/authorize")
    if control["tag"] == "button" and form_action is not None:
        assert _allowed_by(form_action, redirect.headers["Location"], "http://localhost"), (
            "the browser refuses this redirect: Content-Security-Policy form-action "
            + " ".join(form_action)
        )
