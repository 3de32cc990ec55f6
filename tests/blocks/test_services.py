"""Blocking without HTTP: the toggle, the refusals, the list, and the rule every feature
asks (either way round for private messages, one way for mentions and quotes)."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.blocks import services
from forum.blocks.models import Block
from forum.errors import NotAllowed
from forum.extensions import db
from forum.policy import blocks as policy
from forum.policy.viewer import is_signed_in


def _get(user):
    return db.session.get(User, user.id)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Block))


def test_blocking_toggles_and_asking_twice_changes_nothing(app, bea, fred):
    with app.app_context():
        me, him = _get(bea), _get(fred)
        assert services.set_block(me, him) is True  # toggles on
        assert services.set_block(me, him, True) is True  # pressed again: still blocked
        assert _count() == 1
        assert services.get_block(me, him) is not None
        assert services.set_block(me, him) is False  # toggles off
        assert services.set_block(me, him, False) is False
        assert _count() == 0


def _either_way(a, b) -> bool:
    return bool(db.session.scalar(sa.select(services.blocked_either_way(a.id, b.id))))


def test_the_rule_holds_one_way_and_blocks_between_both(app, bea, fred, make_user):
    other = make_user("olive-other")
    with app.app_context():
        me, him, her = _get(bea), _get(fred), _get(other)
        services.set_block(me, him, True)
        assert services.is_blocked_by(him, me)  # Fred may not reach Bea
        assert not services.is_blocked_by(me, him)  # Fred blocked nobody
        # Private messages ask this, either way round: neither writes to the other.
        assert _either_way(me, him)
        assert _either_way(him, me)
        assert not _either_way(me, her)
        assert not _either_way(him, her)


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_a_moderator_or_admin_cannot_be_blocked(app, bea, make_user, role):
    staff = make_user(f"staff-{role}", role=role)
    with app.app_context():
        with pytest.raises(NotAllowed) as refusal:
            services.set_block(_get(bea), _get(staff), True)
        assert "cannot be blocked" in refusal.value.message
        assert _count() == 0


def test_a_moderator_does_not_block(app, moderator, fred):
    with app.app_context():
        with pytest.raises(NotAllowed) as refusal:
            services.set_block(_get(moderator), _get(fred), True)
        assert "Moderators do not block" in refusal.value.message
        assert _count() == 0


def test_nobody_blocks_themselves(app, bea):
    with app.app_context():
        with pytest.raises(NotAllowed, match="yourself"):
            services.set_block(_get(bea), _get(bea), True)
        assert _count() == 0


def test_the_database_refuses_a_self_block_and_a_second_row(app, bea, fred):
    """The CHECK and the UNIQUE pair stand behind the service."""
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        db.session.add(Block(blocker_id=bea.id, blocked_id=bea.id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(Block(blocker_id=bea.id, blocked_id=fred.id))
        db.session.commit()
        db.session.add(Block(blocker_id=bea.id, blocked_id=fred.id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_visitors_are_refused_by_the_policy():
    class Visitor:
        is_authenticated = False

    assert not is_signed_in(Visitor())
    assert policy.block_refusal(Visitor(), object()) == "Please sign in first."
    assert not policy.offers_blocks(Visitor())


def test_a_block_made_before_a_promotion_no_longer_applies(app, bea, fred):
    """Moderators stand apart both ways: once Fred is a moderator, Bea's old block keeps
    nothing from him (and once Bea is one, it folds nothing for her); it stays listed,
    for Bea to take back."""
    with app.app_context():
        services.set_block(_get(bea), _get(fred), True)
        _get(fred).role = "moderator"
        db.session.commit()
        assert not services.is_blocked_by(_get(fred), _get(bea))
        assert not _either_way(_get(bea), _get(fred))
        assert [b.blocked_id for b in services.list_blocks(_get(bea))] == [fred.id]
        # Unblocking is never refused, whoever the other has become.
        assert services.set_block(_get(bea), _get(fred), False) is False
        assert _count() == 0


def test_the_list_is_the_blockers_own_newest_first(app, bea, fred, make_user):
    first, second = make_user("first-fay"), make_user("second-sol")
    with app.app_context():
        services.set_block(_get(bea), _get(first), True)
        services.set_block(_get(bea), _get(second), True)
        services.set_block(_get(fred), _get(bea), True)  # Fred's, not Bea's
        listed = services.list_blocks(_get(bea))
        assert {b.blocked.display_name for b in listed} == {"first-fay", "second-sol"}
        assert listed[0].created_at >= listed[1].created_at
        assert [b.blocked.display_name for b in services.list_blocks(_get(fred))] == ["bea-blocks"]


def test_quotes_refused_asks_about_the_authors_of_the_quoted_posts(
    app, bea, fred, make_thread, make_user
):
    other = make_user("olive-other")
    beas = make_thread(author=bea, title="Bea's ablation story")
    olives = make_thread(author=other, title="Olive's stimulator story")
    from tests.conftest import first_post_id

    beas_post, olives_post = first_post_id(app, beas), first_post_id(app, olives)
    with app.app_context():
        services.set_block(_get(bea), _get(fred), True)
        assert services.quotes_refused(_get(fred), [beas_post])
        assert services.quotes_refused(_get(fred), [olives_post, beas_post])
        assert not services.quotes_refused(_get(fred), [olives_post])
        assert not services.quotes_refused(_get(fred), [])
        assert not services.quotes_refused(_get(other), [beas_post])
