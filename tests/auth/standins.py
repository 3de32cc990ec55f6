"""Local stand-ins for sign-in providers whose real endpoints are out of reach in tests.

`OAuthStandIns` is one small Flask app playing GitHub, Facebook, X and WordPress.com: per
provider an authorize endpoint (a fresh code, the same state, the PKCE challenge kept), a
token endpoint (client authentication the way that provider takes it, PKCE S256 checked) and
the profile API (Bearer token required, realistic JSON). Everything it saw is logged, and
tests can make it answer the way a provider does when something goes wrong.

`MicrosoftLike` wraps the OpenID mock provider so it looks like Microsoft's multi-tenant
endpoint: its discovery document names the issuer "…/{tenantid}/v2.0", and its ID tokens are
re-signed (with a key it publishes) to carry a `tid` and the issuer of that tenant."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def add_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


REAL_NAME = "Real Name"
REAL_EMAIL = "real.name@example.com"
FACEBOOK_ID = "10158734215603389"


@dataclass(frozen=True)
class Spec:
    name: str
    client_id: str
    client_secret: str
    # How this provider's token endpoint accepts the client's credentials.
    auth_methods: frozenset[str]
    profile_path: str  # with the query the forum's default URL has
    issuer: str
    subject: str


BASIC = "client_secret_basic"
POST = "client_secret_post"

SPECS = {
    spec.name: spec
    for spec in [
        # GitHub takes the credentials either way.
        Spec(
            "github",
            "gh-client",
            "gh-secret",
            frozenset({BASIC, POST}),
            "/github/user",
            "https://github.com",
            "583231",
        ),
        Spec(
            "facebook",
            "fb-client",
            "fb-secret",
            frozenset({BASIC, POST}),
            "/facebook/me?fields=id",
            "https://www.facebook.com",
            FACEBOOK_ID,
        ),
        # X: a confidential client must use HTTP Basic.
        Spec(
            "x",
            "x-client",
            "x-secret",
            frozenset({BASIC}),
            "/x/2/users/me",
            "https://x.com",
            "2244994945",
        ),
        # WordPress.com reads client_id and client_secret from the form body.
        Spec(
            "wordpress",
            "wp-client",
            "wp-secret",
            frozenset({POST}),
            "/wordpress/rest/v1.1/me",
            "https://wordpress.com",
            "12345",
        ),
    ]
}


def default_profiles() -> dict[str, dict]:
    """What each provider's profile API knows of the person (more than the forum needs)."""
    return {
        "github": {
            "login": "octo-patient",
            "id": 583231,
            "node_id": "MDQ6VXNlcjU4MzIzMQ==",
            "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
            "html_url": "https://github.com/octo-patient",
            "type": "User",
            "name": REAL_NAME,
            "company": "Octo Clinic",
            "location": "Springfield",
            "email": None,
            "public_repos": 8,
            "created_at": "2011-01-25T18:44:36Z",
        },
        # The Graph API answers only the fields asked for (id and name when none are).
        "facebook": {"id": FACEBOOK_ID, "name": REAL_NAME, "email": REAL_EMAIL},
        "x": {"data": {"id": "2244994945", "name": REAL_NAME, "username": "octo_patient"}},
        "wordpress": {
            "ID": 12345,
            "display_name": REAL_NAME,
            "username": "octopatient",
            "email": REAL_EMAIL,
            "email_verified": True,
            "primary_blog": 987654,
            "language": "en",
            "avatar_URL": "https://0.gravatar.com/avatar/0?s=96&d=identicon",
            "profile_URL": "https://gravatar.com/octopatient",
        },
    }


@dataclass
class Grant:
    provider: str
    redirect_uri: str
    challenge: str | None
    method: str | None


@dataclass
class OAuthStandIns:
    """The WSGI app and what it saw; attributes tests may change are marked below."""

    url: str = ""
    authorize_requests: dict[str, list[dict]] = field(default_factory=dict)
    token_requests: dict[str, list[dict]] = field(default_factory=dict)
    profile_requests: dict[str, list[dict]] = field(default_factory=dict)
    # Tests change these: the profile JSON, or a canned (status, body) for an endpoint.
    profiles: dict[str, dict] = field(default_factory=default_profiles)
    token_failure: dict[str, tuple[int, object]] = field(default_factory=dict)
    profile_failure: dict[str, tuple[int, object]] = field(default_factory=dict)
    deny: set[str] = field(default_factory=set)  # the person presses "Cancel"
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> provider

    def __post_init__(self):
        for name in SPECS:
            self.authorize_requests[name] = []
            self.token_requests[name] = []
            self.profile_requests[name] = []
        self.app = self._build()

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)

    def forum_config(self) -> dict:
        """Client credentials and endpoint overrides for the forum (create_app keys)."""
        config: dict = {"OAUTH_ENDPOINTS": {}}
        for spec in SPECS.values():
            prefix = spec.name.upper()
            config[f"{prefix}_CLIENT_ID"] = spec.client_id
            config[f"{prefix}_CLIENT_SECRET"] = spec.client_secret
            config["OAUTH_ENDPOINTS"][spec.name] = {
                "authorize_url": f"{self.url}/{spec.name}/authorize",
                "access_token_url": f"{self.url}/{spec.name}/token",
                "profile_url": self.url + spec.profile_path,
            }
        return config

    # -- the endpoints ------------------------------------------------------------------

    def _build(self) -> Flask:
        app = Flask("oauth_standins")

        @app.get("/<name>/authorize")
        def authorize(name):
            return self._authorize(SPECS[name])

        @app.post("/<name>/token")
        def token(name):
            return self._token(SPECS[name])

        @app.get("/github/user")
        def github_user():
            return self._profile(SPECS["github"], lambda profile: profile)

        @app.get("/facebook/me")
        def facebook_me():
            fields = (request.args.get("fields") or "id,name").split(",")
            return self._profile(
                SPECS["facebook"], lambda profile: {k: profile[k] for k in fields if k in profile}
            )

        @app.get("/x/2/users/me")
        def x_me():
            return self._profile(SPECS["x"], lambda profile: profile)

        @app.get("/wordpress/rest/v1.1/me")
        def wordpress_me():
            return self._profile(SPECS["wordpress"], lambda profile: profile)

        return app

    def _authorize(self, spec: Spec):
        args = request.args.to_dict()
        self.authorize_requests[spec.name].append(args)
        redirect_uri = args.get("redirect_uri")
        if args.get("client_id") != spec.client_id or not redirect_uri:
            return "Unknown application.", 400
        if args.get("response_type") != "code":
            return redirect(
                add_query(
                    redirect_uri, error="unsupported_response_type", state=args.get("state", "")
                )
            )
        if spec.name in self.deny:
            return redirect(
                add_query(
                    redirect_uri,
                    error="access_denied",
                    error_description="The user has denied your application access.",
                    state=args.get("state", ""),
                )
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = Grant(
            spec.name, redirect_uri, args.get("code_challenge"), args.get("code_challenge_method")
        )
        return redirect(add_query(redirect_uri, code=code, state=args.get("state", "")))

    def _token(self, spec: Spec):
        form = request.form.to_dict()
        method, client_id, client_secret = _client_credentials(form)
        record = {
            "form": form,
            "auth_method": method,
            "accept": request.headers.get("Accept", ""),
            "pkce_verified": False,
        }
        self.token_requests[spec.name].append(record)
        if spec.name in self.token_failure:
            status, body = self.token_failure[spec.name]
            return _answer(status, body)
        if method == "several":
            return _oauth_error(400, "invalid_request", "Use one client authentication method.")
        if (
            method not in spec.auth_methods
            or client_id != spec.client_id
            or client_secret != spec.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Client authentication failed.")
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.provider != spec.name
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return _oauth_error(400, "invalid_grant", "The code is wrong or was used.")
        verifier = form.get("code_verifier", "")
        if grant.method != "S256" or not grant.challenge or s256(verifier) != grant.challenge:
            return _oauth_error(400, "invalid_grant", "PKCE verification failed.")
        record["pkce_verified"] = True
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = spec.name
        record["access_token"] = access_token
        answer = {"access_token": access_token, "token_type": "bearer"}
        if spec.name == "github":
            answer["scope"] = ""
            if "application/json" not in record["accept"]:
                # GitHub's default answer is form-encoded, JSON only when asked for.
                return Response(urlencode(answer), content_type="application/x-www-form-urlencoded")
        elif spec.name == "x":
            answer.update(expires_in=7200, scope="users.read tweet.read")
        elif spec.name == "facebook":
            answer["expires_in"] = 5183944
        elif spec.name == "wordpress":
            answer.update(blog_id="0", blog_url=None, scope="auth")
        return jsonify(answer)

    def _profile(self, spec: Spec, shape):
        authorization = request.headers.get("Authorization", "")
        self.profile_requests[spec.name].append(
            {"authorization": authorization, "args": request.args.to_dict()}
        )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or self.tokens.get(token) != spec.name:
            return _answer(401, {"message": "Bad credentials"})
        if spec.name in self.profile_failure:
            status, body = self.profile_failure[spec.name]
            return _answer(status, body)
        return jsonify(shape(self.profiles[spec.name]))


def _client_credentials(form: dict) -> tuple[str | None, str | None, str | None]:
    """Which method the client authenticated with, and the id and secret it sent."""
    header = request.headers.get("Authorization", "")
    basic = None
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode()
        user, _, password = decoded.partition(":")
        basic = (unquote(user), unquote(password))
    posted = "client_secret" in form
    if basic and posted:
        return "several", None, None
    if basic:
        return BASIC, *basic
    if posted:
        return POST, form.get("client_id"), form.get("client_secret")
    return None, form.get("client_id"), None


def _answer(status: int, body) -> Response:
    if isinstance(body, str):
        return Response(body, status=status, content_type="text/html; charset=utf-8")
    return Response(json.dumps(body), status=status, content_type="application/json")


def _oauth_error(status: int, error: str, description: str) -> Response:
    return _answer(status, {"error": error, "error_description": description})


# -- Microsoft ----------------------------------------------------------------------------

MICROSOFT_ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"
NO_TID = object()


def microsoft_issuer(tenant: str) -> str:
    return MICROSOFT_ISSUER_TEMPLATE.replace("{tenantid}", tenant)


def _b64json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


class MicrosoftLike:
    """The OpenID mock behind Microsoft's multi-tenant issuer template.

    Set `tenant` to the tenant the next ID token says it is from (`tid`), and `issuer` to
    the issuer it claims (by default, that tenant's own); `tenant = NO_TID` leaves `tid` out."""

    KEY_ID = "microsoft-test-key"

    def __init__(self, inner):
        self.inner = inner
        self.key = RSAKey.generate_key(2048, {"kid": self.KEY_ID})
        self.tenant: object = "9188040d-6c67-4c5b-b112-36a304b66dad"
        self.issuer: str | None = None
        self.issued: list[dict] = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/microsoft-keys":
            body = json.dumps(KeySet([self.key]).as_dict(private=False)).encode()
            return _send(start_response, "200 OK", "application/json", body)
        if path == "/.well-known/openid-configuration":
            status, headers, body = _call(self.inner, environ)
            document = json.loads(body)
            document["issuer"] = MICROSOFT_ISSUER_TEMPLATE
            document["jwks_uri"] = f"http://{environ['HTTP_HOST']}/microsoft-keys"
            return _send(start_response, status, "application/json", json.dumps(document).encode())
        if path == "/oauth2/token":
            status, headers, body = _call(self.inner, environ)
            if status.startswith("200"):
                answer = json.loads(body)
                if "id_token" in answer:
                    answer["id_token"] = self._reissue(answer["id_token"])
                body = json.dumps(answer).encode()
            content_type = dict(headers).get("Content-Type", "application/json")
            return _send(start_response, status, content_type, body)
        return self.inner(environ, start_response)

    def _reissue(self, id_token: str) -> str:
        claims = _b64json(id_token.split(".")[1])
        claims.pop("tid", None)
        if self.tenant is not NO_TID:
            claims["tid"] = self.tenant
        claims["iss"] = self.issuer or microsoft_issuer(
            self.tenant if isinstance(self.tenant, str) else "common"
        )
        self.issued.append(claims)
        return jwt.encode({"alg": "RS256", "kid": self.KEY_ID}, claims, self.key)


def _call(app, environ) -> tuple[str, list, bytes]:
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return captured["status"], captured["headers"], body


def _send(start_response, status: str, content_type: str, body: bytes):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
