"""Reacting without HTTP: counts kept in SQL, toggling, refusals, erasure."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.errors import NotAllowed
from forum.extensions import db, utcnow
from forum.reactions.models import Reaction, ReactionKind
from forum.reactions.services import list_reactors, toggle_reaction
from forum.threads import services as threads
from forum.threads.models import Post

HELPFUL, ME_TOO = ReactionKind.HELPFUL, ReactionKind.ME_TOO


def _react(user, post_id, kind=HELPFUL):
    return toggle_reaction(db.session.get(User, user.id), threads.get_post_or_404(post_id), kind)


def _counts(post_id):
    post = db.session.get(Post, post_id)
    db.session.refresh(post)
    return post.helpful_count, post.me_too_count


def test_a_reaction_counts_and_a_second_click_takes_it_back(app_ctx, reacted, make_user):
    _, reader, _, post_id = reacted
    other = make_user()
    version = db.session.get(Post, post_id).row_version
    assert _react(reader, post_id).active
    assert _react(other, post_id).helpful_count == 2
    assert _react(reader, post_id, ME_TOO).me_too_count == 1
    assert _counts(post_id) == (2, 1)
    assert db.session.get(Post, post_id).row_version > version  # cached pages change

    undone = _react(reader, post_id)
    assert not undone.active and undone.helpful_count == 1
    assert _counts(post_id) == (1, 1)
    assert db.session.scalar(sa.select(sa.func.count(Reaction.id))) == 2


def test_one_may_not_react_to_ones_own_post(app_ctx, reacted):
    author, _, _, post_id = reacted
    with pytest.raises(NotAllowed, match="your own post"):
        _react(author, post_id)
    assert _counts(post_id) == (0, 0)


def test_silenced_members_may_not_react(app_ctx, reacted):
    _, reader, _, post_id = reacted
    db.session.execute(
        sa.update(User)
        .where(User.id == reader.id)
        .values(silenced_until=utcnow() + timedelta(days=1))
    )
    db.session.commit()
    with pytest.raises(NotAllowed, match="silenced"):
        _react(reader, post_id)


@pytest.mark.parametrize("state", ["hidden", "deleted"])
def test_hidden_and_deleted_posts_take_no_reactions(app_ctx, reacted, state):
    _, reader, _, post_id = reacted
    db.session.execute(sa.update(Post).where(Post.id == post_id).values(state=state))
    db.session.commit()
    with pytest.raises(NotAllowed, match="hidden or deleted"):
        _react(reader, post_id)


def test_members_see_who_reacted_in_one_statement(
    app, app_ctx, reacted, make_user, make_post, count_queries
):
    author, reader, thread, post_id = reacted
    reply = make_post(thread, author=author)
    other = make_user("other-olga")
    _react(reader, post_id)
    _react(other, post_id, ME_TOO)
    _react(reader, reply.id, ME_TOO)
    posts = [db.session.get(Post, post_id), db.session.get(Post, reply.id)]
    for post in posts:
        db.session.refresh(post)
    viewer = db.session.get(User, reader.id)
    with count_queries() as queries:
        who = list_reactors(viewer, posts)
    assert len(queries) == 1
    assert who.of(post_id, HELPFUL) == ["reader-rob"]
    assert who.of(post_id, ME_TOO) == ["other-olga"]
    assert who.has(reply.id, ME_TOO) and not who.has(post_id, ME_TOO)
    assert list_reactors(None, posts).of(post_id, HELPFUL) == []  # visitors: counts only


def test_erasure_takes_the_members_reactions_and_their_counts(app_ctx, reacted):
    from forum.privacy.erasure import Erasure, erase_account

    _, reader, _, post_id = reacted
    _react(reader, post_id)
    _react(reader, post_id, ME_TOO)
    person = db.session.get(User, reader.id)
    erase_account(person, Erasure("keep", "keep"), "reader-rob", utcnow().timestamp(), 600)
    assert _counts(post_id) == (0, 0)
    assert db.session.scalar(sa.select(sa.func.count(Reaction.id))) == 0


def test_the_export_lists_the_members_reactions(app_ctx, reacted):
    from forum.export.archive import collect_member_data

    _, reader, _, post_id = reacted
    _react(reader, post_id, ME_TOO)
    document = collect_member_data(reader.id, utcnow()).document
    assert [(r["kind"], r["post_id"]) for r in document["reactions"]] == [("me_too", post_id)]
    assert document["profile"]["notification_preferences"]["hear_of_reactions"] is True
