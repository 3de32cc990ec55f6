"""forum/policy/accounts.py, without HTTP: who may change the name and declared interest
shown on their posts, and which posts a profile counts for whom."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from forum.errors import NotAllowed
from forum.extensions import utcnow
from forum.policy import accounts as policy

NOW = utcnow()


def person(**restrictions) -> SimpleNamespace:
    return SimpleNamespace(
        is_authenticated=True,
        id=1,
        role="member",
        banned_at=restrictions.get("banned_at"),
        suspended_until=restrictions.get("suspended_until"),
        silenced_until=restrictions.get("silenced_until"),
    )


MEMBERS = {
    "member": (person(), True),
    "silence that ended": (person(silenced_until=NOW - timedelta(minutes=1)), True),
    "silenced": (person(silenced_until=NOW + timedelta(days=1)), False),
    "suspended": (person(suspended_until=NOW + timedelta(days=1)), False),
    "banned": (person(banned_at=NOW - timedelta(days=1)), False),
    "visitor": (SimpleNamespace(is_authenticated=False), False),
}


@pytest.mark.parametrize("who", MEMBERS)
def test_who_may_change_name_or_interest(who):
    user, allowed = MEMBERS[who]
    assert policy.may_change_name_or_interest(user, NOW) is allowed
    if allowed:
        policy.check_may_change_name_or_interest(user, NOW)
    else:
        with pytest.raises(NotAllowed):
            policy.check_may_change_name_or_interest(user, NOW)


def _sql(expression) -> str:
    return str(expression.compile(compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize(
    "viewer, members_only_counted",
    [
        (None, False),
        (SimpleNamespace(is_authenticated=False), False),
        (person(), True),
    ],
)
def test_a_profile_counts_visible_posts_in_threads_the_viewer_may_read(
    viewer, members_only_counted
):
    sql = _sql(policy.profile_posts_readable_by(viewer, 7))

    assert "posts.author_id = 7" in sql
    assert "posts.state = 'visible'" in sql
    assert "threads.is_hidden" in sql  # never a thread awaiting approval
    assert ("threads.visibility = 'public'" not in sql) is members_only_counted
    assert isinstance(policy.profile_posts_readable_by(viewer, 7), sa.ColumnElement)


@pytest.mark.parametrize(
    "viewer, hidden_history, listed",
    [
        (None, False, True),
        (None, True, False),
        (SimpleNamespace(is_authenticated=False), True, False),
        (person(), True, True),
        (person(), False, True),
    ],
)
def test_a_hidden_history_lists_posts_and_treatment_path_for_members_only(
    viewer, hidden_history, listed
):
    member = SimpleNamespace(hide_history=hidden_history)
    assert policy.profile_lists_posts_for(viewer, member) is listed
