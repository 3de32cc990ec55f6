"""Every route in the route map, present and future: CSRF on every POST, no GET on routes
that only change state, moderation closed to members, and no 500 for malformed input.

The rules come from app.url_map, so a new route is checked without anyone adding it here."""

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import RequestRedirect

from tests.conftest import login
from tests.security.conftest import (
    HUGE_INT,
    all_rules,
    build_path,
    methods_of,
    sign_in_with_token,
)

# POST routes that take no CSRF token, each reviewed. A new exemption fails
# test_only_reviewed_routes_skip_csrf until it is added here with its reason.
CSRF_EXEMPT = {
    # The signed token in the address is the authentication, and a mail client's RFC 8058
    # one-click unsubscribe is a POST with no form of ours.
    "mail.unsubscribe",
    # A provider's answer (Apple posts it cross-site) cannot carry our token: the OAuth
    # state and nonce kept in the session protect the sign-in instead.
    "auth.callback",
}

EXPIRED = "This form has expired or did not come from this site."


def _post_rules(app):
    return [rule for rule in all_rules(app) if "POST" in methods_of(rule)]


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_every_post_route_refuses_a_missing_or_forged_token(csrf_app, world):
    client = csrf_app.test_client()
    sign_in_with_token(client, world.moderator)
    accepted = []
    for rule in _post_rules(csrf_app):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        path = build_path(rule, world)
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data)
            page = response.get_data(as_text=True)
            if response.status_code != 400 or EXPIRED not in page:
                accepted.append((rule.endpoint, path, data, response.status_code))
    assert accepted == []


def test_only_reviewed_routes_skip_csrf(csrf_app, world):
    """A route answering a token-less POST with anything but the CSRF refusal is exempt."""
    client = csrf_app.test_client()
    exempt = set()
    for rule in _post_rules(csrf_app):
        response = client.post(build_path(rule, world), data={})
        if EXPIRED not in response.get_data(as_text=True):
            exempt.add(rule.endpoint)
    assert exempt == CSRF_EXEMPT


def test_routes_that_only_change_state_refuse_get(app, client, world):
    """A GET to a POST-only route is 405, unless the address is also a page of another
    route's (GET /settings/email is the settings page; /t/1/watch reads as a thread slug)."""
    post_only = [rule for rule in all_rules(app) if methods_of(rule) == {"POST"}]
    assert len(post_only) >= 10, "the walk found too few POST-only routes"
    adapter = app.url_map.bind("localhost")
    login(client, world.member)
    wrong = []
    for rule in post_only:
        path = build_path(rule, world)
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except MethodNotAllowed:
            status = client.get(path).status_code
            if status != 405:
                wrong.append((rule.endpoint, path, status))
        except RequestRedirect:
            continue  # a redirect to a page, not this route
        else:
            if endpoint == rule.endpoint:
                wrong.append((rule.endpoint, path, "reachable by GET"))
    assert wrong == []


def _moderation_requests(app, world):
    for rule in all_rules(app):
        if rule.rule == "/moderation" or rule.rule.startswith("/moderation/"):
            for method in sorted(methods_of(rule)):
                yield method, build_path(rule, world)


def test_moderation_routes_are_403_for_members(app, client, world):
    requests = list(_moderation_requests(app, world))
    assert len(requests) >= 5
    login(client, world.member)
    answers = {(m, p): client.open(p, method=m, data={}).status_code for m, p in requests}
    assert answers == dict.fromkeys(answers, 403)


def test_moderation_routes_send_visitors_to_sign_in(app, client, world):
    wrong = []
    for method, path in _moderation_requests(app, world):
        response = client.open(path, method=method, data={})
        if response.status_code != 302 or not response.location.startswith("/login?next="):
            wrong.append((method, path, response.status_code, response.location))
    assert wrong == []


# -- malformed input: a 4xx (or the page, ignoring the junk), never a 500 ----------------

MALFORMED_PATHS = [
    {"int": HUGE_INT},
    {"int": "-1"},  # the int converter refuses the sign: 404
    {"int": "abc"},
    {"default": "%ff%fe"},
    {"default": "nul%00byte"},
    {"default": "x" * 2000},
    {"path": "..%2f..%2fpyproject.toml"},
]

MALFORMED_QUERIES = [
    "page=-1",
    "page=0",
    f"page={10**12}",
    "page=abc",
    f"page={HUGE_INT}",
    "%ff%fe=%ff%fe",
    "q=%ff%fe&page=%ff",
    "q=" + "a" * 8192,
    "q=" + "%E2%80%AE" * 50 + "%00",
    "since=%ff&episode=abc&sort=%00",
]


@pytest.fixture(params=["visitor", "member", "moderator"])
def walker(request, make_app, world):
    """A client with exceptions turned into 500 pages, so the walk reports them all."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    if request.param != "visitor":
        login(client, getattr(world, request.param))
    return app, client


def test_no_route_fails_on_malformed_ids(walker, world):
    app, client = walker
    failures = []
    for rule in all_rules(app):
        for overrides in MALFORMED_PATHS:
            if not set(overrides) & {c for c, *_ in _converters(rule)}:
                continue
            path = build_path(rule, world, overrides)
            for method in sorted(methods_of(rule)):
                status = status_of(client, path, method)
                if status >= 500:
                    failures.append(f"{method} {path[:120]} ({rule.endpoint}) -> {status}")
    assert failures == []


def test_no_page_fails_on_malformed_query_strings(walker, world):
    app, client = walker
    failures = []
    for rule in all_rules(app):
        if "GET" not in methods_of(rule):
            continue
        path = build_path(rule, world)
        for query in MALFORMED_QUERIES:
            status = status_of(client, f"{path}?{query}")
            if status >= 500:
                failures.append(f"GET {path}?{query[:60]} ({rule.endpoint}) -> {status}")
    assert failures == []


def status_of(client, path: str, method: str = "GET") -> int:
    with client.open(path, method=method, data={}) as response:  # closes static files
        return response.status_code


def _converters(rule):
    from tests.security.conftest import _ARGUMENT

    return [(m["converter"] or "default", m["name"]) for m in _ARGUMENT.finditer(rule.rule)]
