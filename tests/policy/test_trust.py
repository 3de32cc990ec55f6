"""forum/policy/trust.py, without HTTP: which level a member's time here and record give,
a level set by hand, and what each level allows."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from forum.accounts.models import TrustLevel
from forum.extensions import utcnow
from forum.policy import trust

NOW = utcnow()
NEW, MEMBER, ESTABLISHED = TrustLevel.NEW, TrustLevel.MEMBER, TrustLevel.ESTABLISHED


def person(days: float, posts: int, strike_days: float | None = None, role="member", override=None):
    return SimpleNamespace(
        is_authenticated=True,
        id=1,
        role=role,
        created_at=NOW - timedelta(days=days),
        post_count=posts,
        last_strike_at=None if strike_days is None else NOW - timedelta(days=strike_days),
        trust_level_override=override,
    )


LEVELS = {
    "joined today": (person(0, 0), NEW),
    "six days, posts approved": (person(6.9, 5), NEW),
    "a month, nothing approved yet": (person(30, 0), NEW),
    "a week and a post": (person(7, 1), MEMBER),
    "59 days, 50 posts": (person(59.9, 50), MEMBER),
    "60 days, 9 posts": (person(60, 9), MEMBER),
    "60 days, 10 posts": (person(60, 10), ESTABLISHED),
    "established, flag upheld 59 days ago": (person(400, 80, strike_days=59), MEMBER),
    "established, strike 60 days ago": (person(400, 80, strike_days=60), ESTABLISHED),
    "a moderator who joined today": (person(0, 0, role="moderator"), ESTABLISHED),
    "an admin": (person(0, 0, role="admin"), ESTABLISHED),
}


@pytest.mark.parametrize("who", LEVELS)
def test_the_level_follows_time_here_and_record(who):
    member, level = LEVELS[who]
    assert trust.computed_level(member, NOW) is level
    assert trust.trust_level(member, NOW) is level


def test_a_level_set_by_hand_wins_over_the_computed_one():
    veteran = person(400, 80, override="new")
    assert trust.computed_level(veteran, NOW) is ESTABLISHED
    assert trust.trust_level(veteran, NOW) is NEW
    assert trust.trust_level(person(0, 0, override="established"), NOW) is ESTABLISHED


def test_what_each_level_allows(app):
    with app.test_request_context():
        new, member, established = person(1, 0), person(10, 2), person(90, 20)
        assert trust.link_limit(new) == app.config["NEW_MEMBER_LINK_LIMIT"]
        assert trust.link_limit(member) is None and trust.link_limit(established) is None
        assert [trust.flag_weight(p) for p in (new, member, established)] == [1, 1, 2]
        assert not trust.may_start_conversations(new)
        assert trust.may_start_conversations(member) and trust.may_start_conversations(established)
        assert not trust.may_start_conversations(SimpleNamespace(is_authenticated=False))


def test_only_moderators_set_levels_and_never_a_moderators():
    moderator, member = person(9, 9, role="moderator"), person(9, 9)
    assert trust.may_set_trust_level(moderator, member)
    assert not trust.may_set_trust_level(member, person(9, 9))
    assert not trust.may_set_trust_level(moderator, person(9, 9, role="admin"))


def test_the_guidelines_table_reads_the_settings(make_app):
    app = make_app(NEW_MEMBER_LINK_LIMIT=3, RATELIMIT_POSTS_NEW="2 per minute;20 per day")
    with app.app_context():
        rows = {row.level: row for row in trust.describe_levels()}
    assert rows[NEW].links == "At most 3 a post"
    assert rows[NEW].replies == "2 a minute, 20 a day"
    assert rows[ESTABLISHED].flags == "Counts twice" and rows[MEMBER].flags == "Counts once"
    assert rows[MEMBER].links == "No limit"
