"""A visitor reading the forum gets no cookie: nothing is kept about them until they sign in
or submit a form, and their pages stay shareable by any cache."""

import pytest

from forum.threads.models import slugify
from tests.security.conftest import sign_in_with_token


@pytest.fixture
def app(make_app):
    """CSRF on, as in production: a form's token is what would start a session."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def pages(make_board, make_user, make_thread, make_post):
    author = make_user("author-ann")
    board = make_board(slug="nerve-blocks")
    public = make_thread(board=board, author=author, title="Genicular nerve block results")
    make_post(public, author=author, body="A reply to read.")
    closed = make_thread(
        board=board, author=author, title="Only for members to read", visibility="members"
    )
    return [
        "/",
        f"/b/{board.slug}",
        f"/t/{public.id}/{slugify(public.title)}",
        f"/t/{closed.id}/{slugify(closed.title)}",
        f"/u/{author.display_name}",
        "/search",
        "/search?q=nerve",
        "/feeds/latest.atom",
        f"/b/{board.slug}.atom",
        f"/t/{public.id}.atom",
        "/sitemap.xml",
        "/robots.txt",
        "/help",
    ]


def test_a_visitor_reading_gets_no_cookie(app, pages):
    given = {}
    for path in pages:
        response = app.test_client().get(path)
        assert response.status_code == 200, path
        if response.headers.getlist("Set-Cookie"):
            given[path] = response.headers.getlist("Set-Cookie")
    assert given == {}


def test_a_visitor_page_carries_no_csrf_token(client, pages):
    for path in pages[:5]:
        assert "csrf_token" not in client.get(path).get_data(as_text=True), path


def test_a_member_still_gets_the_reply_form(client, pages, member):
    sign_in_with_token(client, member)
    page = client.get(pages[2]).get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'name="body"' in page


def test_a_visitor_is_still_asked_to_sign_in_to_reply(client, pages):
    assert "to reply." in client.get(pages[2]).get_data(as_text=True)
