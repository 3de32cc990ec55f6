"""Who may leave an experience report out of the figures, see that, appeal and decide the
appeal, as tables. Pure: plain objects, no database, no HTTP."""

from types import SimpleNamespace

import pytest

from forum.policy import reports as policy
from forum.reports.models import ReportExclusion
from tests.conftest import POLICY_AUTHOR_ID, POLICY_MODERATOR_ID, POLICY_VIEWERS, policy_viewer

VIEWERS = POLICY_VIEWERS
STAFF = {"moderator", "admin"}
ADMIN_ID = 8


def report(author_id: int | None = POLICY_AUTHOR_ID) -> SimpleNamespace:
    return SimpleNamespace(author_id=author_id)


def exclusion(by: int = POLICY_MODERATOR_ID, **state) -> ReportExclusion:
    return ReportExclusion(report_id=1, moderator_id=by, reason="Copied story.", **state)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_moderators_exclude_a_report_no_exclusion_of_which_stands(viewer):
    may = policy.may_exclude_report(policy_viewer(viewer), report())
    assert may is (viewer in STAFF)
    # Excluded already: nobody excludes it twice; the refusal says why.
    assert not policy.may_exclude_report(policy_viewer(viewer), report(), exclusion())
    if viewer in STAFF:
        refusal = policy.exclusion_refusal(policy_viewer(viewer), report(), exclusion())
        assert refusal == "This report is already left out of the figures."


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_author_and_moderators_see_an_exclusion(viewer):
    expected = viewer in STAFF | {"author"}
    assert policy.may_see_exclusion(policy_viewer(viewer), report()) is expected
    # An erased author's report (kept as bare answers): the moderators only.
    assert policy.may_see_exclusion(policy_viewer(viewer), report(None)) is (viewer in STAFF)


APPEALS = {
    # state of the exclusion -> whether its author may appeal it
    "standing": ({}, True),
    "appealed": ({"appealed_at": "2026-01-02"}, False),  # once
    "upheld": ({"appealed_at": "2026-01-02", "decision": "upheld"}, False),
    "overturned": ({"appealed_at": "2026-01-02", "decision": "overturned"}, False),
}


@pytest.mark.parametrize("state", APPEALS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_the_author_appeals_once(viewer, state):
    values, author_may = APPEALS[state]
    expected = author_may and viewer == "author"
    may = policy.may_appeal_exclusion(policy_viewer(viewer), report(), exclusion(**values))
    assert may is expected


EXCLUSIONS = {
    "of a member's report, by the moderator": (report(), exclusion(POLICY_MODERATOR_ID)),
    "of a member's report, by the admin": (report(), exclusion(ADMIN_ID)),
    "of the moderator's report, by the admin": (report(POLICY_MODERATOR_ID), exclusion(ADMIN_ID)),
}
DECIDERS = {
    "of a member's report, by the moderator": {"admin"},
    "of a member's report, by the admin": {"moderator"},
    "of the moderator's report, by the admin": set(),  # neither its author nor who excluded it
}


@pytest.mark.parametrize("which", EXCLUSIONS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_another_moderator_decides_the_appeal(viewer, which):
    the_report, the_exclusion = EXCLUSIONS[which]
    expected = viewer in DECIDERS[which]
    may = policy.may_decide_exclusion_appeal(policy_viewer(viewer), the_report, the_exclusion)
    assert may is expected


def test_the_refusals_say_why():
    moderator, admin = policy_viewer("moderator"), policy_viewer("admin")
    assert policy.exclusion_appeal_refusal(moderator, report(), exclusion()) == (
        "Another moderator must decide an appeal against your own exclusion."
    )
    assert policy.exclusion_appeal_refusal(
        moderator, report(POLICY_MODERATOR_ID), exclusion(ADMIN_ID)
    ) == ("This is your own report: another moderator decides your appeal.")
    assert policy.exclusion_appeal_refusal(admin, report(), exclusion()) is None
    assert policy.exclusion_appeal_refusal(policy_viewer("member"), report(), exclusion()) == (
        "Only moderators can do that."
    )
