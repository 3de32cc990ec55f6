"""A real OpenID provider and a live forum, both on 127.0.0.1, driven by a real HTTP client.

The provider is the PyPI package oidc-provider-mock. It does not check PKCE by itself, so a
small WSGI wrapper remembers each code's challenge and refuses a token request whose
code_verifier does not match: our PKCE is really exercised. The same wrapper can tamper with
requests to prove the refusals (wrong nonce, wrong verifier, another issuer)."""

import base64
import hashlib
import html
import io
import re
import threading
import warnings
from contextlib import contextmanager
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

with warnings.catch_warnings():
    # oidc-provider-mock imports Authlib modules that Authlib itself deprecates.
    warnings.simplefilter("ignore")
    import oidc_provider_mock


@contextmanager
def serve(wsgi_app):
    """Serve a WSGI app on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class PkceCheckingProvider:
    """WSGI wrapper around the mock provider: PKCE check, request log, tampering switches."""

    def __init__(self, app):
        self.app = app
        self.challenges: dict[str, tuple[str, str]] = {}  # code -> (challenge, method)
        self.pending: dict[str, tuple[str, str]] = {}  # state -> (challenge, method)
        self.token_requests: list[dict] = []
        self.authorize_requests: list[dict] = []
        self.tamper: dict[str, object] = {}

    def reset(self):
        self.tamper.clear()
        self.token_requests.clear()
        self.authorize_requests.clear()

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path == "/oauth2/authorize":
            return self._authorize(environ, start_response, request)
        if path == "/oauth2/token" and request.method == "POST":
            body = request.get_data()
            # The provider reads the body again: hand it a fresh copy.
            environ["wsgi.input"] = io.BytesIO(body)
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.token_requests.append(form)
            refusal = self._check_pkce(form)
            if refusal:
                return refusal(environ, start_response)
            if self.tamper.get("issuer_host"):
                environ["HTTP_HOST"] = self.tamper["issuer_host"]
        return self.app(environ, start_response)

    def _authorize(self, environ, start_response, request):
        args = request.args.to_dict()
        if request.method == "GET":
            self.authorize_requests.append(args)
        if request.method == "POST" and self.tamper.get("nonce"):
            args["nonce"] = self.tamper["nonce"]
            environ["QUERY_STRING"] = urlencode(args)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        # Run the response to the end: the provider (behind werkzeug's debugger) only calls
        # start_response while its body is read, and the redirect's code is needed now.
        body = list(self.app(environ, capture))
        location = dict(captured.get("headers", [])).get("Location", "")
        code = parse_qs(urlsplit(location).query).get("code", [None])[0]
        if code and "code_challenge" in args:
            self.challenges[code] = (args["code_challenge"], args.get("code_challenge_method"))
        return body

    def _check_pkce(self, form):
        code = form.get("code")
        if form.get("grant_type") != "authorization_code" or code not in self.challenges:
            return None
        challenge, method = self.challenges.pop(code)
        verifier = form.get("code_verifier", "")
        if self.tamper.get("verifier"):
            verifier = str(self.tamper["verifier"])
        if method != "S256" or s256(verifier) != challenge:
            return Response(
                '{"error": "invalid_grant", "error_description": "PKCE verification failed"}',
                status=400,
                content_type="application/json",
            )
        return None


@pytest.fixture(scope="session")
def oidc_provider():
    """The OpenID provider, shared by the whole run; tampering is reset for each test."""
    wrapper = PkceCheckingProvider(oidc_provider_mock.app(require_nonce=True))
    with serve(wrapper) as url:
        wrapper.url = url
        yield wrapper


@pytest.fixture
def provider(oidc_provider):
    oidc_provider.reset()
    yield oidc_provider
    oidc_provider.reset()


def generic_provider(name: str, title: str, issuer: str) -> dict:
    return {
        "name": name,
        "title": title,
        "discovery_url": f"{issuer}/.well-known/openid-configuration",
        "client_id": f"firsthand-{name}",
        "client_secret": "not-checked-by-the-mock",
    }


@pytest.fixture
def live_forum(make_app, provider):
    """The forum on 127.0.0.1 with two OpenID providers (both the local mock)."""

    @contextmanager
    def start(**overrides):
        holder = {}

        def wsgi(environ, start_response):
            return holder["app"](environ, start_response)

        with serve(wsgi) as base_url:
            config = {
                "BASE_URL": base_url,
                "OIDC_PROVIDERS": [
                    generic_provider("clinic", "Clinic ID", provider.url),
                    generic_provider("patients", "Patient Group", provider.url),
                ],
                **overrides,
            }
            holder["app"] = make_app(**config)
            holder["app"].base_url = base_url
            yield holder["app"]

    return start


class Visitor:
    """A person with a browser: a cookie jar that follows redirects step by step."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else self.base_url + path
        return self.http.get(url, allow_redirects=False, timeout=10, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else self.base_url + path
        return self.http.post(url, data=data, allow_redirects=False, timeout=10, **kwargs)

    def authorize(self, provider_name: str, sub: str, **query) -> requests.Response:
        """Start sign-in, sign in at the provider's own form as `sub`; returns the
        provider's redirect back to the forum (not yet followed)."""
        start = self.get(f"/login/{provider_name}", params=query)
        assert start.status_code == 302, start.text[:300]
        authorize_url = start.headers["Location"]
        assert self.get(authorize_url).status_code == 200  # the provider's login page
        answer = self.post(authorize_url, data={"sub": sub})
        assert answer.status_code == 302, answer.text[:300]
        return answer

    def sign_in(self, provider_name: str, sub: str, **query) -> requests.Response:
        """The whole round trip; returns the forum's answer to the callback."""
        back = self.authorize(provider_name, sub, **query)
        return self.get(back.headers["Location"])

    def onboard(self, pseudonym: str, accept: bool = True) -> requests.Response:
        data = {"pseudonym": pseudonym}
        if accept:
            data["accept_guidelines"] = "y"
            data["accept_health_data"] = "y"
        return self.post("/onboarding", data=data)

    def signed_in_as(self) -> str | None:
        match = re.search(r'<a class="account-name" href="[^"]*">([^<]*)</a>', self.get("/").text)
        return html.unescape(match.group(1)) if match else None


@pytest.fixture
def visitor_at():
    return Visitor
