import calendar
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.boards.models import Board
from forum.extensions import RowVersion, UTCDateTime, db, utcnow
from forum.reports.vocab import RANGES

# The answers a report holds: what an update replaces and a revision keeps.
ANSWER_FIELDS = (
    "board_id",
    "pain_before",
    "pain_best",
    "pgic",
    "times_had",
    "procedure_year",
    "procedure_month",
    "body_region",
    "percent_relief",
    "onset_days",
    "relief_weeks",
    "relief_ongoing",
    "side_effects",
    "complications",
    "recovery_days",
    "sedation",
    "imaging",
    "trial_result",
    "cost_bracket",
    "currency",
    "stop_reason",
    "would_repeat",
    "would_recommend",
    "has_conflict",
    "conflict_disclosure",
)


# "Is it still working?": the months after the procedure (the first day of its month, or
# the day the report was filed when it gives no date) at which a member whose relief is
# still going on is asked (forum/reports/followups.py).
FOLLOWUP_MONTHS = (3, 6, 12, 24)


def month_number(year: int, month: int) -> int:
    """Months since year 0: two dates' difference in calendar months."""
    return year * 12 + month - 1


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it
    is shorter: 31 May less three months is 28 or 29 February)."""
    year, month = divmod(month_number(moment.year, moment.month) - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _range_checks() -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(f"{name} BETWEEN {low} AND {high}", name=f"{name}_range")
        for name, (low, high) in RANGES.items()
    ]


class ExperienceReport(RowVersion, db.Model):
    """One member's account of one procedure episode, attached to the first post of the
    thread that tells it. Outcomes pages summarise these; nobody sees them one by one
    outside their post."""

    __tablename__ = "experience_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both None once the member erased their account but kept the answers as anonymous
    # figures (forum/privacy/erasure.py): no post shows them, the outcomes still count them.
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id"), unique=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The treatment: usually the thread's board, but a report from a community board
    # names the treatment it is about.
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    pain_before: Mapped[int]
    pain_best: Mapped[int]
    pgic: Mapped[int] = mapped_column(sa.CheckConstraint("pgic BETWEEN 1 AND 7", name="pgic"))
    times_had: Mapped[int | None]
    procedure_year: Mapped[int | None]
    procedure_month: Mapped[int | None]
    body_region: Mapped[str | None] = mapped_column(sa.String(20))
    percent_relief: Mapped[int | None]
    onset_days: Mapped[int | None]
    # Weeks the relief lasted or, while it is still going on, has lasted so far.
    relief_weeks: Mapped[int | None]
    relief_ongoing: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # {code: severity} and [code, ...]; see vocab.py.
    side_effects: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    complications: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    recovery_days: Mapped[int | None]
    sedation: Mapped[str | None] = mapped_column(sa.String(20))
    imaging: Mapped[str | None] = mapped_column(sa.String(20))
    trial_result: Mapped[str | None] = mapped_column(sa.String(20))
    cost_bracket: Mapped[str | None] = mapped_column(sa.String(20))
    currency: Mapped[str | None] = mapped_column(sa.String(8))
    stop_reason: Mapped[str | None] = mapped_column(sa.String(20))
    would_repeat: Mapped[str | None] = mapped_column(sa.String(8))
    would_recommend: Mapped[str | None] = mapped_column(sa.String(8))
    has_conflict: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    conflict_disclosure: Mapped[str | None] = mapped_column(sa.String(300))
    # Follow-up: how many of the "Is it still working?" reminders (followups.py) were sent,
    # and whether the member turned them off for this report.
    followups_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    reminders_off: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    board: Mapped[Board] = relationship(lazy="raise")

    __table_args__ = (
        *_range_checks(),
        sa.CheckConstraint(
            "(procedure_year IS NULL) = (procedure_month IS NULL)", name="procedure_date"
        ),
    )

    def answers(self) -> dict:
        return {name: getattr(self, name) for name in ANSWER_FIELDS}

    @property
    def followup_start(self) -> date:
        """What follow-ups count from: the first day of the procedure's month, or the day
        the report was filed when it gives no date."""
        if self.procedure_year is not None and self.procedure_month is not None:
            return date(self.procedure_year, self.procedure_month, 1)
        return self.created_at.date()

    def milestones_passed(self, now: datetime) -> int:
        """How many of FOLLOWUP_MONTHS have passed by `now` (the job's SQL asks the same)."""
        if self.procedure_year is not None and self.procedure_month is not None:
            start = month_number(self.procedure_year, self.procedure_month)
            current = month_number(now.year, now.month)
            return sum(1 for months in FOLLOWUP_MONTHS if start + months <= current)
        return sum(1 for months in FOLLOWUP_MONTHS if self.created_at <= months_before(now, months))

    @property
    def pain_reduction(self) -> float | None:
        """The share by which pain fell, before to best (None when there was none to fall)."""
        if not self.pain_before:
            return None
        return (self.pain_before - self.pain_best) / self.pain_before

    def __repr__(self) -> str:
        return f"<ExperienceReport {self.id} on post {self.post_id}>"


class ReportRevision(db.Model):
    """The answers of a report as they were before an update, and when they were given."""

    __tablename__ = "experience_report_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("experience_reports.id"), index=True)
    answers: Mapped[dict] = mapped_column(sa.JSON)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportExclusion(db.Model):
    """A moderator's decision to leave a report out of its treatment's figures (a burst of
    new accounts, a copied story, an undeclared tie), with its reason, and the author's
    appeal of it, decided by another moderator. The report is excluded while its latest
    exclusion stands: not yet appealed, appealed and undecided, or upheld."""

    __tablename__ = "report_exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("experience_reports.id"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appeal_text: Mapped[str | None] = mapped_column(sa.String(2000))
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(sa.String(16))  # upheld | overturned
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("decision IN ('upheld', 'overturned')", name="decision"),)

    @property
    def stands(self) -> bool:
        return self.decision != "overturned"


class OutcomeRelease(db.Model):
    """A treatment's published outcome figures, as made at one moment (releases.py).

    Every page, file and headline reads the latest release, never the reports themselves,
    so figures move only when at least RELEASE_CHANGES reports changed at once: one new
    report can never be read off the difference between two versions of a page."""

    __tablename__ = "outcome_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Reports counted: all that count, those whose authors declared no tie among them.
    reports: Mapped[int]
    # Every published view's figures (outcomes.py), as plain JSON.
    figures: Mapped[dict] = mapped_column(sa.JSON)
    # {report id: version} of the reports counted: what the next release is compared with.
    snapshot: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
    # Kept current between releases: reports added, changed or removed since this release,
    # and reports not yet counted (waiting for approval or for their author's first week).
    pending: Mapped[int] = mapped_column(default=0, server_default="0")
    waiting: Mapped[int] = mapped_column(default=0, server_default="0")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_outcome_releases_board_latest", "board_id", "id"),)

