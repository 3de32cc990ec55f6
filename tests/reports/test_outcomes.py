"""Outcome figures of experience reports: the merging rules that keep every published count
at 0 or at least 5, the relief estimate, follow-up, the views a release publishes, and what
readers see of them on the pages, in the open data and side by side.

Every expected number is worked out by hand in the test (or the comment beside it), never
by asking the code under test."""

import csv
import html
import io
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation.services import decide_on_post, flag_post
from forum.reports.opendata import cells
from forum.reports.outcomes import (
    PGIC_LEVELS,
    SMALL_CELLS,
    TOO_FEW,
    YES_LEVELS,
    Filters,
    by_levels,
    follow_up,
    is_safe,
    relief_estimate,
    summarise,
)
from forum.reports.releases import make_figures
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import delete_post
from tests.reports.conftest import answers, publish

CSV_HEADER = ["measure", "category", "value", "count", "denominator", "share", "suppressed"]
OUTCOMES_DOC = Path(__file__).resolve().parents[2] / "docs" / "outcomes.md"
FIGURE_SECTIONS = (
    "pain-heading",
    "pgic-heading",
    "relief-heading",
    "again-heading",
    "effects-heading",
    "stop-heading",
)
TODAY = date(2024, 6, 15)


# -- helpers ---------------------------------------------------------------------------


def row(**given) -> SimpleNamespace:
    """One report as summarise() and make_figures() read it: the required answers (pain 7
    to 3, "much improved"), filed on 1 March 2024 with no procedure date, nothing else."""
    return SimpleNamespace(
        **{
            "id": None,
            "has_conflict": False,
            "pain_before": 7,
            "pain_best": 3,
            "pgic": 2,
            "times_had": None,
            "percent_relief": None,
            "relief_weeks": None,
            "relief_ongoing": False,
            "side_effects": {},
            "complications": [],
            "stop_reason": None,
            "would_repeat": None,
            "would_recommend": None,
            "procedure_year": None,
            "procedure_month": None,
            "created_at": datetime(2024, 3, 1),
            "updated_at": None,
            **given,
        }
    )


def rows(*answer_sets: dict) -> list[SimpleNamespace]:
    return [row(id=number, **given) for number, given in enumerate(answer_sets, 1)]


def times(count: int, **given) -> list[dict]:
    return [given] * count


def injections() -> Board:
    """A treatment board of the injection family, never saved: summarise() only reads it."""
    return Board(slug="epidurals", name="Epidurals", family="injection")


def figures(*answer_sets: dict, today: date = TODAY):
    return summarise(injections(), rows(*answer_sets), today)


def split(group) -> dict:
    """{category: count} of a published group."""
    assert group.withheld is None, group.withheld
    return {c.key: c.count for c in group.cells}


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    page = " ".join(html.unescape(page).split())
    return re.sub(r" (?=[.,;:])", "", page)  # "fewer than 5 ." as it reads: "fewer than 5."


def cell(payload: dict, measure: str, category: str = "") -> dict:
    [found] = [c for c in payload["cells"] if c["measure"] == measure and c["category"] == category]
    return found


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# -- the PGIC: 7 points, then improved / no change / worse, then improved / not --------------


def test_pgic_published_point_by_point_when_every_point_is_safe():
    """Five "very much improved" and five "much improved": each point of the scale is
    shown, the unused ones as 0."""
    outcomes_ = figures(*times(5, pgic=1), *times(5, pgic=2))
    assert split(outcomes_.pgic) == {"1": 5, "2": 5, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0}
    assert not outcomes_.pgic.merged
    assert outcomes_.pgic.denominator == 10
    assert (outcomes_.improved.count, outcomes_.improved.denominator) == (10, 10)


def test_pgic_merged_into_improved_unchanged_worse():
    """3 + 2 improved, 5 unchanged, 5 much worse: 3 and 2 may not be shown, their sum may."""
    outcomes_ = figures(*times(3, pgic=1), *times(2, pgic=3), *times(5, pgic=4), *times(5, pgic=6))
    assert split(outcomes_.pgic) == {"improved": 5, "unchanged": 5, "worse": 5}
    assert outcomes_.pgic.merged
    assert [c.label for c in outcomes_.pgic.cells] == ["Improved", "No change", "Worse"]


def test_pgic_merged_into_improved_or_not():
    """5 improved, 3 unchanged, 2 minimally worse: "no change" and "worse" are 3 and 2, so
    they go together: 5 improved, 5 not improved."""
    outcomes_ = figures(*times(5, pgic=2), *times(3, pgic=4), *times(2, pgic=5))
    assert split(outcomes_.pgic) == {"improved": 5, "not_improved": 5}
    assert outcomes_.pgic.merged


def test_pgic_withheld_when_even_improved_or_not_has_a_small_cell():
    """Six improved and two unchanged: 6 and 2 at the coarsest level, so nothing is shown."""
    outcomes_ = figures(*times(6, pgic=1), *times(2, pgic=4))
    assert outcomes_.pgic.withheld == SMALL_CELLS
    assert outcomes_.pgic.cells == []
    assert outcomes_.pgic.denominator == 8
    assert outcomes_.improved.suppressed


def test_improved_is_read_from_a_merged_pgic():
    """With the PGIC merged to improved / no change / worse, "improved" is still 5 of 15."""
    outcomes_ = figures(*times(3, pgic=1), *times(2, pgic=3), *times(5, pgic=4), *times(5, pgic=6))
    assert (outcomes_.improved.count, outcomes_.improved.denominator) == (5, 15)


# -- yes / no / not sure ------------------------------------------------------------------


def test_would_repeat_merges_no_and_not_sure():
    """6 yes, 3 no, 2 not sure (of 11 who answered, one skipped): yes 6, "no or not sure" 5."""
    outcomes_ = figures(
        *times(6, would_repeat="yes"),
        *times(3, would_repeat="no"),
        *times(2, would_repeat="unsure"),
        {},
    )
    assert split(outcomes_.would_repeat) == {"yes": 6, "not_yes": 5}
    assert outcomes_.would_repeat.denominator == 11
    assert outcomes_.would_repeat.cell("yes").count == 6


def test_would_repeat_split_three_ways_when_safe():
    outcomes_ = figures(*times(5, would_repeat="yes"), *times(5, would_repeat="no"))
    assert split(outcomes_.would_repeat) == {"yes": 5, "no": 5, "unsure": 0}


@pytest.mark.parametrize(
    ("answered", "withheld"),
    [
        (["yes"] * 7 + ["no"] * 2, SMALL_CELLS),  # yes 7, "no or not sure" 2
        (["yes"] * 4, TOO_FEW),  # four answers: too few for any split
        ([], None),  # nobody answered: nothing to withhold
    ],
)
def test_would_recommend_withheld(answered, withheld):
    outcomes_ = figures(*({"would_recommend": a} for a in answered), *times(5))
    group = outcomes_.would_recommend
    assert (group.withheld, group.cells, group.denominator) == (withheld, [], len(answered))
    assert group.cell("yes").suppressed


def test_by_levels_on_its_own():
    """The finest level whose every cell is 0 or at least 5."""
    group = by_levels("would_repeat", "Again", Counter(yes=9, no=1, unsure=4), YES_LEVELS)
    assert split(group) == {"yes": 9, "not_yes": 5} and group.merged
    group = by_levels("pgic", "PGIC", Counter({"4": 5}), PGIC_LEVELS)
    assert split(group) == {str(k): 5 if k == 4 else 0 for k in range(1, 8)}


# -- change in pain: 50% / 30–49% / under 30% ------------------------------------------------


def test_reduction_bands_at_their_edges():
    """10 -> 5 is exactly 50%; 10 -> 7 exactly 30%; 7 -> 5 is 28.6% and no pain before
    (0 -> 0) is no reduction: under 30."""
    outcomes_ = figures(
        *times(5, pain_before=10, pain_best=5),
        *times(5, pain_before=10, pain_best=7),
        *times(3, pain_before=7, pain_best=5),
        *times(2, pain_before=0, pain_best=0),
    )
    assert split(outcomes_.reduction) == {"50": 5, "30": 5, "under_30": 5}
    assert not outcomes_.reduction.merged
    # At least 30%: 5 + 5 of 15; at least 50%: 5 of 15.
    assert (outcomes_.reduction_30.count, outcomes_.reduction_30.denominator) == (10, 15)
    assert (outcomes_.reduction_50.count, outcomes_.reduction_50.denominator) == (5, 15)
    assert outcomes_.reduction_30.share == pytest.approx(10 / 15)


def test_reduction_merged_to_30_or_more():
    """3 halved, 2 down by 30%, 5 barely changed: "at least 50%" (3) is not shown apart."""
    outcomes_ = figures(
        *times(3, pain_before=8, pain_best=4),
        *times(2, pain_before=10, pain_best=7),
        *times(5, pain_before=6, pain_best=6),
    )
    assert split(outcomes_.reduction) == {"30_or_more": 5, "under_30": 5}
    assert outcomes_.reduction.merged
    assert outcomes_.reduction_50.suppressed


def test_at_least_30_percent_is_read_from_merged_bands():
    outcomes_ = figures(
        *times(3, pain_before=8, pain_best=4),
        *times(2, pain_before=10, pain_best=7),
        *times(5, pain_before=6, pain_best=6),
    )
    assert (outcomes_.reduction_30.count, outcomes_.reduction_30.denominator) == (5, 10)


def test_reduction_withheld_when_under_30_is_small():
    """Seven halved, two unchanged: even "30% or more" against "under 30%" is 7 and 2."""
    outcomes_ = figures(
        *times(7, pain_before=8, pain_best=2), *times(2, pain_before=5, pain_best=5)
    )
    assert outcomes_.reduction.withheld == SMALL_CELLS
    assert outcomes_.reduction_30.suppressed and outcomes_.reduction_50.suppressed


# -- medians -----------------------------------------------------------------------------


def test_pain_medians():
    """Before 5 6 [7] 8 9; at best 1 2 [3] 4 6. With a sixth report, halfway."""
    pain = [(8, 2), (6, 4), (9, 1), (7, 3), (5, 6)]
    outcomes_ = figures(*({"pain_before": b, "pain_best": a} for b, a in pain))
    assert (outcomes_.pain_before.value, outcomes_.pain_before.n) == (7, 5)
    assert (outcomes_.pain_best.value, outcomes_.pain_best.n) == (3, 5)
    outcomes_ = figures(
        *({"pain_before": b, "pain_best": a} for b, a in pain), {"pain_before": 10, "pain_best": 0}
    )
    assert (outcomes_.pain_before.value, outcomes_.pain_best.value) == (7.5, 2.5)


def test_percent_relief_median_needs_five_answers():
    """Answered 20 50 [60] 80 90: 60 from 5 of 7 reports. Four answers: withheld."""
    outcomes_ = figures(*({"percent_relief": r} for r in (80, None, 20, 50, None, 90, 60)))
    assert (outcomes_.percent_relief.value, outcomes_.percent_relief.n) == (60, 5)
    assert not outcomes_.percent_relief.suppressed
    outcomes_ = figures(*({"percent_relief": r} for r in (80, None, 20, 50, None, 90)))
    assert (outcomes_.percent_relief.value, outcomes_.percent_relief.n) == (None, 4)
    assert outcomes_.percent_relief.suppressed


def test_four_reports_are_too_few_to_summarise():
    outcomes_ = figures({}, {}, {}, {})
    assert outcomes_.n == 4 and outcomes_.suppressed
    assert outcomes_.pain_before is None and outcomes_.pgic is None and outcomes_.groups() == []
    assert cells(outcomes_) == [
        {
            "measure": "reports",
            "category": "",
            "value": None,
            "count": 4,
            "denominator": 4,
            "share": None,
            "suppressed": False,
        }
    ]


# -- side effects and complications ---------------------------------------------------------

# 19 reports: 1-5 severe flare (1-3 mild numbness, 4-5 severe numbness); 6-10 mild flare
# (6 also severe weakness); 11-14 moderate infection; 15-19 nothing.
SIDE_EFFECTS = [
    *times(3, side_effects={"flare": "severe", "numbness": "mild"}),
    *times(2, side_effects={"flare": "severe", "numbness": "severe"}),
    {"side_effects": {"flare": "mild", "weakness": "severe"}},
    *times(4, side_effects={"flare": "mild"}),
    *times(4, side_effects={"infection": "moderate"}),
    *times(5),
]


def test_side_effects_per_effect_merged_or_pooled():
    outcomes_ = figures(*SIDE_EFFECTS)
    by_code = {g.measure: g for g in outcomes_.side_effects}
    # The injection family's list in order; weakness (1) and infection (4) are too rare to
    # show alone and go to the pooled row: reports 6 and 11-14, 5 reports.
    assert list(by_code) == [
        "side_effect:flare",
        "side_effect:dural_headache",
        "side_effect:numbness",
        "side_effect:steroid_flushing",
        "side_effect:steroid_insomnia",
        "side_effect:blood_sugar",
        "side_effect:other",
        "side_effect:other_rare",
    ]
    # flare: 5 severe, 5 mild, 9 not reported: shown by severity.
    assert split(by_code["side_effect:flare"]) == {"none": 9, "mild_moderate": 5, "severe": 5}
    # numbness: 3 mild, 2 severe: only "reported" (5) against "not reported" (14).
    assert split(by_code["side_effect:numbness"]) == {"none": 14, "any": 5}
    assert by_code["side_effect:numbness"].merged
    assert split(by_code["side_effect:dural_headache"]) == {
        "none": 19,
        "mild_moderate": 0,
        "severe": 0,
    }
    assert split(by_code["side_effect:other_rare"]) == {"none": 14, "any": 5}
    # Reports with any side effect: 1-14 against 15-19.
    assert split(outcomes_.any_side_effect) == {"no": 5, "yes": 14}


def test_side_effect_rows_say_severe_is_not_shown_when_merged():
    """The table's row for each effect: any severity, and severe apart only when the group
    shows severities."""
    rows_ = {g.measure: (a, s) for g, a, s in figures(*SIDE_EFFECTS).side_effect_rows}
    flare_any, flare_severe = rows_["side_effect:flare"]
    assert (flare_any.count, flare_severe.count, flare_any.denominator) == (10, 5, 19)
    headache_any, headache_severe = rows_["side_effect:dural_headache"]
    assert (headache_any.count, headache_severe.count) == (0, 0)
    _numbness_any, numbness_severe = rows_["side_effect:numbness"]
    assert numbness_severe.suppressed  # "not shown separately" on the page


def test_side_effect_row_gives_any_severity_when_merged():
    rows_ = {g.measure: (a, s) for g, a, s in figures(*SIDE_EFFECTS).side_effect_rows}
    numbness_any, _severe = rows_["side_effect:numbness"]
    assert (numbness_any.count, numbness_any.denominator) == (5, 19)


def test_complications_rare_ones_pooled_and_withheld():
    """Emergency in 5 of 12, lasting nerve damage in 1: the pooled row of rare ones holds
    1 report, so it is withheld, and "any" with it: beside the rows shown it could give
    the rare ones away (here it would not, but a reader cannot tell)."""
    outcomes_ = figures(
        *times(4, complications=["emergency"]),
        {"complications": ["emergency", "nerve_damage"]},
        *times(7),
    )
    by_code = {g.measure: g for g in outcomes_.complications}
    assert list(by_code) == [
        "complication:emergency",
        "complication:revision_surgery",
        "complication:device_removal",
        "complication:other_rare",
    ]
    assert split(by_code["complication:emergency"]) == {"no": 7, "yes": 5}
    assert split(by_code["complication:revision_surgery"]) == {"no": 12, "yes": 0}
    assert by_code["complication:other_rare"].withheld == SMALL_CELLS
    assert outcomes_.any_complication.withheld is not None
    assert [(c.key, c.count) for c in outcomes_.complication_counts] == [
        ("complication:emergency", 5),
        ("complication:revision_surgery", 0),
        ("complication:device_removal", 0),
        ("complication:other_rare", None),
    ]


def test_a_rare_complication_cannot_be_worked_out_by_subtraction():
    """Twelve reports: five emergency visits, one lasting nerve damage (another report).
    The pooled row of rare complications (1 report) is withheld; but "any complication"
    6, minus emergency 5, with revision surgery and device removal at 0, gives away the
    one report with nerve damage."""
    outcomes_ = figures(
        *times(5, complications=["emergency"]), {"complications": ["nerve_damage"]}, *times(6)
    )
    shown = {g.measure: g.cell("yes").count for g in outcomes_.complications}
    assert shown["complication:other_rare"] is None
    any_yes = outcomes_.any_complication.cell("yes").count
    # Reports with only complications that are not shown (no report here has two).
    unexplained = None if any_yes is None else any_yes - sum(c for c in shown.values() if c)
    assert unexplained is None or is_safe(unexplained)


def test_cells_keep_one_empty_row_for_a_withheld_group():
    outcomes_ = figures(
        *times(4, complications=["emergency"]),
        {"complications": ["emergency", "nerve_damage"]},
        *times(7),
    )
    flat = cells(outcomes_)
    withheld = [c for c in flat if c["measure"] == "complication:other_rare"]
    assert withheld == [
        {
            "measure": "complication:other_rare",
            "category": "",
            "value": None,
            "count": None,
            "denominator": 12,
            "share": None,
            "suppressed": True,
        }
    ]
    emergency = [
        (c["category"], c["count"], c["share"])
        for c in flat
        if c["measure"] == "complication:emergency"
    ]
    assert emergency == [("no", 7, round(7 / 12, 4)), ("yes", 5, round(5 / 12, 4))]
    # Nobody gave a stop reason: the group is empty, not withheld, and has no rows.
    assert not [c for c in flat if c["measure"] == "stop_reason"]


# -- why they stopped: rare reasons pooled -------------------------------------------------


def test_stop_reasons_pool_the_rare_ones_smallest_first():
    """wore off 6, no effect 5, cost 3, side effects 2: side effects (2) goes to "other"
    first, then cost (3), which makes "other" 5."""
    outcomes_ = figures(
        *times(6, stop_reason="wore_off"),
        *times(5, stop_reason="no_effect"),
        *times(3, stop_reason="cost"),
        *times(2, stop_reason="side_effects"),
        *times(2),
    )
    assert split(outcomes_.stop_reasons) == {
        "no_effect": 5,
        "wore_off": 6,
        "device_problem": 0,
        "clinician_advice": 0,
        "ongoing": 0,
        "other": 5,
    }
    assert outcomes_.stop_reasons.denominator == 16
    assert outcomes_.stop_reasons.merged
    assert outcomes_.stop_reasons.cells[-1].label == "Other reasons"


def test_stop_reasons_pool_grows_until_safe():
    """wore off 7, no effect 5, cost 1: "other" would hold 1, so the smallest reason left
    (no effect, 5) joins it: other 6."""
    outcomes_ = figures(
        *times(7, stop_reason="wore_off"),
        *times(5, stop_reason="no_effect"),
        {"stop_reason": "cost"},
    )
    group = split(outcomes_.stop_reasons)
    assert (group["wore_off"], group["other"]) == (7, 6)
    assert "no_effect" not in group and "cost" not in group


def test_stop_reasons_shown_as_they_are_when_safe():
    outcomes_ = figures(*times(5, stop_reason="wore_off"), *times(5, stop_reason="cost"))
    assert split(outcomes_.stop_reasons) == {
        "no_effect": 0,
        "wore_off": 5,
        "side_effects": 0,
        "cost": 5,
        "device_problem": 0,
        "clinician_advice": 0,
        "ongoing": 0,
    }
    assert not outcomes_.stop_reasons.merged


# -- how many times they had it: neighbouring buckets merged ---------------------------------


def test_times_had_buckets_at_their_edges():
    """1, 2, 3, 4-5, 6-10 and 11+, edges included: 4 and 5 are one bucket, 11 and 50 too."""
    outcomes_ = figures(
        *times(5, times_had=1), *times(2, times_had=4), *times(3, times_had=5),
        *times(3, times_had=11), *times(2, times_had=50), {},
    )  # fmt: skip
    assert split(outcomes_.repeat_counts) == {"1": 5, "2": 0, "3": 0, "4-5": 5, "6-10": 0, "11+": 5}
    assert outcomes_.repeat_counts.denominator == 15
    assert not outcomes_.repeat_counts.merged


def test_times_had_merges_a_small_bucket_with_its_smaller_neighbour():
    """1: 6, 2: 2, 3: 3, 4-5: 5, 6-10: 0, 11+: 1.
    "2" (2) joins its smaller neighbour "3" (3 < 6): 2-3 holds 5.
    "11+" (1) has one neighbour, 6-10 (0): 6 or more holds 1, still too few.
    It joins 4-5 (its only neighbour): 4 or more holds 6."""
    outcomes_ = figures(
        *times(6, times_had=1), *times(2, times_had=2), *times(3, times_had=3),
        *times(5, times_had=4), {"times_had": 20},
    )  # fmt: skip
    group = outcomes_.repeat_counts
    assert split(group) == {"1": 6, "2-3": 5, "4+": 6}
    assert [c.label for c in group.cells] == ["1", "2–3", "4 or more"]
    assert group.merged


# -- how long relief lasted -----------------------------------------------------------------


def test_relief_median_reached_and_milestones_while_five_are_followed():
    """Ten reliefs, all ended, at 2, 4, ... 20 weeks: one in ten ends every two weeks, so
    the estimate is 0.5 at week 10 (6 still followed): the median.
    At 1 month (4 weeks) 9 are followed (shown as 5, rounded down to a multiple of 5) and
    0.8 still have relief; at 3 months (13 weeks) only 4 are followed: no point shown."""
    relief = relief_estimate([(weeks, True) for weeks in range(2, 21, 2)])
    assert (relief.n, relief.median, relief.no_median, relief.withheld) == (10, 10, None, None)
    assert [(m.label, m.weeks, m.followed) for m in relief.milestones] == [("1 month", 4, 5)]
    assert relief.milestones[0].share == pytest.approx(0.8)


def test_relief_median_not_reached():
    """One of five ended (week 3): the estimate stays at 0.8, never one half."""
    relief = relief_estimate([(3, True), (5, False), (6, False), (7, False), (8, False)])
    assert (relief.median, relief.no_median) == (None, "not_reached")
    assert relief.milestones == []  # at 4 weeks only 4 are followed


def test_relief_median_with_too_few_followed():
    """Three of six are still going on at week 1 and leave; then 1 of 3 ends at week 10
    (2/3) and 1 of 2 at week 12 (1/3): half have lost relief only once 2 are followed."""
    relief = relief_estimate(
        [(1, False), (1, False), (1, False), (10, True), (12, True), (14, True)]
    )
    assert (relief.median, relief.no_median) == (None, "too_few_followed")


def test_relief_followed_is_rounded_down_and_points_stop_under_five():
    """Twelve reports: two ended at week 2 (10/12 left), four still going on at 30 weeks,
    six at 60. Followed: 10 at 1, 3 and 6 months; 6 at 1 year (shown as 5); none at 2."""
    relief = relief_estimate([(2, True)] * 2 + [(30, False)] * 4 + [(60, False)] * 6)
    assert [(m.label, m.followed) for m in relief.milestones] == [
        ("1 month", 10),
        ("3 months", 10),
        ("6 months", 10),
        ("1 year", 5),
    ]
    assert [m.share for m in relief.milestones] == pytest.approx([10 / 12] * 4)
    assert relief.no_median == "not_reached"


def test_relief_counts_a_censoring_at_risk_in_its_own_week():
    """An end and a "still going on" at week 4: both at risk that week (6, not 5), so the
    estimate drops to 5/6, not 4/5."""
    relief = relief_estimate(
        [(4, True), (4, False), (8, False), (8, False), (9, False), (9, False)]
    )
    [one_month] = relief.milestones
    assert one_month.share == pytest.approx(5 / 6)
    assert one_month.followed == 5  # all six have at least 4 weeks


def test_relief_from_four_durations_is_withheld():
    relief = relief_estimate([(4, True), (8, True), (12, False), (2, True)])
    assert (relief.n, relief.withheld, relief.milestones) == (4, TOO_FEW, [])
    assert relief_estimate([]).withheld is None


def test_summarise_leaves_out_reports_without_a_duration():
    outcomes_ = figures(*times(5, relief_weeks=8), {}, {})
    assert (outcomes_.relief.n, outcomes_.relief.median) == (5, 8)


# -- follow-up completeness --------------------------------------------------------------


def test_follow_up_at_3_6_12_and_24_months():
    """Twenty procedures in January 2023, on 1 July 2024 (18 months on): 5 relief ended, 5
    still going on when updated in May 2023 (4 months on), 5 in August 2023 (7 months on),
    5 still going on when written in February 2023 (1 month on).
    3 months: 15 of 20 say how things stood; 6 months: 10; 12 months: 5; 24: not due."""
    january = {"procedure_year": 2023, "procedure_month": 1, "created_at": datetime(2023, 2, 1)}
    ongoing = {**january, "relief_ongoing": True}
    points = follow_up(
        rows(
            *times(5, **january),
            *times(5, **ongoing, updated_at=datetime(2023, 5, 20)),
            *times(5, **ongoing, updated_at=datetime(2023, 8, 2)),
            *times(5, **ongoing),
        ),
        date(2024, 7, 1),
    )
    assert [(p.label, p.months, p.count, p.denominator) for p in points] == [
        ("3 months", 3, 15, 20),
        ("6 months", 6, 10, 20),
        ("1 year", 12, 5, 20),
        ("2 years", 24, None, 0),
    ]


def test_follow_up_withheld_when_either_side_is_small():
    """Six reports filed in March 2024 with no procedure date, on 15 June 2024 (3 months
    on): 3 ended, 3 still going on. 3 and 3: withheld."""
    points = follow_up(
        rows(*times(3), *times(3, relief_ongoing=True)),
        date(2024, 6, 15),
    )
    assert (points[0].months, points[0].count, points[0].denominator) == (3, None, 6)
    assert points[1].denominator == 0  # 6 months on: not due yet


# -- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "admitted"),
    [
        (1, [(2024, 6), (2023, 6)]),
        (3, [(2024, 6), (2023, 6), (2023, 5), (2021, 6)]),
        (5, [(2024, 6), (2023, 6), (2023, 5), (2021, 6), (2021, 5), (2019, 6)]),
    ],
)
def test_since_filter_counts_the_month_n_years_ago(since, admitted):
    """ "Within the last N years" on 15 June 2024 starts with June of year 2024 - N; an
    undated report is left out whenever the filter is on."""
    dated = [(2024, 6), (2023, 6), (2023, 5), (2021, 6), (2021, 5), (2019, 6), (2019, 5)]
    reports = [row(procedure_year=y, procedure_month=m) for y, m in dated] + [row()]
    chosen = [
        (r.procedure_year, r.procedure_month)
        for r in reports
        if Filters(since_years=since).admits(r, TODAY)
    ]
    assert chosen == admitted
    assert all(Filters().admits(r, TODAY) for r in reports)


def test_since_filter_across_a_year_end():
    """On 31 January 2024 "the last year" starts with January 2023, not December 2022."""
    last_year = Filters(since_years=1)
    on = date(2024, 1, 31)
    assert last_year.admits(row(procedure_year=2023, procedure_month=1), on)
    assert not last_year.admits(row(procedure_year=2022, procedure_month=12), on)


def test_episode_filter():
    """First procedures were had once; repeats twice or more; unanswered, neither."""
    reports = [row(times_had=t) for t in (1, 1, 2, 3, 11, None)]
    assert sum(Filters(episode="first").admits(r, TODAY) for r in reports) == 2
    assert sum(Filters(episode="repeat").admits(r, TODAY) for r in reports) == 3


# -- which views a release publishes ---------------------------------------------------------


def test_filters_whose_rest_is_small_are_withheld():
    """Eight reports, six first procedures and two repeats: "first" would leave 2 aside
    (all minus first = the two repeats), and "repeat" is 2 itself: both withheld; the year
    filters select nobody (no dates): withheld too."""
    data = make_figures(injections(), rows(*times(6, times_had=1), *times(2, times_had=3)), TODAY)
    views = data["views"]
    assert views[""]["n"] == 8
    assert views["episode=first"] is None and views["episode=repeat"] is None
    assert views["since=1"] is None
    assert {key for key, view in views.items() if view is not None} == {""}


def test_filters_published_when_each_side_holds_five():
    data = make_figures(injections(), rows(*times(5, times_had=1), *times(5, times_had=2)), TODAY)
    views = data["views"]
    assert (views[""]["n"], views["episode=first"]["n"], views["episode=repeat"]["n"]) == (10, 5, 5)


def test_a_filter_differing_by_fewer_than_five_from_a_published_one_is_withheld():
    """Fifteen reports: 5 in January 2024, 3 in January 2022, 7 in 2015. "Last year" (5,
    rest 10) is published; "last 3 years" holds 8 with a rest of 7, but differs from "last
    year" by the 3 of 2022, which it would give away: withheld. "Last 5 years" selects the
    same 8: withheld for the same reason."""
    reports = rows(
        *times(5, procedure_year=2024, procedure_month=1),
        *times(3, procedure_year=2022, procedure_month=1),
        *times(7, procedure_year=2015, procedure_month=1),
    )
    views = make_figures(injections(), reports, TODAY)["views"]
    assert views["since=1"]["n"] == 5
    assert views["since=3"] is None
    assert views["since=5"] is None


def test_a_filter_selecting_every_report_is_published():
    """A view identical to "all reports" differs from it by 0: nothing to subtract."""
    reports = rows(*times(6, procedure_year=2024, procedure_month=1, times_had=1))
    views = make_figures(injections(), reports, TODAY)["views"]
    assert (
        views["since=1"]["n"]
        == views["episode=first"]["n"]
        == views["since=1&episode=first"]["n"]
        == 6
    )


@pytest.mark.parametrize(("ties", "published", "said"), [(5, True, 5), (2, False, None)])
def test_declared_ties_left_out_and_published_beside_only_five_apart(ties, published, said):
    """Ten reports plus some whose authors declared a tie: the main figures leave those
    out; the figures with them are published only when they add at least 5 reports."""
    reports = rows(*times(10), *times(ties, has_conflict=True, pain_best=7))
    data = make_figures(injections(), reports, TODAY)
    assert data["views"][""]["n"] == 10
    assert data["ties"] == said
    assert (data["with_ties"] is not None) is published
    if published:
        assert data["with_ties"]["n"] == 15


# -- the pages ---------------------------------------------------------------------------


def test_four_reports_page_shows_the_count_and_why_nothing_else(app, client, treatment, file):
    """A board with four counted reports shows "4 reports" and why there is nothing more;
    the open data holds the count alone."""
    for _ in range(4):
        file(treatment)
    publish(app, treatment)

    page = client.get("/b/epidurals/outcomes")
    assert page.status_code == 200
    shown = text(page)
    assert "From 4 reports." in shown
    assert "That is too few to summarise without risking identifying anyone" in shown
    for section in FIGURE_SECTIONS:
        assert section not in page.get_data(as_text=True)
    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert (data["reports"], data["suppressed"], data["minimum_reports"]) == (4, True, 5)
    assert [c["measure"] for c in data["cells"]] == ["reports"]
    assert csv_rows(client.get("/b/epidurals/outcomes.csv")) == [
        {
            "measure": "reports",
            "category": "",
            "value": "",
            "count": "4",
            "denominator": "4",
            "share": "",
            "suppressed": "false",
        }
    ]


def test_five_reports_show_every_figure(app, client, treatment, file):
    """Five reports of 7 -> 3, "much improved", relief of 8 weeks that ended."""
    for _ in range(5):
        file(treatment, relief_weeks=8)
    publish(app, treatment)

    page = client.get("/b/epidurals/outcomes")
    for section in FIGURE_SECTIONS:
        assert f'id="{section}"' in page.get_data(as_text=True)
    shown = text(page)
    assert "From 5 reports." in shown and "too few to summarise" not in shown
    assert "Median pain before (0–10) 7 from 5 reports" in shown
    assert "Median pain at best effect 3 from 5 reports" in shown
    assert "At least 30% less pain 5 of 5 reports (100%)" in shown
    assert "At least 50% less pain 5 of 5 reports (100%)" in shown
    assert "Much improved 5 of 5 reports (100%)" in shown
    assert "Median: 8 weeks from 5 reports" in shown
    assert "1 month 100% at least 5" in shown  # still followed at 4 weeks: all five
    assert "Figures as of" in shown and "from 5 reports." in shown


def test_merged_and_withheld_answers_on_the_page(app, client, treatment, file):
    """Ten reports: PGIC 3 very much improved, 2 minimally, 5 unchanged is shown as
    improved 5 / no change 5 with a note; 9 "would repeat" yes and 1 no is withheld with
    its reason; numbness in 3 mild and 2 severe shows no severe figure."""
    for number in range(10):
        file(
            treatment,
            pgic=(1, 1, 1, 3, 3)[number] if number < 5 else 4,
            would_repeat="yes" if number else "no",
            side_effects={"numbness": "severe" if number < 2 else "mild"} if number < 5 else {},
        )
    publish(app, treatment)

    shown = text(client.get("/b/epidurals/outcomes"))
    assert "Improved 5 of 10 reports (50%)" in shown and "No change 5 of 10 reports (50%)" in shown
    assert "Very much improved" not in shown
    assert "Some answers are merged so that no figure rests on fewer than 5 reports." in shown
    assert f"Would have it again: withheld — {SMALL_CELLS}" in shown
    assert "not shown separately" in shown  # numbness: severe in 2 of 10
    assert "2 of 10" not in shown and "3 of 10" not in shown
    assert "9 of 10" not in shown and "1 of 10" not in shown and "3 of 10" not in shown


def test_a_merged_side_effect_shows_its_any_severity_count(app, client, treatment, file):
    for number in range(10):
        file(
            treatment,
            side_effects={"numbness": "severe" if number < 2 else "mild"} if number < 5 else {},
        )
    publish(app, treatment)
    assert "Numbness 5 of 10 not shown separately" in text(
        client.get("/b/epidurals/outcomes")
    )


def test_new_reports_wait_for_the_next_release(app, client, treatment, file):
    """Figures do not move with one more report: the page says it is waiting, and the
    report is in the figures once the next release is made."""
    for _ in range(5):
        file(treatment)
    publish(app, treatment)
    file(treatment, pain_best=7)  # a brand-new member's report

    shown = text(client.get("/b/epidurals/outcomes"))
    assert "From 5 reports." in shown
    assert "1 report is waiting to count" in shown
    assert client.get("/b/epidurals/outcomes.json").get_json()["release"]["waiting_reports"] == 1

    publish(app, treatment)
    shown = text(client.get("/b/epidurals/outcomes"))
    assert "From 6 reports." in shown and "waiting to count" not in shown


def test_the_periodic_job_counts_reports_once_their_authors_are_a_week_old(
    app, client, treatment, file
):
    """Five reports by brand-new members wait; a week later, with no report written since,
    the periodic job publishes them."""
    for _ in range(5):
        file(treatment)
    assert _reports(client) == 0
    with app.app_context():
        db.session.execute(sa.update(User).values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["forum", "release-outcomes"])
    assert result.exit_code == 0, result.output
    assert _reports(client) == 5


def test_a_withheld_filter_says_so_in_every_form(app, client, treatment, file):
    """Six first procedures and two repeats: "repeat" (2) and "first" (a rest of 2) are
    withheld: the page says so and the open data carries no cells."""
    for times_had in (1, 1, 1, 1, 1, 1, 2, 2):
        file(treatment, times_had=times_had)
    publish(app, treatment)

    for query in ("episode=repeat", "episode=first"):
        page = client.get(f"/b/epidurals/outcomes?{query}")
        assert page.status_code == 200
        shown = text(page)
        assert "Figures for these filters are withheld in this update" in shown
        assert "From 2 reports" not in shown and "From 6 reports" not in shown
        data = client.get(f"/b/epidurals/outcomes.json?{query}").get_json()
        assert (data["withheld"], data["reports"], data["cells"]) == (True, None, [])
        assert "declared_ties" not in data
        assert csv_rows(client.get(f"/b/epidurals/outcomes.csv?{query}")) == []
    assert "From 8 reports." in text(client.get("/b/epidurals/outcomes"))


def test_a_published_filter(app, client, treatment, file):
    for times_had in (1, 1, 1, 1, 1, 2, 2, 3, 3, 4):
        file(treatment, times_had=times_had)
    publish(app, treatment)
    data = client.get("/b/epidurals/outcomes.json?episode=repeat").get_json()
    assert (data["withheld"], data["reports"]) == (False, 5)
    assert data["filters"] == {"since_years": None, "episode": "repeat"}
    assert "From 5 reports that match these filters." in text(
        client.get("/b/epidurals/outcomes?episode=repeat")
    )


def test_declared_ties_under_five_are_not_counted_exactly(app, client, treatment, file):
    for _ in range(5):
        file(treatment)
    for _ in range(2):
        file(treatment, has_conflict=True, conflict_disclosure="I work for the clinic")
    publish(app, treatment)

    shown = text(client.get("/b/epidurals/outcomes"))
    assert "From 5 reports." in shown
    assert (
        "Fewer than 5 reports from members who declared a tie to a clinic, device maker or "
        "drug company are left out of the figures above; too few to show separately" in shown
    )
    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert data["declared_ties"] == {"reports": None, "cells_including_them": None}


def test_declared_ties_published_beside(app, client, treatment, file):
    for _ in range(5):
        file(treatment)
    for _ in range(5):
        file(treatment, has_conflict=True, conflict_disclosure="I work for the clinic", pain_best=6)
    publish(app, treatment)

    shown = text(client.get("/b/epidurals/outcomes"))
    assert "The figures above leave out 5 reports from members who declared a tie" in shown
    # With them: 10 reports, 5 of them 7 -> 3 (57% less) and 5 of them 7 -> 6 (14% less).
    assert "With them included (from 10 reports)" in shown
    assert "At least 30% less pain 5 of 10 reports (50%)" in shown
    ties = client.get("/b/epidurals/outcomes.json").get_json()["declared_ties"]
    assert ties["reports"] == 5
    assert cell({"cells": ties["cells_including_them"]}, "reports")["count"] == 10


# -- open data -----------------------------------------------------------------------------


def _documented_measures() -> set[str]:
    """The measure names of the open-data table in docs/outcomes.md."""
    [line] = [x for x in OUTCOMES_DOC.read_text().splitlines() if x.startswith("| `measure` |")]
    return set(re.findall(r"`([^`]+)`", line.split("|")[2]))


def _everything(file, treatment):
    """Ten reports whose answers exercise every measure: relief of 20 weeks, ended for
    half of them; a mild flare in five; weakness in two and infection in three (too rare
    alone, five together); an emergency visit in five."""
    rare = [{"weakness": "severe"}] * 2 + [{"infection": "mild"}] * 3
    for number in range(10):
        ended = number % 2 == 0
        file(
            treatment,
            pgic=1 + number % 2,
            times_had=1,
            percent_relief=60,
            relief_weeks=20,
            relief_ongoing=not ended,
            procedure_year=2020,
            procedure_month=1,
            side_effects={"flare": "mild"} if number < 5 else rare[number - 5],
            complications=["emergency"] if number < 5 else [],
            stop_reason="wore_off" if ended else "ongoing",
            would_repeat="yes",
            would_recommend="no",
        )


def test_every_measure_is_documented_in_the_open_data_table(app, client, treatment, file):
    """Each measure of the CSV is in docs/outcomes.md's table (codes after ":" as <code>), and
    each documented one is in the CSV: the table and the data do not drift apart."""
    _everything(file, treatment)
    publish(app, treatment)

    parsed = csv_rows(client.get("/b/epidurals/outcomes.csv"))
    measures = {re.sub(r":.*", ":<code>", r["measure"]) for r in parsed}
    assert measures == _documented_measures()
    by_measure = {}
    for r in parsed:
        by_measure.setdefault(r["measure"], []).append(r["category"])
    assert by_measure["pgic"] == ["1", "2", "3", "4", "5", "6", "7"]
    assert by_measure["pain_reduction"] == ["50", "30", "under_30"]
    assert by_measure["side_effect:flare"] == ["none", "mild_moderate", "severe"]
    assert by_measure["side_effect:other_rare"] == ["none", "any"]
    assert by_measure["complication:emergency"] == ["no", "yes"]
    assert by_measure["relief_km_share"] == ["week_4", "week_13"]
    assert by_measure["followed_up"] == ["month_3", "month_6", "month_12", "month_24"]
    # The JSON carries the same cells.
    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert [(c["measure"], c["category"]) for c in data["cells"]] == [
        (r["measure"], r["category"]) for r in parsed
    ]


def test_open_data_holds_aggregates_only(app, client, make_user, treatment, file):
    """Nothing of any one report reaches the JSON, the CSV or the page: no pseudonym,
    title, text, disclosure or link to a post."""
    post_ids = [
        file(
            treatment,
            author=make_user(f"quokka-writer-{number}"),
            title=f"Zanzibar saga {number}",
            has_conflict=number < 5,
            conflict_disclosure="I consult for Acme Spinal Devices" if number < 5 else None,
            relief_weeks=9,
        )
        for number in range(10)
    ]
    publish(app, treatment)
    tell_tales = ("quokka-writer", "Zanzibar", "Acme Spinal", "What happened", "/p/", "/t/")

    response = client.get("/b/epidurals/outcomes.json")
    data = response.get_json()
    assert set(data) == {
        "treatment",
        "filters",
        "release",
        "withheld",
        "reports",
        "suppressed",
        "minimum_reports",
        "note",
        "licence",
        "licence_url",
        "source",
        "cells",
        "declared_ties",
    }
    assert data["treatment"] == {"slug": "epidurals", "name": "Epidurals"}
    assert all(set(c) == set(CSV_HEADER) for c in data["cells"])
    assert (data["licence"], data["licence_url"]) == (
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert data["source"].endswith("/b/epidurals/outcomes")
    for output in (
        response,
        client.get("/b/epidurals/outcomes.csv"),
        client.get("/b/epidurals/outcomes"),
    ):
        body = output.get_data(as_text=True)
        for tell_tale in tell_tales:
            assert tell_tale not in body, (output.content_type, tell_tale)
        for post_id in post_ids:
            assert f"/p/{post_id}" not in body


def test_csv_parses_with_the_documented_header_and_licence_link(app, client, treatment, file):
    for _ in range(5):
        file(treatment)
    publish(app, treatment)

    response = client.get("/b/epidurals/outcomes.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    )
    assert "firsthand-epidurals-outcomes.csv" in response.headers["Content-Disposition"]
    header, *body = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == CSV_HEADER
    assert body and all(len(line) == len(CSV_HEADER) for line in body)
    parsed = csv_rows(response)
    assert (parsed[0]["measure"], parsed[0]["count"]) == ("reports", "5")
    [median] = [r for r in parsed if r["measure"] == "pain_before_median"]
    assert median["value"] == "7"
    [much] = [r for r in parsed if r["measure"] == "pgic" and r["category"] == "2"]
    assert (much["count"], much["share"]) == ("5", "1.0")
    assert {r["suppressed"] for r in parsed} <= {"true", "false"}


def test_open_data_relief_median_not_reached(app, client, treatment, file):
    file(treatment, relief_weeks=3)
    for weeks in (5, 6, 7, 8):
        file(treatment, relief_weeks=weeks, relief_ongoing=True)
    publish(app, treatment)

    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert cell(data, "relief_weeks_km_median", "not_reached") == {
        "measure": "relief_weeks_km_median",
        "category": "not_reached",
        "value": None,
        "count": None,
        "denominator": 5,
        "share": None,
        "suppressed": False,
    }
    shown = text(client.get("/b/epidurals/outcomes"))
    assert "Median: not reached: more than half still had relief at their last report" in shown


# -- which reports count ----------------------------------------------------------------


def _hide_by_moderator(post, moderator):
    decide_on_post(moderator, post, "hide", "Off topic.", [])


def _hide_on_a_flag(post, moderator):
    flag_post(moderator, post, "spam")  # a moderator's flag hides at once


def _delete_by_author(post, moderator):
    delete_post(db.session.get(User, post.author_id), post)


def _delete_by_moderator(post, moderator):
    decide_on_post(moderator, post, "delete", "Spam.", [])


def _hide_the_thread(post, moderator):
    db.session.execute(sa.update(Thread).where(Thread.id == post.thread_id).values(is_hidden=True))
    db.session.commit()


def _make_pending(post, moderator):
    db.session.execute(sa.update(Post).where(Post.id == post.id).values(state="pending"))
    db.session.commit()


def _reports(client, slug: str = "epidurals") -> int:
    return client.get(f"/b/{slug}/outcomes.json").get_json()["reports"]


@pytest.mark.parametrize(
    "withdraw",
    [
        _hide_by_moderator,
        _hide_on_a_flag,
        _delete_by_author,
        _delete_by_moderator,
        _hide_the_thread,
        _make_pending,
    ],
    ids=lambda f: f.__name__.lstrip("_"),
)
def test_reports_nobody_can_read_do_not_count(app, client, treatment, file, moderator, withdraw):
    """A report on a post that is hidden, deleted or waiting, or in a hidden thread, is
    left out of the next release: readers could not check it."""
    file(treatment)
    withdrawn = file(treatment)
    publish(app, treatment)
    assert _reports(client) == 2
    with app.app_context():
        withdraw(db.session.get(Post, withdrawn), db.session.get(User, moderator.id))
    publish(app, treatment)
    assert _reports(client) == 1


def _file_as_newcomer(app, make_app, make_user, treatment) -> int:
    """A report by a member whose posts wait for a moderator: the id of its pending post."""
    strict = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    newcomer = make_user("first-timer")
    with strict.app_context():
        board = db.session.get(Board, treatment.id)
        post = file_report(
            db.session.get(User, newcomer.id), board, "My first post", "Hello.", answers(board),
            visibility="public",
        )  # fmt: skip
        assert post.state == "pending"
        return post.id


def test_new_members_reports_count_once_approved(
    app, client, make_app, make_user, treatment, moderator
):
    """A new member's report waits for a moderator and counts only once approved."""
    post_id = _file_as_newcomer(app, make_app, make_user, treatment)
    publish(app, treatment)
    assert _reports(client) == 0
    with app.app_context():
        decide_on_post(
            db.session.get(User, moderator.id), db.session.get(Post, post_id), "keep", "", []
        )
    publish(app, treatment)
    assert _reports(client) == 1


def test_a_report_waiting_for_approval_is_said_to_be_waiting(
    app, client, make_app, make_user, treatment
):
    _file_as_newcomer(app, make_app, make_user, treatment)
    publish(app, treatment)
    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert (data["reports"], data["release"]["waiting_reports"]) == (0, 1)
    assert "1 report is waiting to count" in text(client.get("/b/epidurals/outcomes"))


def test_report_from_a_community_board_counts_for_its_treatment(
    app, client, make_board, treatment, file
):
    community = make_board(slug="living-with-pain", name="Living with pain")
    for _ in range(5):
        file(treatment, board=community)
    publish(app, treatment)

    assert "From 5 reports." in text(client.get("/b/epidurals/outcomes"))
    assert client.get("/b/living-with-pain/outcomes").status_code == 404
    assert client.get("/b/living-with-pain/outcomes.json").status_code == 404


def test_other_treatments_reports_do_not_count(app, client, make_treatment, treatment, file):
    ablation = make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    file(treatment)
    file(ablation)
    file(ablation)
    publish(app, treatment, ablation)
    assert (_reports(client), _reports(client, "rfa")) == (1, 2)


# -- bad addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2", "Choose the last 1, 3 or 5 years, or any time."),
        ("since=forever", "Choose the last 1, 3 or 5 years, or any time."),
        ("episode=x", "Choose first procedures, repeat procedures, or both."),
    ],
)
def test_bad_filter_values_are_refused(client, treatment, file, query, message):
    """A hand-edited address with a filter the page does not offer gets a 400 saying what
    to choose: on the page, in the JSON and in the CSV."""
    file(treatment)

    page = client.get(f"/b/epidurals/outcomes?{query}")
    assert page.status_code == 400
    assert message in text(page)
    assert "These filters are not available; choose again above." in text(page)
    data = client.get(f"/b/epidurals/outcomes.json?{query}")
    assert (data.status_code, data.get_json()) == (400, {"error": message})
    plain = client.get(f"/b/epidurals/outcomes.csv?{query}")
    assert (plain.status_code, plain.get_data(as_text=True)) == (400, message)


@pytest.mark.parametrize(
    "query, json_link",
    [
        ("utm_source=newsletter", 'href="/b/epidurals/outcomes.json"'),
        ("since=1&slug=other", 'href="/b/epidurals/outcomes.json?since=1"'),
    ],
)
def test_unrelated_query_parameters_do_not_break_the_page(
    client, treatment, file, query, json_link
):
    file(treatment)
    response = client.get(f"/b/epidurals/outcomes?{query}")
    assert response.status_code == 200
    assert json_link in response.get_data(as_text=True)


# -- compare -----------------------------------------------------------------------------


@pytest.fixture
def two_treatments(app, make_treatment, treatment, file):
    """Epidurals: five reports of 7 -> 3. Ablation: five of 5 -> 4, "no change", with one
    severe flare. Both published."""
    ablation = make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    for _ in range(5):
        file(treatment)
    for number in range(5):
        file(
            ablation,
            pain_before=5,
            pain_best=4,
            pgic=4,
            side_effects={"flare": "severe"} if number == 0 else {},
        )
    publish(app, treatment, ablation)
    return treatment, ablation


@pytest.mark.parametrize("query", ["boards=epidurals,rfa", "boards=epidurals&boards=rfa"])
def test_compare_shows_two_treatments_side_by_side(client, two_treatments, query):
    response = client.get(f"/outcomes?{query}")
    assert response.status_code == 200
    shown = text(response)
    assert "Figure Epidurals Radiofrequency ablation" in shown
    assert "Reports 5 5" in shown
    assert "Median pain before (0–10) 7 from 5 reports 5 from 5 reports" in shown
    # 7 -> 3 is 57% less; 5 -> 4 is 20% less
    assert (
        "At least 30% less pain (IMMPACT: moderately important) "
        "5 of 5 reports (100%) 0 of 5 reports (0%)" in shown
    )
    # Ablation: one report with a side effect and four without: withheld, never "1 of 5".
    assert "Any side effect 0 of 5 reports (0%) withheld" in shown
    assert (
        "Improved (minimally, much or very much) 5 of 5 reports (100%) 0 of 5 reports (0%)" in shown
    )


def test_compare_reads_improved_from_a_merged_pgic(app, client, make_treatment, treatment, file):
    """PGIC 3 very much and 2 minimally improved, 5 unchanged: "improved" is 5 of 10."""
    for pgic in (1, 1, 1, 3, 3, 4, 4, 4, 4, 4):
        file(treatment, pgic=pgic)
    publish(app, treatment)
    shown = text(client.get("/outcomes?boards=epidurals"))
    assert "Improved (minimally, much or very much) 5 of 10 reports (50%)" in shown


def test_compare_a_board_with_too_few_reports(app, client, make_treatment, two_treatments, file):
    rare = make_treatment("implant", slug="scs", name="Spinal cord stimulation")
    file(rare)
    file(rare)
    publish(app, rare)
    shown = text(client.get("/outcomes?boards=epidurals,scs"))
    assert "Reports 5 2 (too few to summarise)" in shown
    assert "Median pain before (0–10) 7 from 5 reports –" in shown


def test_compare_a_withheld_filter(app, client, two_treatments, file):
    """Epidurals: 2 first procedures of 7; ablation: none of 5 gave "times had". Neither
    "first procedures" view has 5 reports with 0 or at least 5 aside: both withheld."""
    treatment, _ablation = two_treatments
    for _ in range(2):
        file(treatment, times_had=1)
    publish(app, treatment)
    shown = text(client.get("/outcomes?boards=epidurals,rfa&episode=first"))
    assert "Reports withheld for these filters withheld for these filters" in shown
    assert "Reports 7 5" in text(client.get("/outcomes?boards=epidurals,rfa"))


def test_compare_at_most_three(client, make_treatment, treatment):
    for slug in ("rfa", "scs", "ketamine"):
        make_treatment(slug=slug)
    response = client.get("/outcomes?boards=epidurals,rfa,scs,ketamine")
    assert response.status_code == 400
    assert "Compare at most 3 treatments at a time." in text(response)


@pytest.mark.parametrize("slug", ["no-such-board", "living-with-pain"])
def test_compare_refuses_boards_that_are_not_treatments(client, make_board, treatment, slug):
    make_board(slug="living-with-pain", name="Living with pain")
    response = client.get(f"/outcomes?boards=epidurals,{slug}")
    assert response.status_code == 400
    assert f"There is no treatment board called “{slug}”." in text(response)


def test_compare_without_boards_shows_the_picker(client, make_board, treatment):
    make_board(slug="living-with-pain", name="Living with pain")
    response = client.get("/outcomes")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="boards" value="epidurals"' in body
    assert 'value="living-with-pain"' not in body
    assert "Outcomes side by side" not in body


def test_compare_with_a_bad_filter(client, two_treatments):
    response = client.get("/outcomes?boards=epidurals,rfa&since=2")
    assert response.status_code == 400
    assert "Choose the last 1, 3 or 5 years, or any time." in text(response)


# -- SQL ---------------------------------------------------------------------------------

CEILING = 4


def _file_many(file, board, how_many: int) -> None:
    """Reports with every kind of answer, so each figure has rows to work through."""
    for number in range(how_many):
        file(
            board,
            pain_before=number % 11,
            pain_best=(number * 3) % 11,
            pgic=number % 7 + 1,
            times_had=number % 13 + 1,
            percent_relief=number * 2,
            relief_weeks=number,
            relief_ongoing=number % 3 == 0,
            side_effects={"flare": "severe"} if number % 2 else {"numbness": "mild"},
            complications=["emergency"] if number % 4 == 0 else [],
            stop_reason="no_effect" if number % 3 else None,
            would_repeat=("yes", "no", "unsure")[number % 3],
            would_recommend=("yes", "no")[number % 2],
        )


def test_outcome_pages_run_a_bounded_number_of_statements(
    app, client, make_treatment, treatment, file, count_queries
):
    """The outcomes page, its open data and the compare page read the stored release:
    the same few statements with 5 reports as with 40."""
    ablation = make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    paths = (
        "/b/epidurals/outcomes",
        "/b/epidurals/outcomes.json",
        "/b/epidurals/outcomes.csv",
        "/outcomes?boards=epidurals,rfa",
    )
    statements = {}
    for size, add in (("small", 5), ("large", 35)):
        _file_many(file, treatment, add)
        _file_many(file, ablation, add)
        publish(app, treatment, ablation)
        for path in paths:
            with count_queries() as sent:
                response = client.get(path)
            assert response.status_code == 200, path
            statements[(path, size)] = len(sent)
    assert _reports(client) == 40
    for path in paths:
        assert statements[(path, "small")] == statements[(path, "large")], path
        assert statements[(path, "large")] <= CEILING, path


def test_a_group_pooled_or_merged_into_one_catch_all_is_withheld():
    """Why they stopped: 3 no effect, 3 cost, 3 side effects: each too few alone, all nine
    pooled into "other" would say nothing, so the question is withheld; the same for times
    had when every bucket merges into one."""
    outcomes_ = figures(
        *times(3, stop_reason="no_effect", times_had=1),
        *times(3, stop_reason="cost", times_had=4),
        *times(3, stop_reason="side_effects", times_had=20),
    )
    assert outcomes_.stop_reasons.withheld == SMALL_CELLS
    assert outcomes_.repeat_counts.withheld == SMALL_CELLS
