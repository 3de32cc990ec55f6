"""A post's life is announced as signals (forum/signals.py), and each reaches the packages
that listen: notifications and safety act in the post's own transaction."""

from contextlib import contextmanager

import sqlalchemy as sa

from forum import signals
from forum.accounts.models import User
from forum.extensions import db
from forum.moderation.models import Flag
from forum.moderation.services import decide_on_post, flag_post, restore_post
from forum.threads.models import Post, Thread
from forum.threads.services import delete_post, edit_post, reply_to_thread
from tests.conftest import age_accounts
from tests.notifications.support import kinds_of, notifications_of, watch, watches

CRISIS = "Honestly some nights I want to end it all."


@contextmanager
def heard(signal):
    """What `signal` carried while the block ran: (post id, keyword arguments) each time,
    with members and threads as their ids (read while the sender's session is open)."""
    sent = []

    def record(post, **kwargs):
        sent.append((post.id, {key: getattr(value, "id", value) for key, value in kwargs.items()}))

    with signal.connected_to(record):
        yield sent


def _urgent_flags(app, post_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(Flag.id)).where(
                Flag.post_id == post_id, Flag.reason == "self_harm", Flag.is_urgent
            )
        )


def _reply(app, author, thread, body: str) -> int:
    with app.app_context():
        post = reply_to_thread(
            db.session.get(User, author.id), db.session.get(Thread, thread.id), body
        )
        return post.id


def test_a_reply_reaches_watchers_and_safety_through_post_created(
    app, make_app, make_user, make_thread
):
    reader, writer = make_user("reader"), make_user("writer")
    thread = make_thread(title="Second RFA at L4-L5")
    watch(app, reader, thread=thread)
    make_app()  # another app in the same process: its receivers are not connected twice

    with heard(signals.post_created) as sent:
        post_id = _reply(app, writer, thread, CRISIS)

    assert [(post, kw["thread"], kw["author"]) for post, kw in sent] == [
        (post_id, thread.id, writer.id)
    ]
    [seen] = notifications_of(app, reader)  # told once, not once per create_app
    assert (seen.kind, seen.count, seen.post_id) == ("reply", 1, post_id)
    assert watches(app, writer, thread)  # auto-watch
    assert _urgent_flags(app, post_id) == 1


def test_an_edit_reaches_mentions_and_safety_through_post_edited(app, make_user, make_thread):
    reader, writer = make_user("reader"), make_user("writer")
    thread = make_thread()
    post_id = _reply(app, writer, thread, "Nothing much to say.")

    with heard(signals.post_edited) as sent, app.app_context():
        post = db.session.get(Post, post_id)
        edit_post(db.session.get(User, writer.id), post, f"@reader {CRISIS}", post.version)

    assert [(post, kw["editor"], kw["title"]) for post, kw in sent] == [
        (post_id, writer.id, None)
    ]
    assert "mention" in kinds_of(app, reader)
    assert _urgent_flags(app, post_id) == 1


def test_approval_reaches_watchers_through_post_approved(make_app, make_user, make_thread):
    app = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    reader, newcomer = make_user("reader"), make_user("newcomer")
    moderator = make_user("mod-maria", role="moderator")
    thread = make_thread(author=moderator)
    watch(app, reader, thread=thread)
    post_id = _reply(app, newcomer, thread, "My first reply.")
    assert kinds_of(app, reader) == []  # waiting: nobody is told yet

    with heard(signals.post_approved) as sent, app.app_context():
        post = db.session.get(Post, post_id)
        decide_on_post(db.session.get(User, moderator.id), post, "keep", "", [])

    assert [(post, kw["thread"]) for post, kw in sent] == [(post_id, thread.id)]
    assert kinds_of(app, reader) == ["reply"]


def test_moderation_decisions_reach_the_author_and_flaggers(
    app, make_user, make_thread, moderator
):
    author, flagger = make_user("author"), make_user("flagger")
    age_accounts(app, flagger)
    thread = make_thread()
    post_id = _reply(app, author, thread, "Try this clinic, call now.")
    with app.app_context():
        flag = flag_post(db.session.get(User, flagger.id), db.session.get(Post, post_id), "spam")
        flag_id = flag.id

    def act(service, *args):
        with app.app_context():
            service(db.session.get(User, moderator.id), db.session.get(Post, post_id), *args)

    with heard(signals.flags_decided) as decided, heard(signals.post_hidden) as hidden:
        act(decide_on_post, "hide", "Advertising.", [flag_id])
    with heard(signals.post_restored) as restored:
        act(restore_post, "On second thought.")
    with heard(signals.post_deleted) as deleted:
        act(decide_on_post, "delete", "Advertising after all.", [])

    assert [kw["outcome"] for _, kw in decided] == ["upheld"]
    assert [(kw["actor"], kw["reason"]) for _, kw in hidden] == [(moderator.id, "Advertising.")]
    assert [kw["reason"] for _, kw in restored] == ["On second thought."]
    assert [kw["reason"] for _, kw in deleted] == ["Advertising after all."]
    assert [n.text for n in notifications_of(app, flagger)] == ["upheld: Advertising."]
    assert [(n.kind, n.text) for n in notifications_of(app, author)] == [
        ("post_hidden", "hidden: Advertising."),
        ("post_restored", "restored: On second thought."),
        ("post_hidden", "removed: Advertising after all."),
    ]


def test_an_author_deleting_their_post_announces_it_and_is_not_told(
    app, make_user, make_thread
):
    author = make_user("author")
    post_id = _reply(app, author, make_thread(), "Never mind.")

    with heard(signals.post_deleted) as sent, app.app_context():
        delete_post(db.session.get(User, author.id), db.session.get(Post, post_id))

    assert [(post, kw["actor"]) for post, kw in sent] == [(post_id, author.id)]
    assert "post_hidden" not in kinds_of(app, author)
