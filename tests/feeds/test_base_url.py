"""Absolute addresses (feeds, the sitemap, robots.txt, the pages' feed links) come from
FORUM_BASE_URL when it is set, never from the Host header a client sent."""

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db
from forum.threads.models import slugify

BASE = "https://forum.example"
EVIL = "evil.example"


@pytest.fixture
def site(app, make_board, make_user, make_thread, make_post):
    board = make_board(slug="ablation")
    with app.app_context():  # a treatment board, so it has outcomes and their open data
        db.session.execute(sa.update(Board).where(Board.id == board.id).values(family="injection"))
        db.session.commit()
    author = make_user("author-ann")
    thread = make_thread(board=board, author=author, title="Second RFA at L4-L5")
    make_post(thread, author=author, body="A reply in the feed.")
    return board, thread


def _addresses(board, thread) -> list[str]:
    return [
        "/",
        f"/b/{board.slug}",
        f"/t/{thread.id}/{slugify(thread.title)}",
        "/feeds/latest.atom",
        f"/b/{board.slug}.atom",
        f"/t/{thread.id}.atom",
        "/sitemap.xml",
        "/sitemap-1.xml",
        "/robots.txt",
        f"/b/{board.slug}/outcomes.json",
    ]


def test_a_forged_host_never_reaches_a_body(make_app, site):
    app = make_app(BASE_URL=BASE, SITEMAP_URLS_PER_FILE=2)
    client = app.test_client()
    for path in _addresses(*site):
        response = client.get(path, headers={"Host": EVIL})
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert EVIL not in body, path
        assert BASE in body, path


def test_feed_ids_are_under_the_base_url(make_app, site):
    board, thread = site
    app = make_app(BASE_URL=BASE + "/")
    body = app.test_client().get(f"/t/{thread.id}.atom", headers={"Host": EVIL}).get_data(
        as_text=True
    )
    assert f"<id>{BASE}/t/{thread.id}.atom</id>" in body
    assert f'href="{BASE}/t/{thread.id}/{slugify(thread.title)}#p' in body


def test_without_a_base_url_a_forged_host_gets_its_own_copy(make_app, site):
    """Development: the address comes from the request, and the visitors' page cache keys
    on the whole address, so one forged Host cannot poison what others are served."""
    app = make_app(BASE_URL=None)
    client = app.test_client()
    assert EVIL in client.get("/", headers={"Host": EVIL}).get_data(as_text=True)
    assert EVIL not in client.get("/").get_data(as_text=True)
