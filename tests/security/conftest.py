"""A small forum to aim every route at, and addresses built from the route map itself."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, slugify

HUGE_INT = "99999999999999999999"  # past any 64-bit column

# <converter(arguments):name> or <name> in a rule
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


@dataclass
class World:
    board: str
    thread_id: int
    slug: str
    post_id: int
    author: str
    member: object
    moderator: object


@pytest.fixture
def world(app, make_board, make_user, make_thread, make_post, member, moderator):
    author = make_user("author-ann")
    board = make_board(slug="security")
    thread = make_thread(board=board, author=author, title="Security walk thread")
    make_post(thread, author=member, body="A reply from the member.")
    with app.app_context():
        post_id = db.session.scalar(
            sa.select(Post.id).where(Post.thread_id == thread.id, Post.position == 1)
        )
    return World(
        board=board.slug,
        thread_id=thread.id,
        slug=slugify(thread.title),
        post_id=post_id,
        author=author.display_name,
        member=member,
        moderator=moderator,
    )


def real_value(world: World, endpoint: str, converter: str, name: str) -> str:
    """A value that names something that exists, where the forum has one."""
    if converter == "int":
        ids = {"post_id": world.post_id, "thread_id": world.thread_id}
        return str(ids.get(name, 1))
    if converter == "path":
        return "css/forum.css"
    if name == "slug":
        return world.slug if endpoint == "threads.detail" else world.board
    if name == "name":
        return world.author
    return "anything"


def build_path(rule, world: World, overrides: dict[str, str] | None = None) -> str:
    """The rule's address with each argument filled in from its converter.

    overrides maps a converter name ("int", "default", "path") to the value to put in
    every argument of that kind instead of a real one."""
    overrides = overrides or {}

    def fill(match: re.Match) -> str:
        converter = match["converter"] or "default"
        if converter in overrides:
            return overrides[converter]
        return real_value(world, rule.endpoint, converter, match["name"])

    return _ARGUMENT.sub(fill, rule.rule)


def methods_of(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def all_rules(app) -> list:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


class Resources(HTMLParser):
    """Every src and href on a page, with the tag that carries it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.tokens: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "action", "formaction", "srcset", "poster", "data"):
                self.found.append((tag, name, value or ""))
            if tag == "input" and ("name", "csrf_token") in attrs and name == "value":
                self.tokens.append(value or "")


def csrf_token_from(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    tokens = Resources(response.get_data(as_text=True)).tokens
    assert tokens, f"no csrf_token on {url}"
    return tokens[-1]


def sign_in_with_token(client, user) -> None:
    """Sign in with CSRF protection on, as a browser would."""
    token = csrf_token_from(client, "/login/dev")
    response = client.post("/login/dev", data={"pseudonym": user.display_name, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
