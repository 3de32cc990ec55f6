"""Who may block whom (forum/policy/blocks.py), for every kind of viewer and member, and
what the thread page's presenter makes of the blocks it is given. Pure: no database."""

import pytest

from forum.accounts.models import User
from forum.policy import blocks as policy
from forum.threads.presenters import present_post
from tests.conftest import POLICY_AUTHOR_ID, policy_viewer, post_in_state


def _member(role: str, user_id: int = 42) -> User:
    return User(id=user_id, display_name=f"{role}-{user_id}", role=role)


# viewer -> (may block a member, may block a moderator, may block an admin)
TABLE = {
    "visitor": (False, False, False),
    "anonymous": (False, False, False),
    "new_member": (True, False, False),
    "member": (True, False, False),
    "silenced": (True, False, False),  # a block publishes nothing
    "moderator": (False, False, False),
    "admin": (False, False, False),
}


@pytest.mark.parametrize("viewer", TABLE)
def test_who_may_block_whom(viewer):
    who = policy_viewer(viewer)
    expected = TABLE[viewer]
    got = tuple(policy.may_block(who, _member(role)) for role in ("member", "moderator", "admin"))
    assert got == expected


def test_the_refusals_say_why_in_plain_words():
    member = policy_viewer("member")
    assert policy.block_refusal(None, _member("member")) == "Please sign in first."
    assert policy.block_refusal(member, member) == "You cannot block yourself."
    assert "cannot be blocked" in policy.block_refusal(member, _member("moderator"))
    assert "do not block" in policy.block_refusal(policy_viewer("moderator"), _member("member"))


def test_blocks_change_nothing_a_moderator_is_shown():
    assert policy.block_applies(policy_viewer("member"))
    assert not policy.block_applies(policy_viewer("moderator"))
    assert not policy.block_applies(policy_viewer("admin"))
    assert not policy.block_applies(None)


def test_a_post_by_a_blocked_member_is_folded_and_only_when_its_text_shows():
    post = post_in_state("public")
    member = policy_viewer("member")
    assert present_post(member, post, post.thread, blocked={post.id}).folded
    assert not present_post(member, post, post.thread).folded
    hidden = post_in_state("deleted_author")
    assert not present_post(member, hidden, hidden.thread, blocked={hidden.id}).folded


def test_no_quote_is_offered_on_a_post_whose_author_blocked_the_viewer():
    post = post_in_state("public")
    member = policy_viewer("member")
    assert present_post(member, post, post.thread).quote
    view = present_post(member, post, post.thread, unquotable={post.id})
    assert not view.quote
    assert view.edit is False and view.flag == present_post(member, post, post.thread).flag
    assert post.author_id == POLICY_AUTHOR_ID
