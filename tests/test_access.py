"""Who may do what, route by route: a visitor, a member who is not the author, the author."""

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, slugify
from tests.conftest import login

LOGIN = "sign-in"  # a visitor is sent to /login?next=...

# method, path, then the expected status for: visitor, another member (Fred), the author
RULES = [
    ("GET", "/", 200, 200, 200),
    ("GET", "/b/{board}", 200, 200, 200),
    ("GET", "/t/{thread}/{slug}", 200, 200, 200),
    ("GET", "/p/{post}", 302, 302, 302),
    ("GET", "/p/{post}/history", 200, 200, 200),
    ("GET", "/u/{author}", 200, 200, 200),
    ("GET", "/login", 200, 200, 200),
    ("GET", "/b/{board}/new", LOGIN, 200, 200),
    ("POST", "/b/{board}/new", LOGIN, 302, 302),
    ("GET", "/t/{thread}/reply", LOGIN, 200, 200),
    ("POST", "/t/{thread}/reply", LOGIN, 302, 302),
    ("GET", "/p/{post}/edit", LOGIN, 403, 200),
    ("POST", "/p/{post}/edit", LOGIN, 403, 302),
    ("GET", "/p/{post}/delete", LOGIN, 403, 200),
    ("POST", "/p/{post}/delete", LOGIN, 403, 302),
]

FORMS = {
    "/new": {"title": "A new thread", "body": "text", "visibility": "public"},
    "/reply": {"body": "a reply"},
    "/edit": {"title": "Access rules thread", "body": "changed", "version": "1"},
}


@pytest.fixture
def world(app, make_board, make_user, make_thread):
    author = make_user("author-ann")
    board = make_board(slug="access")
    thread = make_thread(board=board, author=author, title="Access rules thread")
    with app.app_context():
        post_id = db.session.scalar(sa.select(Post.id).where(Post.thread_id == thread.id))
    return {
        "author": author,
        "path_values": {
            "board": board.slug,
            "thread": thread.id,
            "slug": slugify(thread.title),
            "post": post_id,
            "author": author.display_name,
        },
    }


@pytest.mark.parametrize(
    ("method", "template", "as_visitor", "as_other_member", "as_author"),
    RULES,
    ids=[f"{m} {t}" for m, t, *_ in RULES],
)
@pytest.mark.parametrize("role", ["visitor", "other_member", "author"])
def test_access_rules(
    client, world, fred, role, method, template, as_visitor, as_other_member, as_author
):
    expected = {"visitor": as_visitor, "other_member": as_other_member, "author": as_author}[role]
    if role == "other_member":
        login(client, fred)
    elif role == "author":
        login(client, world["author"])
    path = template.format(**world["path_values"])
    data = next((form for suffix, form in FORMS.items() if path.endswith(suffix)), {})

    response = client.open(path, method=method, data=data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
