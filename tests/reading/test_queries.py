"""Markers cost a member's page one statement, whatever the number of threads; a thread
page writes once when it shows something new, and never when it does not."""

from forum.extensions import db
from forum.threads.models import Thread
from forum.threads.services import reply_to_thread
from tests.conftest import login
from tests.reading.support import markers_in as _markers
from tests.reading.support import thread_path

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(statements) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def test_markers_on_board_and_home_pages_cost_one_statement_whatever_their_number(
    app, client, make_user, make_board, make_thread, make_post, count_queries
):
    reader = make_user("reader")
    board = make_board()
    login(client, reader)
    counts = {}
    for size, threads in (("small", 2), ("large", 24)):
        made = [make_thread(board=board) for _ in range(threads)]
        for thread in made[::2]:  # half of them read, then replied to
            client.get(thread_path(thread))
            make_post(thread)
        for name, path in (("board", f"/b/{board.slug}"), ("home", "/")):
            with count_queries() as statements:
                page = client.get(path).get_data(as_text=True)
            counts[name, size] = len(statements)
            assert _markers(page), (name, size)
            assert _writes(statements) == []
    assert counts["board", "small"] == counts["board", "large"] <= 5, counts
    assert counts["home", "small"] == counts["home", "large"] <= 5, counts


def test_a_thread_page_writes_once_when_it_shows_something_new_and_never_again(
    app, client, make_user, make_thread, make_post, count_queries
):
    reader = make_user("reader")
    thread = make_thread()
    make_post(thread)
    login(client, reader)
    with count_queries() as first:
        client.get(thread_path(thread))
    [write] = _writes(first)
    assert "thread_reads" in write
    with count_queries() as again:
        client.get(thread_path(thread))
    assert _writes(again) == []
    # The page's reads: the member's own four (tests/test_queries.py) and one for their
    # marks: the reading place, the bookmarked posts and who reacted (threads/marks.py).
    assert len(again) == len(first) - 1 <= 5

    # Replies past a page's end: the first page, read again, is still nothing new.
    app.config["POSTS_PER_PAGE"] = 2
    writers = [make_user() for _ in range(3)]
    with app.app_context():
        loaded = db.session.get(Thread, thread.id)
        for n, writer in enumerate(writers):
            reply_to_thread(writer, loaded, f"Reply {n}.")
    with count_queries() as first_page:
        client.get(thread_path(thread))
    assert _writes(first_page) == []
    with count_queries() as second_page:
        client.get(thread_path(thread) + "?page=2")
    assert [w.split()[2] for w in _writes(second_page)] == ["thread_reads"]
