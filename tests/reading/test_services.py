"""How far a member has read, without HTTP: markers, the place kept, Mark all read."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.reading import services
from forum.threads.models import Post, Thread
from tests.reading.support import markers_of, place_of, post_at


def _read(app, member, thread, upto: int | None = None) -> bool:
    """The member is shown the thread's posts up to `upto` (all of them by default)."""
    with app.app_context():
        user = db.session.get(User, member.id)
        query = sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.position)
        posts = [p for p in db.session.scalars(query) if upto is None or p.position <= upto]
        place = services.get_reading_place(user, thread.id)
        return services.record_reading(user, thread.id, posts, place, last_page=True)


def test_a_thread_started_after_a_member_joined_is_new_to_them(app, make_user, make_thread):
    before = make_thread(title="Older than the reader")
    reader = make_user("reader")
    after = make_thread(title="Started later")
    assert markers_of(app, reader, before, after) == {after.id: "New"}


def test_replies_past_the_members_place_are_counted_and_linked(
    app, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread()
    make_post(thread)
    assert _read(app, reader, thread)
    assert markers_of(app, reader, thread) == {}
    make_post(thread)
    make_post(thread)
    assert markers_of(app, reader, thread) == {thread.id: "2 new"}
    with app.app_context():
        user = db.session.get(User, reader.id)
        [marker] = services.list_markers(user, [db.session.get(Thread, thread.id)]).values()
    assert marker.first_unread_id == post_at(app, thread, 3)


def test_a_page_read_again_writes_nothing_and_the_place_never_goes_back(
    app, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread()
    make_post(thread)
    make_post(thread)
    assert _read(app, reader, thread) is True
    assert place_of(app, reader, thread) == 3
    assert _read(app, reader, thread) is False  # nothing new: no write
    assert _read(app, reader, thread, upto=1) is False  # an earlier page
    assert place_of(app, reader, thread) == 3


def test_mark_board_read_clears_that_board_only_until_someone_posts_again(
    app, make_user, make_board, make_thread, make_post
):
    reader = make_user("reader")
    board, other_board = make_board(), make_board()
    opened = make_thread(board=board)
    never_opened = make_thread(board=board)
    elsewhere = make_thread(board=other_board)
    _read(app, reader, opened)
    make_post(opened)
    assert markers_of(app, reader, opened, never_opened, elsewhere) == {
        opened.id: "1 new",
        never_opened.id: "New",
        elsewhere.id: "New",
    }
    with app.app_context():
        services.mark_board_read(db.session.get(User, reader.id), db.session.get(Board, board.id))
    assert markers_of(app, reader, opened, never_opened, elsewhere) == {elsewhere.id: "New"}
    make_post(opened)
    make_post(never_opened)
    started = make_thread(board=board)
    assert markers_of(app, reader, opened, never_opened, started) == {
        opened.id: "1 new",
        never_opened.id: "New",  # never opened: new again once it moves
        started.id: "New",
    }


def test_mark_forum_read_clears_every_board(app, make_user, make_board, make_thread, make_post):
    reader = make_user("reader")
    threads = [make_thread(board=make_board()) for _ in range(3)]
    _read(app, reader, threads[0])
    make_post(threads[0])
    assert len(markers_of(app, reader, *threads)) == 3
    with app.app_context():
        services.mark_forum_read(db.session.get(User, reader.id))
    assert markers_of(app, reader, *threads) == {}
    assert place_of(app, reader, threads[0]) == 2


def test_a_thread_whose_latest_post_is_the_members_own_is_not_new_to_them(
    app, make_user, make_thread, make_post
):
    reader = make_user("reader")
    started = make_thread(author=reader)
    replied = make_thread()
    make_post(replied, author=reader)
    assert markers_of(app, reader, started, replied) == {}
    make_post(replied)
    assert markers_of(app, reader, replied) == {replied.id: "New"}
