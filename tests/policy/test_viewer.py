"""Who the viewer is, and whether they may publish: the same answer for None (no request),
the anonymous visitor and every kind of member."""

from datetime import timedelta

import pytest

from forum.accounts.models import User
from forum.auth.services import Visitor
from forum.errors import NotAllowed
from forum.extensions import utcnow
from forum.policy.viewer import (
    check_can_participate,
    is_admin,
    is_moderator,
    is_self,
    is_signed_in,
    may_participate,
)


def _user(role: str = "member", **restrictions) -> User:
    user = User(id=5, display_name="pat", role=role)
    user.banned_at = restrictions.get("banned_at")
    user.suspended_until = restrictions.get("suspended_until")
    user.silenced_until = restrictions.get("silenced_until")
    return user


@pytest.mark.parametrize(
    ("viewer", "signed_in", "moderator", "admin"),
    [
        (None, False, False, False),
        (Visitor(), False, False, False),
        (_user(), True, False, False),
        (_user("moderator"), True, True, False),
        (_user("admin"), True, True, True),
    ],
    ids=["none", "visitor", "member", "moderator", "admin"],
)
def test_who_the_viewer_is(viewer, signed_in, moderator, admin):
    assert is_signed_in(viewer) is signed_in
    assert is_moderator(viewer) is moderator
    assert is_admin(viewer) is admin
    assert is_self(viewer, 5) is signed_in
    assert is_self(viewer, 6) is False
    assert is_self(viewer, None) is False


def test_a_visitor_may_not_publish_and_is_asked_to_sign_in():
    for viewer in (None, Visitor()):
        assert may_participate(viewer) is False
        with pytest.raises(NotAllowed, match="sign in"):
            check_can_participate(viewer)


LATER = utcnow() + timedelta(days=2)
EARLIER = utcnow() - timedelta(days=2)


@pytest.mark.parametrize(
    ("restrictions", "message"),
    [
        ({}, None),
        ({"silenced_until": EARLIER, "suspended_until": EARLIER}, None),  # both over
        ({"silenced_until": LATER}, "You are silenced until"),
        ({"suspended_until": LATER}, "Your account is suspended until"),
        ({"banned_at": EARLIER}, "Your account is banned."),
        ({"banned_at": EARLIER, "silenced_until": LATER}, "Your account is banned."),
    ],
    ids=["free", "over", "silenced", "suspended", "banned", "banned-and-silenced"],
)
@pytest.mark.parametrize("role", ["member", "moderator"])
def test_restrictions_stop_publishing_with_the_reason(restrictions, message, role):
    user = _user(role, **restrictions)
    assert may_participate(user) is (message is None)
    if message is None:
        check_can_participate(user)
    else:
        with pytest.raises(NotAllowed, match=message):
            check_can_participate(user)


def test_a_silence_ends_at_its_end_time():
    user = _user(silenced_until=LATER)
    assert may_participate(user, now=LATER - timedelta(seconds=1)) is False
    assert may_participate(user, now=LATER) is True


def test_sanctions_still_offers_the_rule_it_used_to_hold():
    from forum.moderation import sanctions

    assert sanctions.check_can_participate is check_can_participate
    assert sanctions.may_participate is may_participate
