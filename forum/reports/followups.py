"""Follow-ups: "Is it still working?"

A report whose relief is still going on is a story without its end. At 3, 6, 12 and 24
months after the procedure (models.FOLLOWUP_MONTHS) its author is asked, with a
notification (and the e-mail notifications already bring), to answer in one step: still
working, it wore off around week N, or they had it again. The answer is a new version of
the report, made the way every update is (services.revise_report: a revision keeps the
earlier answers, the version check applies).

`send_followups` is the job (`flask forum send-followups`, daily). `followups_sent` counts
the milestones done: each is reminded of once, and a report already past several when the
job first sees it gets one reminder, for the latest."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.notifications.models import Notification
from forum.policy.threads import post_is_public
from forum.reports import releases, services, vocab
from forum.reports.models import (
    FOLLOWUP_MONTHS,
    ExperienceReport,
    month_number,
    months_before,
)
from forum.threads.models import Post

BATCH = 500

STILL_WORKING, WORE_OFF, HAD_IT_AGAIN = "working", "wore_off", "again"
CHOICES = {
    STILL_WORKING: "Still working",
    WORE_OFF: "It wore off around week…",
    HAD_IT_AGAIN: "I had it again, around week…",
}
WEEKS_LOW, WEEKS_HIGH = vocab.RANGES["relief_weeks"]


def milestone_label(months: int) -> str:
    """ "3 months", "1 year", "2 years": what a reminder says of the time gone by."""
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} months"


# -- the job ---------------------------------------------------------------------------


@dataclass
class FollowupRun:
    reminded: int = 0
    # Reports whose milestone passed but that were already reminded by another run.
    taken: int = 0

    def line(self) -> str:
        return (
            f"Follow-ups: {self.reminded} reminders sent, {self.taken} already sent by another run."
        )


def _reachable(now: datetime) -> sa.ColumnElement[bool]:
    """Reports whose author is asked at all: relief still going on, reminders on, a
    milestone left; on a post anyone may read; by a member still here who may publish
    (a suspended, banned or silenced member could not answer; their milestone waits)."""
    return sa.and_(
        ExperienceReport.relief_ongoing,
        ~ExperienceReport.reminders_off,
        ExperienceReport.followups_sent < len(FOLLOWUP_MONTHS),
        post_is_public(Post),
        User.deleted_at.is_(None),
        User.banned_at.is_(None),
        sa.or_(User.suspended_until.is_(None), User.suspended_until <= now),
        sa.or_(User.silenced_until.is_(None), User.silenced_until <= now),
    )


def _next_milestone_passed(now: datetime) -> sa.ColumnElement[bool]:
    """The milestone after those already done has passed: the same rule as
    ExperienceReport.milestones_passed, in SQL, for each count already sent."""
    current = month_number(now.year, now.month)
    start = ExperienceReport.procedure_year * 12 + ExperienceReport.procedure_month - 1
    dated = ExperienceReport.procedure_year.is_not(None)
    return sa.or_(
        *(
            sa.and_(
                ExperienceReport.followups_sent == done,
                sa.or_(
                    sa.and_(dated, start + months <= current),
                    sa.and_(~dated, ExperienceReport.created_at <= months_before(now, months)),
                ),
            )
            for done, months in enumerate(FOLLOWUP_MONTHS)
        )
    )


def send_followups(now: datetime) -> FollowupRun:
    """Remind every member whose report has passed its next milestone with the relief
    still going on: one notification per report, whatever the number of milestones passed
    since the last run. A few statements per BATCH reports. Safe to run twice, even at
    once: a report's count is moved on by an UPDATE that only one run wins, in the same
    transaction as its notification."""
    run = FollowupRun()
    after = 0
    while True:
        rows = db.session.execute(
            sa.select(ExperienceReport, Post.thread_id)
            .join(Post, Post.id == ExperienceReport.post_id)
            .join(User, User.id == ExperienceReport.author_id)
            .where(_reachable(now), _next_milestone_passed(now), ExperienceReport.id > after)
            .order_by(ExperienceReport.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1][0].id
        _remind(rows, now, run)
        db.session.commit()
    return run


def _remind(rows, now: datetime, run: FollowupRun) -> None:
    # Reports grouped by the count they had and the count they reach: one UPDATE each.
    moves: dict[tuple[int, int], list[ExperienceReport]] = {}
    threads = {}
    for report, thread_id in rows:
        passed = report.milestones_passed(now)
        if passed > report.followups_sent:
            moves.setdefault((report.followups_sent, passed), []).append(report)
            threads[report.id] = thread_id
    reminders = []
    for (done, passed), reports in moves.items():
        won = set(
            db.session.scalars(
                sa.update(ExperienceReport)
                .where(
                    ExperienceReport.id.in_([r.id for r in reports]),
                    ExperienceReport.followups_sent == done,
                )
                .values(followups_sent=passed)
                .returning(ExperienceReport.id)
                .execution_options(synchronize_session=False)
            )
        )
        run.taken += len(reports) - len(won)
        label = milestone_label(FOLLOWUP_MONTHS[passed - 1])
        reminders += [
            {
                "user_id": report.author_id,
                "kind": "followup",
                "thread_id": threads[report.id],
                "post_id": report.post_id,
                "board_id": report.board_id,
                "text": label,
                "created_at": now,
                "updated_at": now,
            }
            for report in reports
            if report.id in won
        ]
    if reminders:
        db.session.execute(sa.insert(Notification), reminders)
        run.reminded += len(reminders)


# -- answering -------------------------------------------------------------------------


def weeks_since_start(report: ExperienceReport, now: datetime) -> int:
    """Whole weeks from the procedure (or the filing) to `now`, within what a report holds."""
    weeks = (now.date() - report.followup_start).days // 7
    return max(WEEKS_LOW, min(WEEKS_HIGH, weeks))


def answer_followup(
    author: User,
    report: ExperienceReport,
    choice: str,
    week: int | None,
    version: int,
    now: datetime | None = None,
) -> ExperienceReport:
    """Answer "Is it still working?" in one step, as a new version of the report:

    - STILL_WORKING: the relief goes on; its weeks become those since the procedure (or
      the filing), never fewer than the report already said;
    - WORE_OFF: it ended around week `week`;
    - HAD_IT_AGAIN: it ended around week `week`, when the treatment was needed again (the
      new episode is a report of its own).

    The member's 'followup' notifications about this report are marked read."""
    now = now or utcnow()
    services.check_report_update(author, report, version)
    if choice not in CHOICES:
        raise DomainError("Please choose one of the three answers.", "choice")
    if not report.relief_ongoing:
        raise DomainError(
            "Your report already says the relief has ended. To change that, update the "
            "report instead.",
            "choice",
        )
    answers = report.answers()
    answers["treatment"] = db.session.get(Board, report.board_id)
    if choice == STILL_WORKING:
        answers["relief_weeks"] = max(report.relief_weeks or 0, weeks_since_start(report, now))
    else:
        if week is None:
            raise DomainError("Please give the week, roughly: a number from 0 to 520.", "week")
        if not WEEKS_LOW <= week <= WEEKS_HIGH:
            raise DomainError(
                f"Please give a whole number from {WEEKS_LOW} to {WEEKS_HIGH}.", "week"
            )
        answers.update(relief_weeks=week, relief_ongoing=False, stop_reason="wore_off")
    boards = services.revise_report(author, report, answers)
    _mark_read(author, report)
    db.session.commit()
    releases.refresh_boards(boards)
    return report


def set_followup_reminders(author: User, report: ExperienceReport, on: bool) -> None:
    """Turn the "Is it still working?" reminders for one report on or off. Only its author;
    a sanction does not stop anyone turning reminders off (nothing is published)."""
    if report.author_id != author.id:
        raise NotAllowed("Only its author can change a report's reminders.")
    report.reminders_off = not on
    if not on:
        _mark_read(author, report)
    db.session.commit()


def _mark_read(author: User, report: ExperienceReport) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == author.id,
            Notification.kind == "followup",
            Notification.post_id == report.post_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
