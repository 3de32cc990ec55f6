"""Search and members-only threads: visitors never find them, signed-in members do."""

import pytest

from forum.search.services import search_posts
from tests.conftest import first_post_id, login
from tests.search.conftest import search, shown_hits, shown_ids


@pytest.fixture
def threads(make_board, make_user, make_thread, make_post):
    board = make_board(slug="blocks", name="Nerve blocks")
    public = make_thread(board=board, title="Stellate block, open", body="stellate worked")
    closed = make_thread(
        board=board,
        author=make_user("shy-sasha"),
        title="Stellate block, private",
        body="stellate and my panic attacks",
        visibility="members",
    )
    reply = make_post(closed, body="stellate helped my panic too")
    return {"public": public, "closed": closed, "reply": reply}


def test_visitors_do_not_find_members_only_threads(app, client, threads):
    status, page = search(client, "stellate")

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, threads["public"])]
    assert "panic" not in page
    assert "shy-sasha" not in page


def test_members_find_members_only_threads_marked_as_such(app, client, make_user, threads):
    login(client, make_user())

    status, page = search(client, "stellate", sort="newest")

    assert status == 200
    assert shown_ids(page) == [
        threads["reply"].id,
        first_post_id(app, threads["closed"]),
        first_post_id(app, threads["public"]),
    ]
    closed = [hit for hit in shown_hits(page) if hit.title == "Stellate block, private"]
    assert len(closed) == 2
    assert page.count('<span class="badge">Members only</span>') == 2


def test_the_service_shows_a_caller_without_a_viewer_what_visitors_see(app, threads):
    with app.app_context():
        results = search_posts("panic", boards=[])
    assert results.hits == []
