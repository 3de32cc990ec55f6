"""Security headers on every kind of response, and no resource from another origin."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import abort

from tests.conftest import login
from tests.security.conftest import Resources

ROOT = Path(__file__).resolve().parents[2]

POLICY_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]


@pytest.fixture
def pages(world):
    """One address of each kind: pages, feeds, files, error pages."""
    return [
        "/",
        f"/b/{world.board}",
        f"/t/{world.thread_id}/{world.slug}",
        f"/p/{world.post_id}/history",
        f"/u/{world.author}",
        "/login",
        "/search?q=treatment",
        "/outcomes",
        "/guidelines",
        "/feeds/latest.atom",
        "/robots.txt",
        "/static/css/forum.css",
        "/no-such-page",  # 404
        "/logout",  # GET: 405
    ]


def _get(client, path, **kwargs):
    with client.get(path, **kwargs) as response:
        response.get_data()
        return response


def assert_hardened(response):
    policy = response.headers["Content-Security-Policy"]
    for directive in POLICY_DIRECTIVES:
        assert directive in policy.split("; ")
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("role", ["visitor", "member"])
def test_every_kind_of_response_carries_the_headers(client, pages, world, role):
    if role == "member":
        login(client, world.member)
    for path in pages:
        response = _get(client, path)
        assert response.status_code < 500, path
        assert_hardened(response)


def test_server_error_and_forbidden_pages_carry_the_headers(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    client = app.test_client()
    for path, status in (("/boom", 500), ("/forbidden", 403)):
        response = _get(client, path)
        assert response.status_code == status
        assert_hardened(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in _get(client, "/").headers
    secure = _get(client, "/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    static = _get(client, "/static/css/forum.css", base_url="https://localhost")
    assert "Strict-Transport-Security" in static.headers


def test_members_pages_are_not_stored(client, world):
    """A shared computer's cache must not keep a member's pages; visitors' pages and files
    may be cached as usual."""
    assert "no-store" not in _get(client, "/").headers.get("Cache-Control", "")
    login(client, world.member)
    for path in ("/", f"/t/{world.thread_id}/{world.slug}", "/settings", "/no-such-page"):
        assert _get(client, path).headers["Cache-Control"] == "no-store", path
    static = _get(client, "/static/css/forum.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    feed = _get(client, "/feeds/latest.atom")
    assert "no-store" not in feed.headers.get("Cache-Control", "")


# -- nothing from another origin ------------------------------------------------------

# <a> is a navigation the reader chooses (a link in a post, a citation, a helpline), not
# something the page loads; every other src/href/action must stay on this site.
NAVIGATION_TAGS = {"a"}


def _foreign(value: str) -> bool:
    """Another origin, or a scheme that loads from anywhere (data:, javascript:)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("", "http", "https"):
        return True
    return bool(parts.netloc) and parts.hostname != "localhost"


@pytest.fixture
def linking_world(world, make_thread, make_board, app):
    """A thread whose post links out and tries to embed an image from elsewhere."""
    make_thread(
        board=make_board(slug="outbound"),
        title="Links to elsewhere",
        body="[a study](https://journal.example/study) ![x](https://tracker.example/p.gif) "
        "https://bare.example/link",
    )
    return world


def test_pages_load_nothing_from_other_origins(client, linking_world, pages, moderator):
    world = linking_world
    login(client, moderator)
    extra = ["/b/outbound", "/moderation", "/notifications", "/settings", "/settings/email"]
    checked = 0
    for path in [*pages, *extra]:
        response = _get(client, path, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        for tag, attribute, value in Resources(html).found:
            if tag in NAVIGATION_TAGS:
                continue
            assert not _foreign(value), (path, tag, attribute, value)
            checked += 1
        # The policy allows no inline script or style: pages must not need any.
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert " onclick=" not in html and " onload=" not in html, path
        for tag, attribute, value in Resources(html).found:
            if tag == "script":
                assert attribute == "src" and value.startswith("/static/"), path
    assert checked > 20
    assert world.board  # the walk used the shared world


def test_templates_have_no_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for opening in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in opening, f"inline script in {template.name}"
        assert "<style" not in text, template.name


def test_static_files_name_no_other_origin():
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in (".css", ".js"):
            text = path.read_text()
            assert "http://" not in text and "https://" not in text, path.name
            assert "@import" not in text, path.name
