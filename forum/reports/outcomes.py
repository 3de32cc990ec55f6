"""The figures of a treatment's outcomes, and the small-number rules that keep them private.

`summarise(board, rows)` turns report rows into one view's figures; releases.py decides
which rows and which views a release publishes, and stores what this module makes.

Privacy within a view rests on one rule: every published count is 0 or at least MIN_N,
and so is every count that can be worked out by subtracting published counts (the rest
of a total). A group of answers (say the seven points of the PGIC scale) is therefore
published whole or not at all: its categories are merged, coarsest last, until each holds
0 or at least MIN_N reports, and withheld with a reason when even the coarsest fails. A
group never has one withheld cell among published ones, so nothing can be subtracted out.
Medians and estimates resting on fewer than MIN_N answers are withheld too."""

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from forum.boards.models import Board
from forum.reports import vocab

MIN_N = 5
SINCE_YEARS = (1, 3, 5)
EPISODES = {"first": "First procedure", "repeat": "A repeat procedure"}

TOO_FEW = "too few reports to show without risking identifying someone"
SMALL_CELLS = (
    "even with answers merged, some would rest on fewer than 5 reports, "
    "which could point at someone"
)


def is_safe(count: int) -> bool:
    """A count that may be published: none, or enough not to point at anyone."""
    return count == 0 or count >= MIN_N


@dataclass(frozen=True)
class Filters:
    since_years: int | None = None  # procedure within the last N years
    episode: str | None = None  # "first" or "repeat"

    @property
    def active(self) -> bool:
        return self.since_years is not None or self.episode is not None

    @property
    def key(self) -> str:
        """The view's name in a release: "" for all reports, else e.g. "since=3&episode=first"."""
        parts = []
        if self.since_years is not None:
            parts.append(f"since={self.since_years}")
        if self.episode is not None:
            parts.append(f"episode={self.episode}")
        return "&".join(parts)

    def as_dict(self) -> dict:
        return {"since_years": self.since_years, "episode": self.episode}

    def as_query(self) -> dict:
        """The filters as the page's query string (for links to the open data)."""
        return {"since": self.since_years, "episode": self.episode}

    def admits(self, row, today: date) -> bool:
        if self.since_years is not None:
            if row.procedure_year is None:
                return False
            # Months since year 0: a procedure in or after this month counts as recent.
            cutoff = (today.year - self.since_years) * 12 + today.month - 1
            if row.procedure_year * 12 + row.procedure_month - 1 < cutoff:
                return False
        if self.episode == "first":
            return row.times_had == 1
        if self.episode == "repeat":
            return row.times_had is not None and row.times_had >= 2
        return True


def all_filters() -> list[Filters]:
    """Every view a release considers, most useful first: all reports, one filter, both."""
    since = [None, *SINCE_YEARS]
    episodes = [None, *EPISODES]
    views = [Filters(s, e) for e in episodes for s in since]
    return sorted(views, key=lambda f: (f.since_years is not None) + (f.episode is not None))


# -- published figures ----------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """How many of `denominator` reports gave this answer; `count` is None when withheld."""

    key: str
    label: str
    count: int | None
    denominator: int

    @property
    def suppressed(self) -> bool:
        return self.count is None

    @property
    def share(self) -> float | None:
        if self.count is None or not self.denominator:
            return None
        return self.count / self.denominator


@dataclass(frozen=True)
class Group:
    """The answers to one question, published whole: every cell is 0 or at least MIN_N
    and they add up to `denominator`, or the group is withheld with a plain reason."""

    measure: str
    label: str
    denominator: int
    cells: list[Count]
    withheld: str | None = None
    merged: bool = False  # categories were merged to keep the counts safe

    def cell(self, *keys: str) -> Count:
        """The count of these categories together (say PGIC "1", "2", "3"), withheld unless
        the group publishes exactly them: as they are, finer, or merged into one cell."""
        wanted = _expand(keys)
        if self.withheld is None:
            chosen = [c for c in self.cells if _expand([c.key]) & wanted]
            if chosen and set().union(*(_expand([c.key]) for c in chosen)) == wanted:
                count = sum(c.count for c in chosen)
                return Count("+".join(keys), self.label, count, self.denominator)
        return Count("+".join(keys), self.label, None, self.denominator)


@dataclass(frozen=True)
class Median:
    value: float | None  # None when withheld or when nobody answered
    n: int

    @property
    def suppressed(self) -> bool:
        return 0 < self.n < MIN_N


@dataclass(frozen=True)
class Milestone:
    label: str
    weeks: int
    share: float  # estimated share still with relief
    followed: int  # reports still followed at that point, rounded down to a multiple of 5


@dataclass(frozen=True)
class Relief:
    """How long relief lasted (Kaplan–Meier, "still going on" counted as "at least this
    long"), published only at familiar points in time and only while at least MIN_N
    reports are still followed: never the week-by-week steps that single reports make."""

    n: int
    median: float | None  # weeks, when reached while at least MIN_N were followed
    milestones: list[Milestone]
    withheld: str | None = None
    # Why there is no median: "not_reached" (more than half still had relief when last
    # followed) or "too_few_followed" (half had lost it only once fewer than MIN_N were left).
    no_median: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.withheld is not None


@dataclass(frozen=True)
class FollowUp:
    """How many reports old enough for a follow-up point say how things stood then."""

    label: str
    months: int
    count: int | None
    denominator: int


@dataclass
class Outcomes:
    board: Board
    n: int
    pain_before: Median | None = None
    pain_best: Median | None = None
    percent_relief: Median | None = None
    reduction: Group | None = None
    pgic: Group | None = None
    relief: Relief | None = None
    would_repeat: Group | None = None
    would_recommend: Group | None = None
    any_side_effect: Group | None = None
    side_effects: list[Group] = field(default_factory=list)
    any_complication: Group | None = None
    complications: list[Group] = field(default_factory=list)
    stop_reasons: Group | None = None
    repeat_counts: Group | None = None
    followup: list[FollowUp] = field(default_factory=list)

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_N

    @property
    def reduction_30(self) -> Count:
        return self.reduction.cell("50", "30")

    @property
    def reduction_50(self) -> Count:
        return self.reduction.cell("50")

    @property
    def improved(self) -> Count:
        """Improved at all (minimally, much or very much): the PGIC's own split."""
        return self.pgic.cell("1", "2", "3")

    @property
    def side_effect_rows(self) -> list[tuple[Group, Count, Count]]:
        """(group, any severity, severe) for each side effect the page lists."""
        return [
            (group, group.cell("mild_moderate", "severe"), group.cell("severe"))
            for group in self.side_effects
        ]

    @property
    def complication_counts(self) -> list[Count]:
        """How many reports had each serious complication (the rarer ones pooled)."""
        return [
            Count(g.measure, g.label, g.cell("yes").count, g.denominator)
            for g in self.complications
        ]

    def groups(self) -> list[Group]:
        return [
            g
            for g in (
                self.reduction,
                self.pgic,
                self.would_repeat,
                self.would_recommend,
                self.any_side_effect,
                *self.side_effects,
                self.any_complication,
                *self.complications,
                self.stop_reasons,
                self.repeat_counts,
            )
            if g is not None
        ]


# -- merging categories -----------------------------------------------------------------

# Categories made by merging others: what each stands for.
_EXPANDS: dict[str, set[str]] = {
    "improved": {"1", "2", "3"},
    "unchanged": {"4"},
    "worse": {"5", "6", "7"},
    "not_improved": {"4", "5", "6", "7"},
    "not_yes": {"no", "unsure"},
    "any": {"mild_moderate", "severe"},
    "30_or_more": {"50", "30"},
}


def _expand(keys: Iterable[str]) -> set[str]:
    return set().union(*(_EXPANDS.get(k, {k}) for k in keys))


# A scale's coarser readings, finest first: (merged key, label, keys merged).
PGIC_LEVELS = [
    [(str(k), label, [str(k)]) for k, label in vocab.PGIC.items()],
    [
        ("improved", "Improved", ["1", "2", "3"]),
        ("unchanged", "No change", ["4"]),
        ("worse", "Worse", ["5", "6", "7"]),
    ],
    [
        ("improved", "Improved", ["1", "2", "3"]),
        ("not_improved", "No change or worse", ["4", "5", "6", "7"]),
    ],
]
YES_LEVELS = [
    [(k, label, [k]) for k, label in vocab.YES_NO_UNSURE.items()],
    [("yes", "Yes", ["yes"]), ("not_yes", "No or not sure", ["no", "unsure"])],
]
REDUCTION_LEVELS = [
    [
        ("50", "At least 50% less pain", ["50"]),
        ("30", "30% to 49% less pain", ["30"]),
        ("under_30", "Less than 30% less pain, or none", ["under_30"]),
    ],
    [
        ("30_or_more", "At least 30% less pain", ["50", "30"]),
        ("under_30", "Less than 30% less pain, or none", ["under_30"]),
    ],
]
SEVERITY_LEVELS = [
    [
        ("none", "Not reported", ["none"]),
        ("mild_moderate", "Mild or moderate", ["mild_moderate"]),
        ("severe", "Severe", ["severe"]),
    ],
    [("none", "Not reported", ["none"]), ("any", "Reported", ["mild_moderate", "severe"])],
]
YES_NO_LEVELS = [[("no", "No", ["no"]), ("yes", "Yes", ["yes"])]]


def by_levels(measure: str, label: str, counts: Counter, levels: list) -> Group:
    """The finest reading of a scale whose every category is safe, else withheld."""
    denominator = counts.total()
    if denominator < MIN_N:
        return Group(measure, label, denominator, [], TOO_FEW if denominator else None)
    for depth, level in enumerate(levels):
        cells = [
            Count(key, name, sum(counts[k] for k in keys), denominator) for key, name, keys in level
        ]
        if all(is_safe(c.count) for c in cells):
            return Group(measure, label, denominator, cells, merged=depth > 0)
    return Group(measure, label, denominator, [], SMALL_CELLS)


def by_pooling(
    measure: str, label: str, counts: Counter, labels: dict, other: tuple[str, str]
) -> Group:
    """Categories with no natural order: the rare ones are pooled into "other" (smallest
    first) until every category, "other" included, is safe."""
    denominator = counts.total()
    if denominator < MIN_N:
        return Group(measure, label, denominator, [], TOO_FEW if denominator else None)
    kept = {key: counts[key] for key in labels}
    pooled, merged = 0, False
    while True:
        unsafe = [k for k, c in kept.items() if not is_safe(c)]
        if not unsafe and is_safe(pooled):
            break
        if not unsafe:  # only the pool is too small: give it the smallest category left
            unsafe = [k for k, c in kept.items() if c]
        if not unsafe or len(kept) <= 1:
            return Group(measure, label, denominator, [], SMALL_CELLS)
        smallest = min(unsafe, key=lambda k: (kept[k], k))
        pooled += kept.pop(smallest)
        merged = True
    if pooled == denominator:  # every answer went into "other": nothing left to tell
        return Group(measure, label, denominator, [], SMALL_CELLS)
    cells = [Count(str(k), labels[k], c, denominator) for k, c in kept.items()]
    if merged:
        cells.append(Count(other[0], other[1], pooled, denominator))
    return Group(measure, label, denominator, cells, merged=merged)


def by_neighbours(measure: str, label: str, counts: Counter) -> Group:
    """How many times members had the procedure, in ordered buckets: an unsafe bucket is
    merged with its smaller neighbour until every bucket is safe."""
    denominator = counts.total()
    if denominator < MIN_N:
        return Group(measure, label, denominator, [], TOO_FEW if denominator else None)
    spans = [[low, high, counts[code]] for low, high, code, _name in vocab.REPEAT_BUCKETS]
    while len(spans) > 1:
        bad = next((i for i, span in enumerate(spans) if not is_safe(span[2])), None)
        if bad is None:
            break
        left = spans[bad - 1][2] if bad > 0 else None
        right = spans[bad + 1][2] if bad + 1 < len(spans) else None
        first = bad - 1 if right is None or (left is not None and left <= right) else bad
        spans[first : first + 2] = [
            [spans[first][0], spans[first + 1][1], spans[first][2] + spans[first + 1][2]]
        ]
    if len(spans) == 1 and len([c for c in counts.values() if c]) > 1:
        # every bucket merged into one: "1 or more, all of them" says nothing
        return Group(measure, label, denominator, [], SMALL_CELLS)
    if not is_safe(spans[0][2]):
        return Group(measure, label, denominator, [], SMALL_CELLS)
    cells = [
        Count(_span_key(low, high), _span_label(low, high), c, denominator)
        for low, high, c in spans
    ]
    return Group(measure, label, denominator, cells, merged=len(spans) < len(vocab.REPEAT_BUCKETS))


def _span_key(low: int, high: int) -> str:
    top = vocab.RANGES["times_had"][1]
    return str(low) if low == high else f"{low}+" if high == top else f"{low}-{high}"


def _span_label(low: int, high: int) -> str:
    top = vocab.RANGES["times_had"][1]
    return str(low) if low == high else f"{low} or more" if high == top else f"{low}–{high}"


# -- summarising ------------------------------------------------------------------------

MILESTONES = [
    ("1 month", 4),
    ("3 months", 13),
    ("6 months", 26),
    ("1 year", 52),
    ("2 years", 104),
    ("5 years", 260),
]
FOLLOW_UP_MONTHS = (3, 6, 12, 24)


def summarise(board: Board, rows: Sequence, today: date) -> Outcomes:
    """Every figure of one view from its report rows, in one pass, with the small-number
    rules applied. `today` places the follow-up points."""
    n = len(rows)
    outcomes = Outcomes(board=board, n=n)
    if outcomes.suppressed:
        return outcomes
    pain_before, pain_best, relief, durations = [], [], [], []
    reduction, pgic, repeat, recommend, stop, times = (Counter() for _ in range(6))
    any_effect, any_complication, complications = Counter(), Counter(), Counter()
    offered = vocab.side_effects_for(board.family)
    severities = {code: Counter() for code in offered}
    effect_sets, complication_sets = [], []
    for row in rows:
        pain_before.append(row.pain_before)
        pain_best.append(row.pain_best)
        reduction[_reduction_band(row.pain_before, row.pain_best)] += 1
        pgic[str(row.pgic)] += 1
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
        effects = row.side_effects or {}
        any_effect["yes" if effects else "no"] += 1
        for code, counter in severities.items():
            counter[_SEVERITY_BAND.get(effects.get(code), "mild_moderate")] += 1
        effect_sets.append(set(effects))
        any_complication["yes" if row.complications else "no"] += 1
        complications.update(row.complications or [])
        complication_sets.append(set(row.complications or []))

    outcomes.pain_before = _median(pain_before)
    outcomes.pain_best = _median(pain_best)
    outcomes.percent_relief = _median(relief)
    outcomes.reduction = by_levels("pain_reduction", "Change in pain", reduction, REDUCTION_LEVELS)
    outcomes.pgic = by_levels("pgic", "Global impression of change", pgic, PGIC_LEVELS)
    outcomes.relief = relief_estimate(durations)
    outcomes.would_repeat = by_levels("would_repeat", "Would have it again", repeat, YES_LEVELS)
    outcomes.would_recommend = by_levels(
        "would_recommend", "Would recommend it to someone like them", recommend, YES_LEVELS
    )
    outcomes.any_side_effect = by_levels(
        "side_effect_any", "Any side effect", any_effect, YES_NO_LEVELS
    )
    outcomes.side_effects = _per_answer(
        "side_effect",
        offered,
        severities,
        effect_sets,
        SEVERITY_LEVELS,
        ("other_rare", "Other side effects (rarer ones together)"),
        n,
    )
    outcomes.any_complication = by_levels(
        "complication_any", "Any serious complication", any_complication, YES_NO_LEVELS
    )
    complication_counts = {
        code: Counter({"yes": complications[code], "no": n - complications[code]})
        for code in vocab.COMPLICATIONS
    }
    outcomes.complications = _per_answer(
        "complication",
        vocab.COMPLICATIONS,
        complication_counts,
        complication_sets,
        YES_NO_LEVELS,
        ("other_rare", "Other serious complications (rarer ones together)"),
        n,
    )
    outcomes.any_side_effect = _unless_pool_withheld(
        outcomes.any_side_effect, outcomes.side_effects
    )
    outcomes.any_complication = _unless_pool_withheld(
        outcomes.any_complication, outcomes.complications
    )
    outcomes.stop_reasons = by_pooling(
        "stop_reason", "Why they stopped", stop, vocab.STOP_REASONS, ("other", "Other reasons")
    )
    outcomes.repeat_counts = by_neighbours(
        "times_had", "How many times members had had this procedure", times
    )
    outcomes.followup = follow_up(rows, today)
    return outcomes


def _unless_pool_withheld(any_group: Group, groups: list[Group]) -> Group:
    """ "Any side effect" (or complication) less the answers shown one by one would give
    away how many had one of the rare answers, when their pool is withheld: then withhold
    it too."""
    if any(g.measure.endswith(":other_rare") and g.withheld for g in groups):
        reason = "withheld with the rarer answers, which it would give away"
        return Group(any_group.measure, any_group.label, any_group.denominator, [], reason)
    return any_group


def _reduction_band(before: int, best: int) -> str:
    """IMMPACT benchmarks: at least 30% less pain is a moderately important improvement,
    at least 50% a substantial one (Dworkin et al., J Pain 2008). No pain before: no
    reduction to speak of."""
    if before <= 0:
        return "under_30"
    share = (before - best) / before
    return "50" if share >= 0.5 else "30" if share >= 0.3 else "under_30"


def _median(values: list) -> Median:
    if len(values) < MIN_N:
        return Median(None, len(values))
    return Median(statistics.median(values), len(values))


def _per_answer(measure, labels, counters, sets, levels, other, n) -> list[Group]:
    """One group per listed answer (a side effect, a complication) over all reports. The
    answers too rare to show on their own are pooled into one "other" row: how many
    reports had any of them (`sets` holds each report's answers)."""
    groups, rare = [], set()
    for code, label in labels.items():
        group = by_levels(f"{measure}:{code}", label, counters[code], levels)
        if group.withheld is None:
            groups.append(group)
        else:
            rare.add(code)
    if rare:
        had_any = sum(1 for answers in sets if answers & rare)
        counts = Counter({levels[-1][0][2][0]: n - had_any, levels[-1][1][2][0]: had_any})
        groups.append(by_levels(f"{measure}:{other[0]}", other[1], counts, levels[-1:]))
    return groups


def relief_estimate(durations: list[tuple[float, bool]]) -> Relief:
    """Kaplan–Meier survival of relief from (weeks, ended) pairs, published at MILESTONES.

    A report whose relief is still going on is censored: it counts as "at risk" up to its
    weeks so far (including at its own week, as is usual) and never as an end. The median
    is the first week at which the estimate falls to one half or below; like every point
    it is published only while at least MIN_N reports were still followed there."""
    n = len(durations)
    if n < MIN_N:
        return Relief(n, None, [], TOO_FEW if n else None)
    at_risk, survival, steps, median, no_median = n, 1.0, [], None, "not_reached"
    for weeks, group in groupby(sorted(durations), key=lambda d: d[0]):
        group = list(group)
        ended = sum(1 for _weeks, has_ended in group if has_ended)
        if ended:
            survival *= 1 - ended / at_risk
            if no_median == "not_reached" and survival <= 0.5:
                if at_risk >= MIN_N:
                    median, no_median = weeks, None
                else:
                    no_median = "too_few_followed"
        steps.append((weeks, survival))
        at_risk -= len(group)
    milestones = []
    for label, weeks in MILESTONES:
        followed = sum(1 for w, _ended in durations if w >= weeks)
        if followed < MIN_N:
            break
        share = next((s for w, s in reversed(steps) if w <= weeks), 1.0)
        milestones.append(Milestone(label, weeks, share, followed - followed % MIN_N))
    return Relief(n, median, milestones, no_median=no_median)


def follow_up(rows: Sequence, today: date) -> list[FollowUp]:
    """At 3, 6, 12 and 24 months after the procedure (or the filing, without a date): of
    the reports that old, how many say how things stood by then, because their relief had
    ended or because they were written or updated at least that long after."""
    now = today.year * 12 + today.month - 1
    spans = []  # (months since the start, months from the start to the last answer)
    for row in rows:
        start = _month_index(row.procedure_year, row.procedure_month, row.created_at)
        answered = row.updated_at or row.created_at
        known = 10**6 if not row.relief_ongoing else answered.year * 12 + answered.month - 1 - start
        spans.append((now - start, known))
    points = []
    for months in FOLLOW_UP_MONTHS:
        due = [known for age, known in spans if age >= months]
        followed = sum(1 for known in due if known >= months)
        safe = len(due) >= MIN_N and is_safe(followed) and is_safe(len(due) - followed)
        label = (
            f"{months} months"
            if months < 12
            else f"{months // 12} year{'s' if months > 12 else ''}"
        )
        points.append(FollowUp(label, months, followed if safe else None, len(due)))
    return points


def _month_index(year: int | None, month: int | None, filed) -> int:
    if year is not None:
        return year * 12 + month - 1
    return filed.year * 12 + filed.month - 1


_SEVERITY_BAND = {None: "none", "severe": "severe"}  # mild and moderate together

_BUCKET_OF = {
    times: code
    for low, high, code, _label in vocab.REPEAT_BUCKETS
    for times in range(low, high + 1)
}
