from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.extensions import db, utcnow
from forum.threads.models import Thread
from tests.conftest import login


def test_board_lists_pinned_first_then_latest_activity(app, client, make_board, make_thread):
    board = make_board(slug="order")
    old = make_thread(board=board, title="Old but pinned")
    middle = make_thread(board=board, title="Middle thread")
    newest = make_thread(board=board, title="Newest thread")
    with app.app_context():
        now = utcnow()
        for thread, age, pinned in ((old, 30, True), (middle, 2, False), (newest, 1, False)):
            db.session.execute(
                sa.update(Thread)
                .where(Thread.id == thread.id)
                .values(last_post_at=now - timedelta(days=age), is_pinned=pinned)
            )
        db.session.commit()

    page = client.get("/b/order").get_data(as_text=True)

    assert page.index("Old but pinned") < page.index("Newest thread") < page.index("Middle thread")
    assert "Pinned" in page


def test_board_rows_show_author_replies_and_last_poster(
    client, make_board, make_thread, make_post, make_user
):
    board = make_board(slug="rows")
    thread = make_thread(board=board, author=make_user("starter"), title="Row details")
    make_post(thread, author=make_user("second"))
    make_post(thread, author=make_user("third"))

    page = client.get("/b/rows").get_data(as_text=True)

    assert "by starter" in page
    assert "2 replies" in page
    assert "last by third" in page


def test_board_paginates_25_threads_and_404s_past_the_end(client, make_board, make_thread):
    board = make_board(slug="many")
    for n in range(26):
        make_thread(board=board, title=f"Numbered thread {n:02d}")

    first = client.get("/b/many").get_data(as_text=True)
    second = client.get("/b/many?page=2")

    assert first.count('class="thread-row') == 25
    assert "Page 1 of 2" in first
    assert second.status_code == 200
    assert second.get_data(as_text=True).count('class="thread-row') == 1
    assert client.get("/b/many?page=3").status_code == 404
    assert client.get("/b/many?page=0").status_code == 404


@pytest.mark.parametrize("path", ["/b/no-such-board", "/b/no-such-board?page=2"])
def test_a_board_that_does_not_exist_is_404_for_visitors_and_members(client, member, path):
    assert client.get(path).status_code == 404
    login(client, member)
    assert client.get(path).status_code == 404


def test_empty_board_invites_the_first_thread(client, make_board):
    make_board(slug="empty", name="Empty board")
    response = client.get("/b/empty")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No threads yet" in page
    assert "<title>Empty board: experiences and outcomes · Firsthand</title>" in page
    assert 'href="/b/empty/new"' in page
