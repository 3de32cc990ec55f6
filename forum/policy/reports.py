"""Who may leave an experience report out of its treatment's figures, see that it was left
out, appeal, and decide the appeal.

A moderator excludes a report (a burst of new accounts, a copied story, an undeclared tie)
with a reason; only while no exclusion of it stands (an overturned one no longer does, so
the report may be excluded again, as a new decision). The exclusion is for its author and
the moderators to see, nobody else: the published figures show no single report.

As for sanctions (forum/policy/moderation.py), the author appeals once per exclusion and
neither the moderator who excluded it nor the report's author decides the appeal.

Every function is pure: it reads the objects it is given."""

from forum.policy.viewer import is_moderator, is_self


def exclusion_refusal(viewer, report, standing) -> str | None:
    """Why `viewer` may not exclude `report`, or None if they may. `standing` is the
    report's exclusion that still stands, if any."""
    if not is_moderator(viewer):
        return "Only moderators can do that."
    if standing is not None:
        return "This report is already left out of the figures."
    return None


def may_exclude_report(viewer, report, standing=None) -> bool:
    return exclusion_refusal(viewer, report, standing) is None


def may_see_exclusion(viewer, report) -> bool:
    """A report's exclusion (and its appeal) is shown to its author and the moderators."""
    return is_moderator(viewer) or is_self(viewer, report.author_id)


def owns_report(viewer, report) -> bool:
    """The report's author: the only one for whom there is an appeal to send."""
    return is_self(viewer, report.author_id)


def may_appeal_exclusion(viewer, report, exclusion) -> bool:
    """The report's author appeals an exclusion that stands, once; to anyone else there
    is nothing to appeal."""
    return (
        is_self(viewer, report.author_id)
        and exclusion.stands
        and exclusion.decision is None
        and exclusion.appealed_at is None
    )


def exclusion_appeal_refusal(viewer, report, exclusion) -> str | None:
    """Why `viewer` may not decide the appeal against `exclusion` of `report`, or None if
    they may: a moderator other than the one who excluded it and the report's author.
    (Whether it is still open is the service's business: two moderators may race.)"""
    if not is_moderator(viewer):
        return "Only moderators can do that."
    if is_self(viewer, report.author_id):
        return "This is your own report: another moderator decides your appeal."
    if exclusion.moderator_id == viewer.id:
        return "Another moderator must decide an appeal against your own exclusion."
    return None


def may_decide_exclusion_appeal(viewer, report, exclusion) -> bool:
    return exclusion_appeal_refusal(viewer, report, exclusion) is None

