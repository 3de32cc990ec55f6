"""Experience reports: filing one with a new thread, attaching one to a thread's first
post, and updating it with its history kept."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.boards.models import Board
from forum.drafts.models import Draft
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.policy import threads as policy
from forum.policy.viewer import check_can_participate
from forum.reports import releases, vocab
from forum.reports.models import ANSWER_FIELDS, ExperienceReport, ReportRevision
from forum.threads.models import Post
from forum.threads.services import create_thread, get_post_or_404

DISCLOSURE_MAX = 300
# How far (in percentage points) a member's own estimate of relief may stand from the
# change their pain scores give before they are asked to confirm both.
ESTIMATE_GAP_MAX = 20


class DuplicateReport(DomainError):
    """The member already reported this treatment episode: `post_id` is the post that
    carries that report, which they can update instead."""

    def __init__(self, message: str, field: str | None, post_id: int):
        super().__init__(message, field)
        self.post_id = post_id


class EstimateDiffers(DomainError):
    """The stated relief and the change in the pain scores disagree: the form asks the
    member to confirm both (confirmed_estimate) rather than refusing them."""


# -- reading ---------------------------------------------------------------------------


def list_treatments() -> list[Board]:
    """The boards a report can be about, in listing order."""
    return list(
        db.session.scalars(
            sa.select(Board).where(Board.family.is_not(None)).order_by(Board.position, Board.id)
        )
    )


def get_report_post_or_404(post_id: int) -> Post:
    """A post with its report (and the report's treatment) loaded; 404 without a report."""
    post = get_post_or_404(post_id)
    if post.report is None:
        raise NotFound()
    return post


COMPARE_MAX = 3


def choose_for_comparison(treatments: list[Board], slugs: list[str]) -> list[Board]:
    """The treatments named for a comparison, in the order given (duplicates dropped)."""
    by_slug = {board.slug: board for board in treatments}
    slugs = list(dict.fromkeys(slugs))
    if unknown := [slug for slug in slugs if slug not in by_slug]:
        raise DomainError(f"There is no treatment board called “{unknown[0]}”.", "boards")
    if len(slugs) > COMPARE_MAX:
        raise DomainError(f"Compare at most {COMPARE_MAX} treatments at a time.", "boards")
    return [by_slug[slug] for slug in slugs]


@dataclass(frozen=True)
class ReportVersion:
    number: int
    answers: dict
    treatment: Board
    written_at: datetime
    is_current: bool


def list_report_versions(report: ExperienceReport) -> list[ReportVersion]:
    """Every version of a report's answers, newest first."""
    revisions = db.session.scalars(
        sa.select(ReportRevision)
        .where(ReportRevision.report_id == report.id)
        .order_by(ReportRevision.id)
    ).all()
    boards = {b.id: b for b in db.session.scalars(sa.select(Board))}
    versions = [
        ReportVersion(n, rev.answers, boards[rev.answers["board_id"]], rev.written_at, False)
        for n, rev in enumerate(revisions, start=1)
    ]
    versions.append(
        ReportVersion(
            len(revisions) + 1,
            report.answers(),
            report.board,
            report.updated_at or report.created_at,
            True,
        )
    )
    return versions[::-1]


# -- writing ---------------------------------------------------------------------------


def file_report(
    author: User,
    board: Board,
    title: str,
    body: str,
    answers: dict,
    submission_key: str | None = None,
    *,
    visibility: str,
    confirmed_estimate: bool = False,
    draft: Draft | None = None,
) -> Post:
    """Start a thread on `board` whose first post carries an experience report.

    The thread and the report are one transaction: neither exists without the other.
    `visibility` is the thread's (see create_thread); a members-only report still counts
    in the treatment's outcomes, which show no single report. Submitting the same form
    twice returns the first post again. A second report of the same episode (same
    treatment, same month) is refused: DuplicateReport names the one to update. A stored
    `draft` the report was written in is deleted in the same transaction."""
    check_can_participate(author)
    answers = clean_answers(answers, confirmed_estimate=confirmed_estimate)
    check_one_report_per_episode(author, answers, submission_key=submission_key)
    post = create_thread(
        author, board, title, body, submission_key, visibility=visibility, commit=False
    )
    if _has_report(post.id):  # the same form, submitted again
        return post
    db.session.add(ExperienceReport(post_id=post.id, author_id=author.id, **answers))
    if draft is not None and draft.id is not None:
        db.session.delete(draft)
    db.session.commit()
    releases.refresh_boards({answers["board_id"]})
    return get_post_or_404(post.id)


def add_report(
    author: User, post: Post, answers: dict, *, confirmed_estimate: bool = False
) -> ExperienceReport:
    """Attach a report to the first post of a thread the member started (not a second
    report of an episode they already reported: DuplicateReport)."""
    check_can_participate(author)
    if not policy.may_add_report(author, post):
        raise NotAllowed("Only the member who started a thread can add its experience report.")
    answers = clean_answers(answers, confirmed_estimate=confirmed_estimate)
    check_one_report_per_episode(author, answers, post_id=post.id)
    report = ExperienceReport(post_id=post.id, author_id=author.id, **answers)
    db.session.add(report)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("This thread already has an experience report; update it instead.") from None
    releases.refresh_boards({report.board_id})
    return report


def update_report(
    author: User,
    report: ExperienceReport,
    answers: dict,
    version: int,
    *,
    confirmed_estimate: bool = False,
) -> ExperienceReport:
    """Replace a report's answers (e.g. "the relief wore off at seven months"), keeping
    the previous answers as a revision. `version` is the one the member started from.
    Moving the report onto another episode the member reported is refused
    (DuplicateReport)."""
    check_report_update(author, report, version)
    boards = revise_report(author, report, answers, confirmed_estimate=confirmed_estimate)
    db.session.commit()
    releases.refresh_boards(boards)
    return report


def check_report_update(author: User, report: ExperienceReport, version: int) -> None:
    """Refuse an update by anyone but the report's author, by a member who may not publish,
    or from a version of the report that is no longer current."""
    if report.author_id != author.id:
        raise NotAllowed("Only its author can update an experience report.")
    check_can_participate(author)
    if version != report.version:
        raise Conflict(
            "This report was updated since you opened it. Your answers are below; check "
            "the current report before saving again."
        )


def revise_report(
    author: User, report: ExperienceReport, answers: dict, *, confirmed_estimate: bool = False
) -> set[int]:
    """The core of every update (the full form, a follow-up's answer): check the answers,
    keep the current ones as a revision, write the new ones and move the version on. In
    the caller's transaction, after check_report_update. Returns the treatments whose
    outcomes to refresh once it is committed (releases.refresh_boards).

    A relief estimate and pain scores left as they were were confirmed when given."""
    estimate = ("percent_relief", "pain_before", "pain_best")
    unchanged = all(answers.get(name) == getattr(report, name) for name in estimate)
    answers = clean_answers(answers, confirmed_estimate=confirmed_estimate or unchanged)
    episode = ("board_id", "procedure_year", "procedure_month")
    if any(answers[name] != getattr(report, name) for name in episode):
        check_one_report_per_episode(author, answers, report=report)
    boards = {report.board_id, answers["board_id"]}
    db.session.add(
        ReportRevision(
            report_id=report.id,
            answers=report.answers(),
            written_at=report.updated_at or report.created_at,
        )
    )
    for name, value in answers.items():
        setattr(report, name, value)
    report.updated_at = utcnow()
    report.version = report.version + 1
    return boards


def _episode_month(year: int | None, month: int | None, filed_at: datetime) -> tuple[int, int]:
    """The month a report's episode is in: its procedure's, else the month it was filed."""
    if year is not None and month is not None:
        return year, month
    return filed_at.year, filed_at.month


def check_one_report_per_episode(
    author: User,
    answers: dict,
    report: ExperienceReport | None = None,
    submission_key: str | None = None,
    post_id: int | None = None,
) -> None:
    """One report per member per treatment episode: refuse `answers` (cleaned) when the
    member already has a report on the same treatment in the same month (the procedure's
    month, else the month the report was filed). `report` is the one being updated (not a
    duplicate of itself); `submission_key`, a form sent again, whose thread file_report
    returns as it is; `post_id`, the post a report is being added to (a second report
    on it is add_report's Conflict). Raises DuplicateReport with the post to update
    instead.

    A check, not a constraint: two forms sent at the same instant could both pass, which
    the moderators' integrity page (integrity.find_repeat_reporters) still shows."""
    filed_at = report.created_at if report is not None else utcnow()
    wanted = _episode_month(answers["procedure_year"], answers["procedure_month"], filed_at)
    query = (
        sa.select(
            ExperienceReport.post_id,
            ExperienceReport.procedure_year,
            ExperienceReport.procedure_month,
            ExperienceReport.created_at,
            Post.submission_key,
        )
        .join(Post, Post.id == ExperienceReport.post_id)
        .where(
            ExperienceReport.author_id == author.id,
            ExperienceReport.board_id == answers["board_id"],
        )
    )
    if report is not None:
        query = query.where(ExperienceReport.id != report.id)
    if post_id is not None:
        query = query.where(ExperienceReport.post_id != post_id)
    for other_post_id, year, month, created_at, key in db.session.execute(query):
        if submission_key is not None and key == submission_key:
            continue  # the same form, submitted again
        if _episode_month(year, month, created_at) == wanted:
            dated = answers["procedure_year"] is not None
            when = "that month" if dated else "this month"
            raise DuplicateReport(
                f"You already reported this treatment for {when}. One report per "
                "treatment episode keeps the figures fair: please update that report "
                "instead (say, when the relief wore off).",
                "procedure_year" if dated else "treatment",
                other_post_id,
            )


def _has_report(post_id: int) -> bool:
    query = sa.select(ExperienceReport.id).where(ExperienceReport.post_id == post_id)
    return db.session.scalar(query) is not None


# -- validation ------------------------------------------------------------------------


def computed_relief(pain_before: int, pain_best: int) -> int | None:
    """The change in pain, before to best, in percent (negative when it got worse); None
    without pain to fall (0 before)."""
    if not pain_before:
        return None
    return round(100 * (pain_before - pain_best) / pain_before)


def check_relief_estimate(pain_before: int, pain_best: int, percent_relief: int | None) -> None:
    """The member's own estimate of relief and the change their pain scores give should
    tell the same story: more than ESTIMATE_GAP_MAX points apart, one of them is likely a
    slip (EstimateDiffers), unless the member confirms both. Pain that got worse counts as
    no relief: an estimate of 0 beside it is consistent."""
    computed = computed_relief(pain_before, pain_best)
    if computed is None or percent_relief is None:
        return
    if abs(percent_relief - max(computed, 0)) > ESTIMATE_GAP_MAX:
        raise EstimateDiffers(
            f"You estimated {percent_relief}% relief, but pain from {pain_before} to "
            f"{pain_best} is {computed}% less pain. Please check both. If both are right "
            "(the scores and your estimate can measure different things), tick the box "
            "below and save again.",
            "percent_relief",
        )


def clean_answers(
    answers: dict, today: date | None = None, *, confirmed_estimate: bool = False
) -> dict:
    """Check every answer; returns them ready to store, or raises DomainError naming the
    field. Numbers out of range are refused, never clamped. A relief estimate far from the
    change in the pain scores is refused (EstimateDiffers) unless `confirmed_estimate`."""
    today = today or utcnow().date()
    treatment = answers.get("treatment")
    if treatment is None or not treatment.takes_reports:
        raise DomainError("Please choose the treatment this report is about.", "treatment")
    clean = {name: answers.get(name) for name in ANSWER_FIELDS if name != "board_id"}
    clean["board_id"] = treatment.id

    for name, label in (("pain_before", "Pain before"), ("pain_best", "Pain at best effect")):
        if clean[name] is None:
            raise DomainError(f"{label} is required: a number from 0 to 10.", name)
    if clean["pgic"] not in vocab.PGIC:
        raise DomainError("Please choose how your pain changed overall.", "pgic")
    for name, (low, high) in vocab.RANGES.items():
        value = clean[name]
        if value is not None and not low <= value <= high:
            raise DomainError(f"Please give a whole number from {low} to {high}.", name)
    if not confirmed_estimate:
        check_relief_estimate(clean["pain_before"], clean["pain_best"], clean["percent_relief"])

    if (clean["procedure_year"] is None) != (clean["procedure_month"] is None):
        raise DomainError("Please give both the month and the year, or neither.", "procedure_year")
    if clean["procedure_year"] is not None and (
        (clean["procedure_year"], clean["procedure_month"]) > (today.year, today.month)
    ):
        raise DomainError("The procedure date is in the future.", "procedure_year")

    for name, allowed in vocab.OPTIONAL_CHOICES.items():
        clean[name] = clean[name] or None
        if clean[name] is not None and clean[name] not in allowed:
            raise DomainError("Please choose one of the listed answers.", name)
    if clean["trial_result"] in ("passed", "failed") and treatment.family != "implant":
        raise DomainError("A trial result applies to implanted devices only.", "trial_result")
    if clean["cost_bracket"] not in (None, "none") and clean["currency"] is None:
        raise DomainError("Please say which currency the cost was in.", "currency")
    if clean["cost_bracket"] in (None, "none"):
        clean["currency"] = None

    clean["relief_ongoing"] = bool(clean["relief_ongoing"])
    if clean["relief_ongoing"] and clean["relief_weeks"] is None:
        raise DomainError(
            "Relief is still going on: please give how many weeks it has lasted so far.",
            "relief_weeks",
        )
    if clean["relief_ongoing"] and clean["stop_reason"] == "wore_off":
        raise DomainError(
            "You said the relief is still going on and that it wore off; please check.",
            "stop_reason",
        )

    offered = vocab.FAMILY_SIDE_EFFECTS[treatment.family]
    effects = dict(clean["side_effects"] or {})
    for code, severity in effects.items():
        if code not in offered:
            raise DomainError(
                f"“{vocab.SIDE_EFFECTS.get(code, code)}” is not on the list for "
                f"{treatment.name.lower()}; please check the side effects again.",
                "side_effects",
            )
        if severity not in vocab.SEVERITIES:
            raise DomainError("Please give each side effect a severity.", "side_effects")
    clean["side_effects"] = {code: effects[code] for code in offered if code in effects}
    complications = list(dict.fromkeys(clean["complications"] or []))
    if any(code not in vocab.COMPLICATIONS for code in complications):
        raise DomainError("Please choose from the listed complications.", "complications")
    clean["complications"] = complications

    clean["has_conflict"] = bool(clean["has_conflict"])
    disclosure = " ".join((clean["conflict_disclosure"] or "").split())
    if clean["has_conflict"] and not disclosure:
        raise DomainError(
            "Please describe the tie in a few words (it is shown with your report).",
            "conflict_disclosure",
        )
    if len(disclosure) > DISCLOSURE_MAX:
        raise DomainError(
            f"The disclosure is at most {DISCLOSURE_MAX} characters.", "conflict_disclosure"
        )
    if disclosure and not clean["has_conflict"]:
        raise DomainError(
            "You answered that you have no such tie but wrote a disclosure; please check.",
            "has_conflict",
        )
    clean["conflict_disclosure"] = disclosure or None
    return clean
