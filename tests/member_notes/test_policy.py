"""The notes' rules, on plain objects: who reads, who writes about whom, who corrects what
and until when."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from forum.policy import member_notes as policy
from tests.conftest import POLICY_AUTHOR_ID as MEMBER_ID
from tests.conftest import POLICY_MODERATOR_ID as WRITER_ID
from tests.conftest import policy_viewer

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _note(hours_ago: float, author_id: int = WRITER_ID):
    return SimpleNamespace(
        author_id=author_id, member_id=MEMBER_ID, created_at=NOW - timedelta(hours=hours_ago)
    )


@pytest.mark.parametrize(
    ("viewer", "reads"),
    [
        ("visitor", False),
        ("anonymous", False),
        ("member", False),
        ("author", False),  # the member the notes are about reads them in their export only
        ("silenced", False),
        ("moderator", True),
        ("admin", True),
    ],
)
def test_only_moderators_and_admins_read_notes(viewer, reads):
    assert policy.may_read_notes(policy_viewer(viewer)) is reads


def test_moderators_write_about_others_never_about_themselves():
    moderator = policy_viewer("moderator")
    member = SimpleNamespace(id=MEMBER_ID)
    assert policy.may_write_note(moderator, member)
    assert policy.may_write_note(policy_viewer("admin"), member)
    assert policy.note_refusal(moderator, SimpleNamespace(id=moderator.id)) == (
        "Other moderators keep the notes about you."
    )
    for viewer in ("visitor", "member", "author"):
        assert policy.note_refusal(policy_viewer(viewer), member) == policy.MODERATORS_ONLY


def test_the_writer_corrects_a_note_for_24_hours_then_it_is_fixed():
    moderator = policy_viewer("moderator")
    assert policy.EDIT_PERIOD == timedelta(hours=24)
    assert policy.may_edit_note(moderator, _note(hours_ago=0), NOW)
    assert policy.may_edit_note(moderator, _note(hours_ago=23.99), NOW)
    refusal = policy.edit_refusal(moderator, _note(hours_ago=24), NOW)
    assert refusal and "part of the record" in refusal
    assert not policy.may_edit_note(moderator, _note(hours_ago=100), NOW)
    assert policy.edit_ends_at(_note(hours_ago=1)) == NOW + timedelta(hours=23)


def test_nobody_but_the_writer_corrects_a_note():
    note = _note(hours_ago=1, author_id=99)
    refusal = policy.edit_refusal(policy_viewer("moderator"), note, NOW)
    assert refusal and refusal.startswith("Only the moderator who wrote a note")
    assert not policy.may_edit_note(policy_viewer("admin"), note, NOW)
    for viewer in ("visitor", "member", "author"):
        assert policy.edit_refusal(policy_viewer(viewer), note, NOW) == policy.MODERATORS_ONLY


def test_the_policy_offers_no_way_to_delete_a_note():
    assert not [name for name in dir(policy) if "delete" in name or "remove" in name]
