"""Who hears about a new post: thread watchers (replies, batched per thread while unread),
board watchers (new threads), auto-watch, and nothing for posts nobody can see yet."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation.services import decide_on_post
from forum.notifications.models import Notification, Subscription
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, delete_post, reply_to_thread
from tests.conftest import first_post_id
from tests.notifications.support import (
    kinds_of,
    mark_all_read,
    notifications_of,
    watch,
    watches,
)


def test_replies_batch_into_one_unread_notification_per_thread(
    app, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread(title="Second RFA at L4-L5")
    watch(app, reader, thread=thread)
    first = make_post(thread)
    make_post(thread)
    last_writer = make_user("last-writer")
    make_post(thread, author=last_writer)

    [seen] = notifications_of(app, reader)
    assert (seen.kind, seen.count, seen.read) == ("reply", 3, False)
    assert seen.summary == "3 new replies in “Second RFA at L4-L5”"
    assert seen.post_id == first.id  # opens at the first unread reply
    assert seen.actor_id == last_writer.id  # the latest replier
    assert seen.path == f"/p/{first.id}"


def test_after_reading_a_new_reply_starts_a_new_notification(
    app, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread(title="Second RFA at L4-L5")
    watch(app, reader, thread=thread)
    make_post(thread)
    make_post(thread)
    mark_all_read(app, reader)
    writer = make_user("writer")
    newer = make_post(thread, author=writer)

    old, new = notifications_of(app, reader)
    assert (old.count, old.read) == (2, True)
    assert (new.count, new.read, new.post_id) == (1, False, newer.id)
    assert new.summary == "writer replied in “Second RFA at L4-L5”"


def test_the_author_of_a_reply_is_not_told_about_it(app, make_user, make_thread, make_post):
    author = make_user()
    thread = make_thread(author=author)
    make_post(thread, author=author)
    assert kinds_of(app, author) == []


def test_starting_or_replying_watches_the_thread_by_default(app, make_user, make_thread, make_post):
    starter, replier = make_user(), make_user()
    thread = make_thread(author=starter)
    assert watches(app, starter, thread)
    make_post(thread, author=replier)
    assert watches(app, replier, thread)
    assert [(n.kind, n.count) for n in notifications_of(app, starter)] == [("reply", 1)]
    make_post(thread, author=starter)
    assert [(n.kind, n.count) for n in notifications_of(app, replier)] == [("reply", 1)]


def test_auto_watch_off_watches_nothing(app, make_user, make_thread, make_post):
    quiet = make_user()
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == quiet.id).values(auto_watch=False))
        db.session.commit()
    quiet = _reloaded(app, quiet)
    thread = make_thread(author=quiet)
    other = make_thread()
    make_post(other, author=quiet)
    assert not watches(app, quiet, thread)
    assert not watches(app, quiet, other)
    make_post(thread)
    assert kinds_of(app, quiet) == []


def test_board_watchers_hear_of_new_threads_once_each(app, make_user, make_board, make_thread):
    board = make_board(name="Spinal cord stimulators")
    reader, starter = make_user("reader"), make_user("starter")
    watch(app, reader, board=board)
    watch(app, starter, board=board)
    thread = make_thread(board=board, author=starter, title="Trial week diary")

    [seen] = notifications_of(app, reader)
    assert seen.kind == "thread"
    assert seen.thread_id == thread.id
    assert seen.summary == "starter started “Trial week diary” in Spinal cord stimulators"
    assert kinds_of(app, starter) == []  # not about one's own thread
    make_thread(board=board, title="Another thread here")
    assert kinds_of(app, reader) == ["thread", "thread"]


def test_board_watchers_do_not_hear_of_replies(app, make_user, make_board, make_thread, make_post):
    board = make_board()
    reader = make_user()
    watch(app, reader, board=board)
    thread = make_thread(board=board)
    make_post(thread)
    assert kinds_of(app, reader) == ["thread"]


def test_pending_posts_notify_nobody_until_approved(make_app, make_user, make_board, moderator):
    app = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    board = make_board()
    board_reader, thread_reader, newcomer = make_user(), make_user(), make_user("newcomer")
    watch(app, board_reader, board=board)
    veteran = make_user()
    with app.app_context():
        db.session.execute(sa.update(User).values(post_count=5).where(User.id == veteran.id))
        db.session.commit()
        thread_id = create_thread(
            db.session.get(User, veteran.id),
            db.session.get(Board, board.id),
            "Thread by a veteran",
            "Hello.",
            visibility="public",
        ).thread_id
    thread = _thread(app, thread_id)
    watch(app, thread_reader, thread=thread)
    assert kinds_of(app, board_reader) == ["thread"]

    with app.app_context():
        pending_reply = reply_to_thread(
            db.session.get(User, newcomer.id),
            db.session.get(Thread, thread_id),
            "My first post, @" + thread_reader.display_name,
        )
        pending_thread = create_thread(
            db.session.get(User, newcomer.id),
            db.session.get(Board, board.id),
            "A newcomer's thread",
            "Hello all.",
            visibility="public",
        )
        assert (pending_reply.state, pending_thread.state) == ("pending", "pending")
        reply_id, new_thread_id = pending_reply.id, pending_thread.thread_id
    assert kinds_of(app, board_reader) == ["thread"]
    assert kinds_of(app, thread_reader) == []
    assert watches(app, newcomer, thread)  # the newcomer watches what they wrote already

    _decide(app, moderator, reply_id, "keep")
    assert kinds_of(app, thread_reader) == ["mention"]  # one post, one notification
    _decide(app, moderator, first_post_id(app, _thread(app, new_thread_id)), "keep")
    assert kinds_of(app, board_reader) == ["thread", "thread"]


def test_a_rejected_pending_post_notifies_no_watcher(make_app, make_user, make_thread, moderator):
    app = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    reader, newcomer = make_user(), make_user()
    with app.app_context():
        db.session.execute(sa.update(User).values(post_count=5))
        db.session.commit()
    thread = make_thread()
    watch(app, reader, thread=thread)
    with app.app_context():
        db.session.execute(sa.update(User).values(post_count=0).where(User.id == newcomer.id))
        db.session.commit()
        reply = reply_to_thread(
            db.session.get(User, newcomer.id), db.session.get(Thread, thread.id), "spam"
        )
        reply_id = reply.id
    _decide(app, moderator, reply_id, "delete")
    assert kinds_of(app, reader) == []


def test_hidden_and_deleted_posts_notify_nobody_later(app, make_user, make_thread, make_post):
    """A post that is not visible (hidden, deleted) is never announced, whatever edits it
    gets afterwards; the fan-out itself refuses a post that is not visible."""
    from forum.notifications.fanout import notify_new_post

    reader, writer = make_user("reader"), make_user()
    thread = make_thread()
    post = make_post(thread, author=writer)
    with app.app_context():
        delete_post(db.session.get(User, writer.id), db.session.get(Post, post.id))
        for state in ("hidden", "deleted", "pending"):
            stored = db.session.get(Post, post.id)
            stored.state = state
            notify_new_post(stored, db.session.get(Thread, thread.id))
            db.session.flush()
        db.session.rollback()
    watch(app, reader, thread=thread)
    with app.app_context():
        stored = db.session.get(Post, post.id)
        stored.state = "hidden"
        notify_new_post(stored, db.session.get(Thread, thread.id))
        db.session.commit()
    assert kinds_of(app, reader) == []


def test_unwatching_stops_replies(app, make_user, make_thread, make_post):
    from forum.notifications.services import unwatch_thread

    reader = make_user()
    thread = make_thread()
    watch(app, reader, thread=thread)
    with app.app_context():
        unwatch_thread(db.session.get(User, reader.id), db.session.get(Thread, thread.id))
    make_post(thread)
    assert kinds_of(app, reader) == []


def test_deleted_members_are_not_notified(app, make_user, make_thread, make_post):
    gone = make_user()
    thread = make_thread()
    watch(app, gone, thread=thread)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == gone.id).values(deleted_at=utcnow()))
        db.session.commit()
    make_post(thread)
    assert kinds_of(app, gone) == []


# -- a thousand watchers: one statement ------------------------------------------------


def _add_watchers(app, thread, count: int, prefix: str) -> None:
    """Members and their subscriptions, each with one bulk INSERT."""
    with app.app_context():
        db.session.execute(
            sa.insert(User),
            [
                {"display_name": f"{prefix}{n}", "display_name_key": f"{prefix}{n}"}
                for n in range(count)
            ],
        )
        db.session.execute(
            sa.insert(Subscription).from_select(
                ["user_id", "thread_id", "created_at"],
                sa.select(
                    User.id,
                    sa.literal(thread.id),
                    sa.literal(utcnow(), Subscription.created_at.type),
                ).where(User.display_name_key.like(f"{prefix}%")),
            )
        )
        db.session.commit()


def _statements_for_reply(app, count_queries, thread, author) -> int:
    with app.app_context():
        member = db.session.get(User, author.id)
        stored = db.session.get(Thread, thread.id)
        with count_queries() as statements:
            reply_to_thread(member, stored, "One more data point.")
        return len(statements)


def test_fan_out_is_one_statement_whatever_the_number_of_watchers(
    app, make_user, make_thread, make_post, count_queries
):
    small, large = make_thread(), make_thread()
    _add_watchers(app, small, 2, "few")
    _add_watchers(app, large, 1000, "many")
    author = make_user()
    make_post(small, author=author)  # both threads watched by the author already
    make_post(large, author=author)

    few = _statements_for_reply(app, count_queries, small, author)
    many = _statements_for_reply(app, count_queries, large, author)
    assert few == many

    with app.app_context():
        counts = db.session.execute(
            sa.select(Notification.count, sa.func.count())
            .where(Notification.thread_id == large.id, Notification.kind == "reply")
            .group_by(Notification.count)
        ).all()
    assert counts == [(2, 1001)]  # the 1,000 watchers and the starter, one batched row each


# -- helpers -----------------------------------------------------------------------------


def _reloaded(app, user):
    with app.app_context():
        fresh = db.session.get(User, user.id)
        db.session.expunge(fresh)
        return fresh


def _thread(app, thread_id: int):
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        db.session.expunge(thread)
        return thread


def _decide(app, moderator, post_id: int, decision: str) -> None:
    with app.app_context():
        decide_on_post(
            db.session.get(User, moderator.id), db.session.get(Post, post_id), decision, "", []
        )
