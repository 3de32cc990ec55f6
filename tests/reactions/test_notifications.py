"""The author hears of reactions once per post, batched while unread, and can turn it off."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.notifications.models import Notification
from forum.notifications.services import describe, notification_options
from forum.reactions.models import ReactionKind
from tests.reactions.test_services import _react


def _notes(user):
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .options(*notification_options())
        .order_by(Notification.id)
    ).all()


def test_reactions_to_a_post_batch_into_one_notification(app_ctx, reacted, make_user):
    author, reader, _, post_id = reacted
    # The factories write through their own session: made before this test's reads.
    more = [make_user() for _ in range(4)]
    _react(reader, post_id)
    assert [describe(n) for n in _notes(author)] == [
        "reader-rob found your post helpful in “Nerve block at L4”"
    ]
    _react(more[0], post_id)
    _react(more[1], post_id)
    notes = _notes(author)
    assert [describe(n) for n in notes] == [
        "3 people found your post helpful in “Nerve block at L4”"
    ]
    _react(more[2], post_id, ReactionKind.ME_TOO)
    (note,) = _notes(author)
    assert describe(note) == (
        "4 people found your post helpful or said “me too” in “Nerve block at L4”"
    )
    # Once read, the next reaction starts a new one.
    note.read_at = utcnow()
    db.session.commit()
    _react(more[3], post_id, ReactionKind.ME_TOO)
    assert describe(_notes(author)[-1]).endswith(
        "said “me too” to your post in “Nerve block at L4”"
    )
    assert len(_notes(author)) == 2


def test_the_reactor_is_not_told_and_the_author_can_turn_it_off(app_ctx, reacted, make_user):
    author, reader, _, post_id = reacted
    db.session.execute(sa.update(User).where(User.id == author.id).values(notify_reactions=False))
    db.session.commit()
    _react(reader, post_id)
    assert _notes(author) == [] and _notes(reader) == []


def test_taking_a_reaction_back_takes_it_out_of_the_unread_notification(
    app_ctx, reacted, make_user
):
    author, reader, _, post_id = reacted
    other = make_user("other-olga")
    _react(reader, post_id)
    _react(other, post_id)
    assert [describe(n) for n in _notes(author)] == [
        "2 people found your post helpful in “Nerve block at L4”"
    ]
    _react(other, post_id)  # taken back: the notice names who still finds it helpful
    assert [describe(n) for n in _notes(author)] == [
        "reader-rob found your post helpful in “Nerve block at L4”"
    ]
    _react(reader, post_id)  # nobody left: the notice (and its unread count) goes
    assert _notes(author) == []


def test_a_read_notification_stays_as_it_was_read_when_a_reaction_is_taken_back(app_ctx, reacted):
    author, reader, _, post_id = reacted
    _react(reader, post_id)
    (note,) = _notes(author)
    note.read_at = utcnow()
    db.session.commit()
    _react(reader, post_id)
    assert [describe(n) for n in _notes(author)] == [
        "reader-rob found your post helpful in “Nerve block at L4”"
    ]
