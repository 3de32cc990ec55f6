"""An export costs the same number of SQL statements for a member with 3 posts as for one
with 30 (and as many revisions, notifications and watched threads): no query per row."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.threads.models import Post
from forum.threads.services import create_thread, edit_post, reply_to_thread
from tests.conftest import login
from tests.export.conftest import download


def _grow(app, author, replier, board, threads: int) -> None:
    """Threads by the author, each edited once and answered by someone else."""
    with app.app_context():
        author = db.session.get(User, author.id)
        replier = db.session.get(User, replier.id)
        for number in range(threads):
            post = create_thread(
                author, board, f"Thread number {number}", f"text {number}", visibility="public"
            )
            post = db.session.get(Post, post.id)
            edit_post(author, post, f"edited text {number}", post.version)
            reply_to_thread(replier, post.thread, f"reply {number}")


def test_export_runs_a_fixed_number_of_statements(app, make_user, make_board, count_queries):
    board = make_board()
    replier = make_user("replier-rae")
    counts = {}
    for name, size in (("small-sal", 3), ("large-lou", 30)):
        member = make_user(name)
        _grow(app, member, replier, board, size)
        client = app.test_client()
        login(client, member)
        with count_queries() as statements:
            export = download(client)
        assert len(export.document["posts"]) == size
        assert sum(len(p["revisions"]) for p in export.document["posts"]) == size
        assert len(export.document["notifications"]) == size
        counts[size] = len(statements)
    assert counts[3] == counts[30], counts
    # One statement per kind of data (report drafts the 21st, reading places the 22nd and
    # 23rd, bookmarks the 24th, blocks the 25th, reactions the 26th, moderators' notes the
    # 27th, private conversations the 28th and 29th, message reports the 30th).
    assert counts[3] <= 30, counts


def test_replies_in_others_threads_cost_nothing_extra(
    app, make_user, make_thread, make_post, count_queries
):
    """Posts spread over many threads (each with its own title and board) still cost one
    query for all of them."""
    counts = {}
    for name, size in (("few-fay", 2), ("many-mo", 12)):
        member = make_user(name)
        for number in range(size):
            thread = make_thread(title=f"{name} asks question {number}")
            make_post(thread, author=member, body="me too")
        client = app.test_client()
        login(client, member)
        with count_queries() as statements:
            export = download(client)
        titles = {p["thread"]["title"] for p in export.document["posts"]}
        assert len(titles) == size
        counts[size] = len(statements)
    assert counts[2] == counts[12], counts
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 28
