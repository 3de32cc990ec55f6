"""Outcome summaries of a treatment's experience reports, and the small-number rules that
keep them honest.

One query loads the reports of the boards asked for; everything else is one pass in
Python over those rows. Any figure resting on fewer than MIN_N reports, and any count
from 1 to MIN_N - 1, is suppressed: too few to summarise without pointing at someone."""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.reports import vocab
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, Thread

MIN_N = 5
SINCE_YEARS = (1, 3, 5)
EPISODES = {"first": "First procedure", "repeat": "A repeat procedure"}


@dataclass(frozen=True)
class Filters:
    since_years: int | None = None  # procedure within the last N years
    episode: str | None = None  # "first" or "repeat"

    @property
    def active(self) -> bool:
        return self.since_years is not None or self.episode is not None

    def as_dict(self) -> dict:
        return {"since_years": self.since_years, "episode": self.episode}

    def as_query(self) -> dict:
        """The filters as the page's query string (for links to the open data)."""
        return {"since": self.since_years, "episode": self.episode}


@dataclass(frozen=True)
class Count:
    """How many of `denominator` reports gave this answer."""

    key: str
    label: str
    count: int
    denominator: int

    @property
    def suppressed(self) -> bool:
        return self.denominator < MIN_N or 0 < self.count < MIN_N

    @property
    def share(self) -> float | None:
        if self.suppressed or not self.denominator:
            return None
        return self.count / self.denominator


@dataclass(frozen=True)
class Median:
    value: float | None
    n: int

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_N


@dataclass(frozen=True)
class Survival:
    """Kaplan–Meier estimate of how long relief lasts, "still going on" as censored."""

    n: int
    events: int  # reports whose relief has ended
    median: float | None  # weeks; None when fewer than half have lost their relief
    steps: list[tuple[float, float]]  # (weeks, share still with relief) after each drop
    last_week: float  # the longest duration reported, ended or not

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_N

    def at(self, weeks: float) -> float:
        """The estimated share still with relief after `weeks`."""
        return next((share for week, share in reversed(self.steps) if week <= weeks), 1.0)

    @property
    def milestones(self) -> list[tuple[str, float]]:
        """The estimate at familiar points in time, as far as the reports reach."""
        return [(label, self.at(weeks)) for label, weeks in MILESTONES if weeks <= self.last_week]


MILESTONES = [
    ("1 month", 4),
    ("3 months", 13),
    ("6 months", 26),
    ("1 year", 52),
    ("2 years", 104),
    ("5 years", 260),
]


@dataclass
class Outcomes:
    board: Board
    n: int
    pain_before: Median | None = None
    pain_best: Median | None = None
    percent_relief: Median | None = None
    reduction_30: Count | None = None
    reduction_50: Count | None = None
    pgic: list[Count] = field(default_factory=list)
    relief: Survival | None = None
    would_repeat: list[Count] = field(default_factory=list)
    would_recommend: list[Count] = field(default_factory=list)
    any_side_effect: Count | None = None
    side_effects: list[tuple[Count, Count]] = field(default_factory=list)  # (any, severe)
    any_complication: Count | None = None
    complications: list[Count] = field(default_factory=list)
    stop_reasons: list[Count] = field(default_factory=list)
    repeat_counts: list[Count] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_N

    @property
    def improved(self) -> Count:
        """Much or very much improved: the usual "responder" reading of the PGIC scale."""
        count = sum(c.count for c in self.pgic if c.key in ("1", "2"))
        return Count("improved", "Much or very much improved", count, self.n)


# -- loading ---------------------------------------------------------------------------

_COLUMNS = (
    ExperienceReport.board_id,
    ExperienceReport.pain_before,
    ExperienceReport.pain_best,
    ExperienceReport.pgic,
    ExperienceReport.times_had,
    ExperienceReport.percent_relief,
    ExperienceReport.relief_weeks,
    ExperienceReport.relief_ongoing,
    ExperienceReport.side_effects,
    ExperienceReport.complications,
    ExperienceReport.stop_reason,
    ExperienceReport.would_repeat,
    ExperienceReport.would_recommend,
)


def summarise_boards(
    boards: list[Board], filters: Filters = Filters(), today: date | None = None
) -> list[Outcomes]:
    """The outcomes of each board's reports: one query, whatever the number of reports.

    Only reports on posts everyone can read count: never hidden, pending or deleted ones;
    and reports kept as anonymous figures by members who erased their account (no post)."""
    query = (
        sa.select(*_COLUMNS)
        .outerjoin(Post, Post.id == ExperienceReport.post_id)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .where(
            ExperienceReport.board_id.in_([board.id for board in boards]),
            sa.or_(
                ExperienceReport.post_id.is_(None),
                sa.and_(Post.state == "visible", ~Thread.is_hidden),
            ),
        )
        .order_by(ExperienceReport.board_id)
    )
    if filters.since_years is not None:
        today = today or utcnow().date()
        # Months since year 0: a procedure in or after this month counts as recent.
        cutoff = (today.year - filters.since_years) * 12 + today.month - 1
        month_index = ExperienceReport.procedure_year * 12 + ExperienceReport.procedure_month - 1
        query = query.where(month_index >= cutoff)
    if filters.episode == "first":
        query = query.where(ExperienceReport.times_had == 1)
    elif filters.episode == "repeat":
        query = query.where(ExperienceReport.times_had >= 2)
    rows = {
        board_id: list(group)
        for board_id, group in groupby(db.session.execute(query), key=lambda r: r.board_id)
    }
    return [summarise(board, rows.get(board.id, [])) for board in boards]


# -- summarising -----------------------------------------------------------------------


def summarise(board: Board, rows: list) -> Outcomes:
    """Every figure of the outcomes page from a board's report rows, in one pass."""
    outcomes = Outcomes(board=board, n=len(rows))
    if outcomes.suppressed:
        return outcomes
    n = len(rows)
    pain_before, pain_best, relief, reductions, durations = [], [], [], [], []
    pgic, repeat, recommend, stop, times = Counter(), Counter(), Counter(), Counter(), Counter()
    effects, severe, complications = Counter(), Counter(), Counter()
    with_effect = with_complication = 0
    for row in rows:
        pain_before.append(row.pain_before)
        pain_best.append(row.pain_best)
        if row.pain_before > 0:
            reductions.append((row.pain_before - row.pain_best) / row.pain_before)
        pgic[row.pgic] += 1
        if row.percent_relief is not None:
            relief.append(row.percent_relief)
        if row.relief_weeks is not None:
            durations.append((row.relief_weeks, not row.relief_ongoing))
        if row.would_repeat:
            repeat[row.would_repeat] += 1
        if row.would_recommend:
            recommend[row.would_recommend] += 1
        if row.stop_reason:
            stop[row.stop_reason] += 1
        if row.times_had is not None:
            times[_BUCKET_OF[row.times_had]] += 1
        side_effects = row.side_effects or {}
        with_effect += bool(side_effects)
        effects.update(side_effects.keys())
        severe.update(code for code, severity in side_effects.items() if severity == "severe")
        with_complication += bool(row.complications)
        complications.update(row.complications or [])

    outcomes.pain_before = Median(statistics.median(pain_before), n)
    outcomes.pain_best = Median(statistics.median(pain_best), n)
    outcomes.percent_relief = Median(statistics.median(relief) if relief else None, len(relief))
    # IMMPACT benchmarks: at least 30% less pain is a moderately important improvement,
    # at least 50% a substantial one (Dworkin et al., J Pain 2008).
    outcomes.reduction_30 = Count(
        "30", "At least 30% less pain", sum(r >= 0.3 for r in reductions), len(reductions)
    )
    outcomes.reduction_50 = Count(
        "50", "At least 50% less pain", sum(r >= 0.5 for r in reductions), len(reductions)
    )
    outcomes.pgic = _distribution(pgic, vocab.PGIC, n)
    outcomes.relief = kaplan_meier(durations)
    outcomes.would_repeat = _distribution(repeat, vocab.YES_NO_UNSURE, repeat.total())
    outcomes.would_recommend = _distribution(recommend, vocab.YES_NO_UNSURE, recommend.total())
    outcomes.stop_reasons = _distribution(stop, vocab.STOP_REASONS, stop.total())
    buckets = {code: label for _low, _high, code, label in vocab.REPEAT_BUCKETS}
    outcomes.repeat_counts = _distribution(times, buckets, times.total())
    offered = vocab.side_effects_for(board.family)
    outcomes.any_side_effect = Count("any", "Any side effect", with_effect, n)
    outcomes.side_effects = list(
        zip(_distribution(effects, offered, n), _distribution(severe, offered, n), strict=True)
    )
    outcomes.any_complication = Count("any", "Any serious complication", with_complication, n)
    outcomes.complications = _distribution(complications, vocab.COMPLICATIONS, n)
    return outcomes


def kaplan_meier(durations: list[tuple[float, bool]]) -> Survival:
    """Kaplan–Meier survival of relief from (weeks, ended) pairs.

    A report whose relief is still going on is censored: it counts as "at risk" up to its
    weeks so far (including at its own week, as is usual) and never as an end. The median
    is the first week at which the estimate falls to one half or below."""
    at_risk = len(durations)
    survival, steps, median, events = 1.0, [], None, 0
    for weeks, group in groupby(sorted(durations), key=lambda d: d[0]):
        group = list(group)
        ended = sum(1 for _weeks, has_ended in group if has_ended)
        if ended:
            survival *= 1 - ended / at_risk
            steps.append((weeks, survival))
            events += ended
            if median is None and survival <= 0.5:
                median = weeks
        at_risk -= len(group)
    last_week = max((weeks for weeks, _ in durations), default=0)
    return Survival(len(durations), events, median, steps, last_week)


def _distribution(counts: Counter, labels: dict, denominator: int) -> list[Count]:
    return [
        Count(str(key), label, counts.get(key, 0), denominator) for key, label in labels.items()
    ]


_BUCKET_OF = {
    times: code
    for low, high, code, _label in vocab.REPEAT_BUCKETS
    for times in range(low, high + 1)
}


# -- open data -------------------------------------------------------------------------

NOTE = (
    "Self-selected, unverified reports from members of Firsthand, not clinical evidence. "
    f"Figures resting on fewer than {MIN_N} reports, and counts from 1 to {MIN_N - 1}, "
    "are withheld."
)
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CELL_FIELDS = ("measure", "category", "value", "count", "denominator", "share", "suppressed")


def cells(outcomes: Outcomes) -> list[dict]:
    """The aggregates as flat rows (the same for JSON and CSV). Suppressed cells keep
    their place with no value, so a reader sees what was withheld."""
    # The number of reports is always given (their threads are public anyway): it says
    # why nothing else is.
    rows = [{**_median_cell("reports", "", None, outcomes.n), "count": outcomes.n}]
    rows[0]["suppressed"] = False
    if outcomes.suppressed:
        return rows
    for measure, median in (
        ("pain_before_median", outcomes.pain_before),
        ("pain_best_median", outcomes.pain_best),
        ("percent_relief_median", outcomes.percent_relief),
    ):
        rows.append(_median_cell(measure, "", median.value, median.n))
    rows.append(_count_cell("pain_reduction_at_least_30", "", outcomes.reduction_30))
    rows.append(_count_cell("pain_reduction_at_least_50", "", outcomes.reduction_50))
    rows += [_count_cell("pgic", c.key, c) for c in outcomes.pgic]
    relief = outcomes.relief
    rows.append(
        _median_cell(
            "relief_weeks_km_median",
            "" if relief.median is not None or relief.suppressed else "not_reached",
            relief.median,
            relief.n,
        )
    )
    rows += [_count_cell("would_repeat", c.key, c) for c in outcomes.would_repeat]
    rows += [_count_cell("would_recommend", c.key, c) for c in outcomes.would_recommend]
    rows.append(_count_cell("side_effect_any", "", outcomes.any_side_effect))
    for any_severity, severe in outcomes.side_effects:
        rows.append(_count_cell("side_effect", any_severity.key, any_severity))
        rows.append(_count_cell("side_effect_severe", severe.key, severe))
    rows.append(_count_cell("complication_any", "", outcomes.any_complication))
    rows += [_count_cell("complication", c.key, c) for c in outcomes.complications]
    rows += [_count_cell("stop_reason", c.key, c) for c in outcomes.stop_reasons]
    rows += [_count_cell("times_had", c.key, c) for c in outcomes.repeat_counts]
    return rows


def _count_cell(measure: str, category: str, count: Count) -> dict:
    share = count.share
    return {
        "measure": measure,
        "category": category,
        "value": None,
        "count": None if count.suppressed else count.count,
        "denominator": count.denominator,
        "share": None if share is None else round(share, 4),
        "suppressed": count.suppressed,
    }


def _median_cell(measure: str, category: str, value: float | None, n: int) -> dict:
    suppressed = n < MIN_N
    return {
        "measure": measure,
        "category": category,
        "value": None if suppressed else value,
        "count": None,
        "denominator": n,
        "share": None,
        "suppressed": suppressed,
    }
