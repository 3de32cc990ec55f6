"""Cross-site request forgery: with CSRF protection on, as in production.

Every state-changing POST without the form's csrf_token is refused with the friendly
"form expired" page and changes nothing; with the token taken from the form, it works."""

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.threads.models import Post, PostRevision, Thread

EXPIRED = "This form has expired or did not come from this site."


class _Page(HTMLParser):
    """The csrf_token hidden inputs and the visible text of a page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list[str] = []
        self.parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token":
            assert attrs.get("type") == "hidden"
            self.tokens.append(attrs["value"])

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def page_of(response) -> _Page:
    return _Page(response.get_data(as_text=True))


def token_from(client, url: str) -> str:
    """GET a page as a person would and take the csrf_token from its form."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    tokens = page_of(response).tokens
    assert tokens, f"no csrf_token on {url}"
    return tokens[-1]


def sign_in(client, name: str) -> None:
    token = token_from(client, "/login/dev")
    response = client.post("/login/dev", data={"pseudonym": name, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def home_text(client) -> str:
    return page_of(client.get("/")).text


def is_signed_in(client) -> bool:
    """Judged by the page a person sees: the header offers to sign out."""
    return "Sign out" in home_text(client)


def assert_refused(response) -> None:
    assert response.status_code == 400
    text = page_of(response).text
    assert "Bad request" in text
    assert EXPIRED in text
    assert "reload the page" in text


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def query(csrf_app):
    def run(statement):
        with csrf_app.app_context():
            return db.session.execute(statement).all()

    return run


# -- the routes, each with what it should change --------------------------------------


@dataclass
class Case:
    form_url: str  # the page whose form carries the token
    url: str  # where the form posts
    data: dict
    state: Callable[[], object]  # what a person would see change
    signed_in: bool = True


@pytest.fixture
def cases(make_thread, make_board, member, query, csrf_client):
    """Route name -> Case, with the member's own thread to act on."""
    board = make_board(slug="csrf", name="CSRF board")
    thread = make_thread(board=board, author=member, title="Member's own thread", body="Mine.")
    [(post_id,)] = query(sa.select(Post.id).where(Post.thread_id == thread.id))

    def post_state():
        return query(
            sa.select(Post.state, Post.body_source, Post.version).where(Post.id == post_id)
        )

    return {
        "logout": Case("/", "/logout", {}, lambda: is_signed_in(csrf_client)),
        "login-dev": Case(
            "/login/dev",
            "/login/dev",
            {"pseudonym": "newcomer"},
            lambda: (
                query(sa.select(User.id).where(User.display_name_key == "newcomer")),
                is_signed_in(csrf_client),
            ),
            signed_in=False,
        ),
        "new-thread": Case(
            "/b/csrf/new",
            "/b/csrf/new",
            {"title": "Forged thread title", "body": "Forged body.", "visibility": "public"},
            lambda: query(sa.select(Thread.title).where(Thread.board_id == board.id)),
        ),
        "reply": Case(
            f"/t/{thread.id}/reply",
            f"/t/{thread.id}/reply",
            {"body": "Forged reply."},
            lambda: (
                query(sa.select(Post.body_source).where(Post.thread_id == thread.id)),
                query(sa.select(Thread.post_count).where(Thread.id == thread.id)),
            ),
        ),
        "edit": Case(
            f"/p/{post_id}/edit",
            f"/p/{post_id}/edit",
            {"title": "Forged new title", "body": "Forged edit.", "version": 1},
            lambda: (
                post_state(),
                query(sa.select(Thread.title).where(Thread.id == thread.id)),
                query(sa.select(PostRevision.id).where(PostRevision.post_id == post_id)),
            ),
        ),
        "delete": Case(f"/p/{post_id}/delete", f"/p/{post_id}/delete", {}, post_state),
    }


ROUTES = ["logout", "login-dev", "new-thread", "reply", "edit", "delete"]


@pytest.mark.parametrize("route", ROUTES)
def test_post_without_token_is_refused_and_changes_nothing(csrf_client, cases, member, route):
    case = cases[route]
    if case.signed_in:
        sign_in(csrf_client, member.display_name)
    before = case.state()

    response = csrf_client.post(case.url, data=case.data)

    assert_refused(response)
    assert case.state() == before


@pytest.mark.parametrize("route", ROUTES)
def test_post_with_forged_token_is_refused_and_changes_nothing(csrf_client, cases, member, route):
    case = cases[route]
    if case.signed_in:
        sign_in(csrf_client, member.display_name)
    before = case.state()

    response = csrf_client.post(case.url, data={**case.data, "csrf_token": "forged-token"})

    assert_refused(response)
    assert case.state() == before


@pytest.mark.parametrize("route", ["reply", "delete", "logout"])
def test_token_from_another_visitors_session_is_refused(
    csrf_app, csrf_client, cases, member, fred, route
):
    """An attacker's own valid token, planted in a form the victim submits, does not work."""
    case = cases[route]
    attacker = csrf_app.test_client()
    sign_in(attacker, fred.display_name)
    attackers_token = token_from(attacker, "/")
    sign_in(csrf_client, member.display_name)
    before = case.state()

    response = csrf_client.post(case.url, data={**case.data, "csrf_token": attackers_token})

    assert_refused(response)
    assert case.state() == before


@pytest.mark.parametrize("route", ROUTES)
def test_post_with_token_from_the_form_succeeds(csrf_client, cases, member, route):
    case = cases[route]
    if case.signed_in:
        sign_in(csrf_client, member.display_name)
    before = case.state()
    token = token_from(csrf_client, case.form_url)

    response = csrf_client.post(case.url, data={**case.data, "csrf_token": token})

    assert response.status_code == 302, response.get_data(as_text=True)
    assert case.state() != before


def test_sign_in_with_token_signs_the_member_in(csrf_client, member):
    assert not is_signed_in(csrf_client)
    sign_in(csrf_client, member.display_name)
    assert is_signed_in(csrf_client)
    assert member.display_name in home_text(csrf_client)


def test_thread_started_with_token_is_shown(csrf_client, make_board, member):
    make_board(slug="tokens", name="Token board")
    sign_in(csrf_client, member.display_name)
    token = token_from(csrf_client, "/b/tokens/new")

    response = csrf_client.post(
        "/b/tokens/new",
        data={
            "title": "Started with a token",
            "body": "It **worked**.",
            "csrf_token": token,
            "visibility": "public",
        },
    )

    assert response.status_code == 302
    page = csrf_client.get(response.location, follow_redirects=True)
    assert page.status_code == 200
    assert "Started with a token" in page_of(page).text
    assert "<strong>worked</strong>" in page.get_data(as_text=True)


def test_delete_with_token_leaves_a_placeholder(csrf_client, make_thread, member, query):
    thread = make_thread(author=member, title="To be deleted soon", body="Regrettable.")
    [(post_id,)] = query(sa.select(Post.id).where(Post.thread_id == thread.id))
    sign_in(csrf_client, member.display_name)
    token = token_from(csrf_client, f"/p/{post_id}/delete")

    response = csrf_client.post(f"/p/{post_id}/delete", data={"csrf_token": token})

    assert response.status_code == 302
    text = page_of(csrf_client.get(response.location, follow_redirects=True)).text
    assert "Post deleted by its author" in text
    assert "Regrettable." not in text


def test_refused_form_keeps_the_member_signed_in(csrf_client, make_thread, member):
    """A forged request fails without side effects on the victim's session either."""
    thread = make_thread(author=member)
    sign_in(csrf_client, member.display_name)
    assert_refused(csrf_client.post(f"/t/{thread.id}/reply", data={"body": "Forged."}))
    assert is_signed_in(csrf_client)
    assert member.display_name in home_text(csrf_client)
