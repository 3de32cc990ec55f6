"""Reading a thread "most helpful first", and a board's threads by "most helpful"."""

import re

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post
from tests.conftest import login


def _order(html: str) -> list[str]:
    return re.findall(r'<article class="post[^"]*" id="p(\d+)"', html)


def test_a_thread_reads_most_helpful_first_and_hidden_posts_stop_counting(
    app, client, reacted, make_user, make_post
):
    author, reader, thread, first_id = reacted
    helper = make_user()
    replies = [make_post(thread, author=author, body=f"Reply {n}.") for n in range(3)]
    for member in (reader, helper):
        login(client, member)
        client.post(f"/p/{replies[1].id}/react", data={"kind": "helpful"})
    client.post(f"/p/{replies[2].id}/react", data={"kind": "helpful"})
    path = f"/t/{thread.id}/{thread.slug}"

    page = client.get(path + "?sort=helpful").get_data(as_text=True)
    assert _order(page) == [str(i) for i in (replies[1].id, replies[2].id, first_id, replies[0].id)]
    assert 'aria-current="true">Most helpful first' in page
    assert _order(client.get(path).get_data(as_text=True))[0] == str(first_id)

    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == replies[1].id).values(state="hidden"))
        db.session.commit()
    page = app.test_client().get(path + "?sort=helpful").get_data(as_text=True)
    assert _order(page)[0] == str(replies[2].id)


def test_a_board_lists_its_most_helpful_threads_over_a_period(
    app, client, make_user, make_board, make_thread, count_queries
):
    from datetime import timedelta

    from forum.extensions import utcnow
    from forum.threads.models import Thread
    from tests.conftest import first_post_id

    board, author, readers = make_board(), make_user(), [make_user() for _ in range(2)]
    make_thread(board=board, author=author, title="Quiet thread")
    liked = make_thread(board=board, author=author, title="Liked thread")
    old = make_thread(board=board, author=author, title="Old but loved thread")
    for reader in readers:
        login(client, reader)
        client.post(f"/p/{first_post_id(app, liked)}/react", data={"kind": "helpful"})
        client.post(f"/p/{first_post_id(app, old)}/react", data={"kind": "helpful"})
    client.post(f"/p/{first_post_id(app, old)}/react", data={"kind": "me_too"})
    with app.app_context():
        db.session.execute(
            sa.update(Thread)
            .where(Thread.id == old.id)
            .values(created_at=utcnow() - timedelta(days=60))
        )
        db.session.commit()

    def titles(query: str) -> list[str]:
        page = app.test_client().get(f"/b/{board.slug}{query}").get_data(as_text=True)
        return re.findall(r'class="thread-title"[^>]*>([^<]+)<', page)

    assert titles("?sort=helpful&period=week") == ["Liked thread", "Quiet thread"]
    assert titles("?sort=helpful&period=year")[0] == "Old but loved thread"
    assert titles("?sort=helpful&period=nonsense") == ["Liked thread", "Quiet thread"]
    page = app.test_client().get(f"/b/{board.slug}?sort=helpful&period=year").get_data(as_text=True)
    assert "found helpful 2 times" in page and 'aria-current="true">this year' in page

    visitor = app.test_client()
    with count_queries() as in_order:
        visitor.get(f"/b/{board.slug}")
    with count_queries() as helpful:
        visitor.get(f"/b/{board.slug}?sort=helpful&period=all")
    assert len(helpful) <= len(in_order) + 1
