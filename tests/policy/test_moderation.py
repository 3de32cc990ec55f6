"""forum/policy/moderation.py, without HTTP or a database: each rule as a table of
viewers by states."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from forum.extensions import utcnow
from forum.policy import moderation as policy

NOW = utcnow()
AUTHOR_ID, MOD_ID, ADMIN_ID, OTHER_ID = 1, 2, 3, 4


def person(user_id: int | None, role: str = "member", **restrictions) -> SimpleNamespace:
    if user_id is None:  # the anonymous visitor
        return SimpleNamespace(is_authenticated=False, id=None, role=None)
    return SimpleNamespace(
        is_authenticated=True,
        id=user_id,
        role=role,
        banned_at=restrictions.get("banned_at"),
        suspended_until=restrictions.get("suspended_until"),
        silenced_until=restrictions.get("silenced_until"),
    )


VIEWERS = {
    "visitor": person(None),
    "author": person(AUTHOR_ID),
    "silenced author": person(AUTHOR_ID, silenced_until=NOW + timedelta(days=1)),
    "member": person(OTHER_ID),
    "moderator": person(MOD_ID, "moderator"),
    "admin": person(ADMIN_ID, "admin"),
}


def post(state: str, position: int | None = 2, deleted_by=None, deleted_days_ago=None):
    return SimpleNamespace(
        state=state,
        author_id=AUTHOR_ID,
        position=position,
        deleted_by_id=deleted_by,
        deleted_at=None if deleted_days_ago is None else NOW - timedelta(days=deleted_days_ago),
    )


STATES = {
    "visible": post("visible"),
    "pending reply": post("pending", position=None),
    "pending first post": post("pending", position=1),
    "hidden by flags": post("hidden"),
    "hidden before approval": post("hidden", position=None),
    "deleted by its author": post("deleted", deleted_by=AUTHOR_ID, deleted_days_ago=1),
    "deleted by its author long ago": post("deleted", deleted_by=AUTHOR_ID, deleted_days_ago=15),
    "removed by a moderator": post("deleted", deleted_by=MOD_ID, deleted_days_ago=1),
    "rejected": post("deleted", position=None, deleted_by=MOD_ID, deleted_days_ago=1),
}


def _values(viewer: str, state: str) -> list[str]:
    return [a.value for a in policy.moderation_actions_for(VIEWERS[viewer], STATES[state])]


# -- the queue's decisions ---------------------------------------------------------------------

ACTIONS = {
    "visible": ["keep", "hide", "delete"],
    "pending reply": ["keep", "delete"],  # approve, reject
    "pending first post": ["keep", "delete"],
    "hidden by flags": ["keep", "hide", "delete"],
    "hidden before approval": ["keep", "delete"],
    "deleted by its author": ["close"],
    "deleted by its author long ago": ["close"],
    "removed by a moderator": ["close"],
    "rejected": ["close"],
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", ["moderator", "admin"])
def test_moderators_get_the_decisions_the_state_offers(viewer, state):
    assert _values(viewer, state) == ACTIONS[state]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", ["visitor", "author", "member"])
def test_others_get_no_decisions(viewer, state):
    assert _values(viewer, state) == []


@pytest.mark.parametrize("state", ["pending reply", "pending first post"])
def test_a_waiting_post_is_approved_or_rejected_with_those_words(state):
    labels = [a.label for a in policy.moderation_actions_for(VIEWERS["moderator"], STATES[state])]
    assert labels == ["Approve", "Reject"]
    assert not policy.may_decide_on_post(VIEWERS["moderator"], STATES[state], "hide")


# -- restore and undo --------------------------------------------------------------------------

RESTORE = {
    "visible": False,
    "pending reply": False,
    "pending first post": False,
    "hidden by flags": True,
    "hidden before approval": False,
    "deleted by its author": False,
    "deleted by its author long ago": False,
    "removed by a moderator": True,
    "rejected": False,
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_may_restore_post(viewer, state):
    expected = RESTORE[state] and viewer in ("moderator", "admin")
    assert policy.may_restore_post(VIEWERS[viewer], STATES[state]) is expected


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_may_undo_delete(viewer, state):
    expected = viewer == "author" and state == "deleted by its author"
    assert policy.may_undo_delete(VIEWERS[viewer], STATES[state], NOW) is expected


def test_undo_lasts_exactly_14_days():
    deleted = post("deleted", deleted_by=AUTHOR_ID, deleted_days_ago=0)
    author = VIEWERS["author"]
    assert policy.may_undo_delete(author, deleted, NOW + timedelta(days=14, seconds=-1))
    assert not policy.may_undo_delete(author, deleted, NOW + timedelta(days=14))


def test_a_deletion_from_before_the_time_was_kept_cannot_be_undone():
    assert not policy.may_undo_delete(VIEWERS["author"], post("deleted", deleted_by=None), NOW)


# -- appeals and sanctions ---------------------------------------------------------------------


def sanction(about: int, by: int) -> SimpleNamespace:
    return SimpleNamespace(user_id=about, created_by_id=by)


SANCTIONS = {
    "on a member by the moderator": sanction(OTHER_ID, MOD_ID),
    "on the moderator by the admin": sanction(MOD_ID, ADMIN_ID),
    "on a member by the admin": sanction(OTHER_ID, ADMIN_ID),
}
APPEAL_DECIDERS = {
    "on a member by the moderator": {"admin"},
    "on the moderator by the admin": set(),  # neither the moderator it is about nor its imposer
    "on a member by the admin": {"moderator"},
}


@pytest.mark.parametrize("which", SANCTIONS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_may_appeal(viewer, which):
    expected = VIEWERS[viewer].id == SANCTIONS[which].user_id
    assert policy.may_appeal(VIEWERS[viewer], SANCTIONS[which]) is expected


@pytest.mark.parametrize("which", SANCTIONS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_may_decide_appeal(viewer, which):
    expected = viewer in APPEAL_DECIDERS[which]
    assert policy.may_decide_appeal(VIEWERS[viewer], SANCTIONS[which]) is expected


MEMBERS = {
    "author": person(AUTHOR_ID),
    "moderator": person(MOD_ID, "moderator"),
    "admin": person(ADMIN_ID, "admin"),
    "another moderator": person(OTHER_ID, "moderator"),
}
MAY_SANCTION = {
    # viewer -> whom they may sanction
    "visitor": set(),
    "author": set(),
    "member": set(),
    "moderator": {"author"},
    "admin": {"author", "moderator", "another moderator"},
}


@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "silenced author"])
def test_may_sanction(viewer, member):
    expected = member in MAY_SANCTION[viewer]
    assert policy.may_sanction(VIEWERS[viewer], MEMBERS[member]) is expected
