"""Every thread and post rule, as a table: for each state of a post (and its thread), the
viewers the rule allows. Pure: plain model instances, no database, no HTTP."""

from datetime import timedelta

import pytest

from forum.extensions import utcnow
from forum.policy import threads as policy
from tests.conftest import POLICY_STATES, POLICY_VIEWERS, policy_viewer, post_in_state

VIEWERS, STATES = POLICY_VIEWERS, POLICY_STATES

# Shorthands for the expected sets.
EVERYONE = set(VIEWERS)
MEMBERS = EVERYONE - {"visitor", "anonymous"}
PUBLISHERS = MEMBERS - {"silenced"}
STAFF = {"moderator", "admin"}
AUTHOR_AND_STAFF = STAFF | {"author"}
NOBODY: set[str] = set()


def _table(default: set[str], **by_state: set[str]) -> dict[str, set[str]]:
    assert set(by_state) <= set(STATES), set(by_state) - set(STATES)
    return {state: by_state.get(state, default) for state in STATES}


UNSEEN_THREAD = {"pending_thread": AUTHOR_AND_STAFF, "rejected_thread": AUTHOR_AND_STAFF}
NOT_VISIBLE = {
    state: NOBODY
    for state in STATES
    if state not in ("public", "opening", "members", "locked", "moved")
}

# rule -> (what it is asked about, {state: viewers allowed})
RULES = {
    "may_see_thread": ("thread", _table(EVERYONE, **UNSEEN_THREAD)),
    "may_read_posts": ("thread", _table(EVERYONE, members=MEMBERS, **UNSEEN_THREAD)),
    "may_reply": (
        "thread",
        _table(PUBLISHERS, locked=NOBODY, pending_thread=NOBODY, rejected_thread=NOBODY),
    ),
    "may_change_visibility": ("thread", _table(AUTHOR_AND_STAFF)),
    "may_see_post": (
        "post",
        _table(
            EVERYONE,
            pending_reply=AUTHOR_AND_STAFF,
            rejected_reply=AUTHOR_AND_STAFF,
            **UNSEEN_THREAD,
        ),
    ),
    "may_see_post_body": (
        "post",
        _table(
            EVERYONE,
            members=MEMBERS,
            pending_thread=AUTHOR_AND_STAFF,
            pending_reply=AUTHOR_AND_STAFF,
            hidden_flags=AUTHOR_AND_STAFF,
            hidden_mod=AUTHOR_AND_STAFF,
            rejected_thread=NOBODY,
            rejected_reply=NOBODY,
            deleted_mod=NOBODY,
            deleted_author=NOBODY,
        ),
    ),
    "may_see_history": ("post", _table(EVERYONE, members=MEMBERS, **NOT_VISIBLE)),
    "may_quote": ("post", _table(PUBLISHERS, locked=NOBODY, **NOT_VISIBLE)),
    "may_edit_post": (
        "post",
        _table(
            {"author"} | STAFF,
            **{
                **NOT_VISIBLE,
                "pending_thread": {"author"},
                "pending_reply": {"author"},
                "hidden_flags": STAFF,
                "hidden_mod": STAFF,
            },
        ),
    ),
    "may_delete_post": ("post", _table({"author"}, **NOT_VISIBLE)),
    "may_flag_post": ("post", _table(PUBLISHERS - {"author"}, **NOT_VISIBLE)),
    "may_add_report": (
        "post",
        {
            state: {"author"} if state in ("opening", "pending_thread") else NOBODY
            for state in STATES
        },
    ),
    "may_update_report": (
        "post",
        _table(
            {"author"},
            **{s: NOBODY for s in STATES if s.startswith(("rejected", "hidden", "deleted"))},
        ),
    ),
    # Answering "Is it still working?" is updating the report: the same rows.
    "may_follow_up_report": (
        "post",
        _table(
            {"author"},
            **{s: NOBODY for s in STATES if s.startswith(("rejected", "hidden", "deleted"))},
        ),
    ),
}

CASES = [
    pytest.param(rule, state, viewer, id=f"{rule}-{state}-{viewer}")
    for rule in RULES
    for state in STATES
    for viewer in VIEWERS
]


SANCTIONS_ASIDE = (
    "may_edit_post",
    "may_add_report",
    "may_update_report",
    "may_follow_up_report",
)


@pytest.mark.parametrize("rule", SANCTIONS_ASIDE)
@pytest.mark.parametrize("state", STATES)
def test_sanctions_aside_says_whose_it_is(rule, state):
    """Whose post (or report) it is does not change with a sanction; only publishing does."""
    author = policy_viewer("author")
    expected = getattr(policy, rule)(author, post_in_state(state))
    author.silenced_until = utcnow() + timedelta(days=1)
    post = post_in_state(state)
    assert getattr(policy, rule)(author, post) is False
    assert getattr(policy, rule)(author, post, sanctions_aside=True) is expected


@pytest.mark.parametrize(("rule", "state", "viewer"), CASES)
def test_rule(rule, state, viewer):
    about, table = RULES[rule]
    post = post_in_state(state)
    subject = post.thread if about == "thread" else post
    allowed = getattr(policy, rule)(policy_viewer(viewer), subject)
    assert allowed is (viewer in table[state]), f"{rule}({viewer}, {state})"


def test_the_table_covers_every_rule_on_threads_and_posts():
    rules = {
        name
        for name, rule in vars(policy).items()
        if name.startswith("may_") and rule.__module__ == policy.__name__
    }
    assert rules == set(RULES)


# Why an edit is refused, in the words the member reads: (state, viewer) -> a phrase of it.
EDIT_REFUSALS = {
    ("public", "member"): "You can only edit your own posts.",
    ("public", "silenced"): "You can only edit your own posts.",
    ("pending_thread", "moderator"): "can only be approved or rejected",
    ("pending_reply", "admin"): "can only be approved or rejected",
    ("hidden_flags", "author"): "until a moderator reviews its flags",
    ("hidden_mod", "author"): "A moderator hid this post",
    ("deleted_author", "author"): "You deleted this post",
    ("deleted_author", "moderator"): "deleted by its author",
    ("deleted_mod", "author"): "A moderator removed this post",
    ("deleted_mod", "moderator"): "A moderator removed this post",
    ("rejected_thread", "author"): "A moderator did not approve this post",
    ("rejected_reply", "moderator"): "A moderator did not approve this post",
}


@pytest.mark.parametrize(("state", "viewer"), EDIT_REFUSALS)
def test_an_edit_refusal_says_why(state, viewer):
    refusal = policy.edit_refusal(policy_viewer(viewer), post_in_state(state))
    assert refusal is not None and EDIT_REFUSALS[state, viewer] in refusal


def test_a_sanctioned_author_is_told_of_the_sanction():
    author = policy_viewer("author")
    author.silenced_until = utcnow() + timedelta(days=1)
    for state in ("public", "pending_reply"):
        assert policy.edit_refusal(author, post_in_state(state)).startswith("You are silenced")
        assert policy.edit_refusal(author, post_in_state(state), sanctions_aside=True) is None
