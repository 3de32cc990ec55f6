"""The thread page and /bookmarks run the same statements for one bookmark as for a page
full: which posts a member kept is read once per page, never per post."""

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, Thread
from tests.bookmarks.conftest import press
from tests.conftest import login


def _thread_with_replies(app, make_thread, make_post, replies: int) -> tuple[str, list[int]]:
    thread = make_thread(title=f"A thread with {replies} replies")
    for number in range(replies):
        make_post(thread, body=f"Reply number {number}.")
    with app.app_context():
        slug = db.session.get(Thread, thread.id).slug
        ids = list(
            db.session.scalars(
                sa.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.position)
            )
        )
    return f"/t/{thread.id}/{slug}", ids


def test_a_thread_page_reads_bookmarks_in_one_statement(
    app, client, member, make_thread, make_post, count_queries
):
    login(client, member)
    counts = {}
    for replies in (1, 15):
        path, ids = _thread_with_replies(app, make_thread, make_post, replies)
        for post_id in ids:
            press(client, post_id, keep="y")
        with count_queries() as statements:
            page = client.get(path).get_data(as_text=True)
        assert page.count('aria-pressed="true"') == len(ids)
        counts[replies] = len(statements)
        assert sum("bookmarks" in statement for statement in statements) == 1
    assert counts[1] == counts[15], counts


def test_the_thread_page_of_a_visitor_asks_nothing_about_bookmarks(
    app, client, make_thread, make_post, count_queries
):
    path, _ = _thread_with_replies(app, make_thread, make_post, 3)
    with count_queries() as statements:
        page = client.get(path).get_data(as_text=True)
    assert "/bookmark" not in page
    assert not any("bookmarks" in statement for statement in statements)


def test_the_bookmarks_page_runs_the_same_statements_whatever_it_holds(
    app, client, member, make_thread, make_post, count_queries
):
    login(client, member)
    counts = {}
    for replies in (0, 12):
        _, ids = _thread_with_replies(app, make_thread, make_post, replies)
        for post_id in ids:
            press(client, post_id, keep="y")
        with count_queries() as statements:
            response = client.get("/bookmarks")
        assert response.status_code == 200
        counts[replies] = len(statements)
    assert counts[0] == counts[12], counts
    assert counts[0] <= 3, counts  # the member, their bookmarks page (with its total)
