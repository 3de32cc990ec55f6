"""Blocks cost no statement: a thread page reads who the member blocked, and who blocked
them, with their other marks (forum/threads/marks.py), and a profile reads its button with
the member it shows."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.blocks.services import set_block
from forum.extensions import db
from tests.blocks.conftest import thread_path
from tests.conftest import login


def _block(app, blocker, blocked):
    with app.app_context():
        set_block(db.session.get(User, blocker.id), db.session.get(User, blocked.id), True)


def test_a_thread_page_costs_the_same_with_blocks_either_way(
    app, client, bea, fred, make_user, make_thread, make_post, count_queries
):
    olive = make_user("olive-other")
    counts = {}
    for replies in (1, 12):
        thread = make_thread(author=olive, title=f"A thread with {replies} replies")
        for number in range(replies):
            make_post(thread, author=(fred, bea, olive)[number % 3], body=f"Reply {number}.")
        counts[replies] = thread_path(app, thread)
    login(client, bea)
    measured = {}
    for blocked in (False, True):
        if blocked:
            _block(app, bea, fred)
            _block(app, fred, bea)
        for replies, path in counts.items():
            client.get(path)  # the first view notes how far she read
            with count_queries() as statements:
                page = client.get(path).get_data(as_text=True)
            measured[(blocked, replies)] = len(statements)
            assert ("Post by a member you blocked" in page) == blocked  # Fred wrote reply 0
            # No statement of its own: blocks ride in the marks' statement.
            assert sum("blocks" in s for s in statements) == 1
    assert len(set(measured.values())) == 1, measured


def test_a_profile_reads_its_button_with_its_member(app, client, bea, fred, count_queries):
    login(client, bea)
    client.get("/u/fred")
    with count_queries() as before:
        client.get("/u/fred")
    _block(app, bea, fred)
    with count_queries() as after:
        page = client.get("/u/fred").get_data(as_text=True)
    assert ">Unblock</button>" in page
    assert len(after) == len(before)
    assert sum("blocks" in s for s in after) == 1


def test_a_visitors_thread_page_asks_nothing_about_blocks(
    app, bea, fred, make_thread, make_post, count_queries
):
    thread = make_thread(author=bea)
    make_post(thread, author=fred)
    _block(app, bea, fred)
    visitor = app.test_client()
    with count_queries() as statements:
        assert visitor.get(thread_path(app, thread)).status_code == 200
    assert not any("blocks" in s for s in statements)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
