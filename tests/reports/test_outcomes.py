"""Outcome summaries of experience reports: the figures, the small-number rules, the open
data, the filters, the compare view and what they cost in SQL.

Every expected number is worked out by hand in the test (or the comment beside it), never
by asking the code under test."""

import csv
import html
import io
import re
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.moderation.services import decide_on_post, flag_post
from forum.reports.outcomes import Filters, kaplan_meier, summarise, summarise_boards
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import delete_post
from tests.reports.conftest import answers

CSV_HEADER = ["measure", "category", "value", "count", "denominator", "share", "suppressed"]
# The README's open-data table, column `measure`.
DOCUMENTED_MEASURES = (
    "reports",
    "pain_before_median",
    "pain_best_median",
    "percent_relief_median",
    "pain_reduction_at_least_30",
    "pain_reduction_at_least_50",
    "pgic",
    "relief_weeks_km_median",
    "would_repeat",
    "would_recommend",
    "side_effect_any",
    "side_effect",
    "side_effect_severe",
    "complication_any",
    "complication",
    "stop_reason",
    "times_had",
)
FIGURE_SECTIONS = (
    "pain-heading",
    "pgic-heading",
    "relief-heading",
    "again-heading",
    "effects-heading",
    "stop-heading",
)


# -- helpers ---------------------------------------------------------------------------


def row(**answers_given) -> SimpleNamespace:
    """One report as summarise() reads it (the columns of outcomes._COLUMNS): the required
    answers (pain 7 to 3, "much improved") and nothing optional unless given."""
    return SimpleNamespace(
        **{
            "board_id": 1,
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
            **answers_given,
        }
    )


def rows(*answer_sets: dict) -> list[SimpleNamespace]:
    return [row(**given) for given in answer_sets]


def injections() -> Board:
    """A treatment board of the injection family, never saved: summarise() only reads it."""
    return Board(slug="epidurals", name="Epidurals", family="injection")


def counts(distribution) -> dict:
    """{key: (count, denominator)} of a list of Count, whatever is shown or withheld."""
    return {c.key: (c.count, c.denominator) for c in distribution}


def summary(app, board, filters: Filters | None = None, today: date | None = None):
    with app.app_context():
        [outcomes] = summarise_boards([board], filters or Filters(), today=today)
        return outcomes


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


def csv_cell(parsed: list[dict], measure: str, category: str = "") -> dict:
    [found] = [r for r in parsed if r["measure"] == measure and r["category"] == category]
    return found


# -- summarise(): the figures, from fixed rows -------------------------------------------


def test_pain_medians_with_an_odd_number_of_reports():
    """The page's "median pain before" and "at best" are the middle report's answers."""
    outcomes = summarise(
        injections(),
        rows(
            {"pain_before": 8, "pain_best": 2},
            {"pain_before": 6, "pain_best": 4},
            {"pain_before": 9, "pain_best": 1},
            {"pain_before": 7, "pain_best": 3},
            {"pain_before": 5, "pain_best": 6},
        ),
    )
    # before sorted 5 6 [7] 8 9; best sorted 1 2 [3] 4 6
    assert (outcomes.pain_before.value, outcomes.pain_before.n) == (7, 5)
    assert (outcomes.pain_best.value, outcomes.pain_best.n) == (3, 5)
    assert not outcomes.pain_before.suppressed


def test_pain_medians_with_an_even_number_of_reports():
    """With an even number of reports the median is halfway between the middle two."""
    outcomes = summarise(
        injections(),
        rows(
            {"pain_before": 8, "pain_best": 2},
            {"pain_before": 6, "pain_best": 4},
            {"pain_before": 9, "pain_best": 1},
            {"pain_before": 7, "pain_best": 3},
            {"pain_before": 5, "pain_best": 6},
            {"pain_before": 10, "pain_best": 0},
        ),
    )
    # before sorted 5 6 [7 8] 9 10 -> 7.5; best sorted 0 1 [2 3] 4 6 -> 2.5
    assert outcomes.pain_before.value == 7.5
    assert outcomes.pain_best.value == 2.5
    assert outcomes.pain_before.n == outcomes.pain_best.n == 6


def test_percent_relief_median_counts_only_those_who_answered():
    """Members who skipped "percent relief" neither pull the median down nor count in n."""
    relief = [80, None, 20, 50, None, 90, 60]
    outcomes = summarise(injections(), rows(*({"percent_relief": r} for r in relief)))
    # answered: 20 50 [60] 80 90 -> 60, from 5 answers of 7 reports
    assert (outcomes.percent_relief.value, outcomes.percent_relief.n) == (60, 5)
    assert not outcomes.percent_relief.suppressed


def test_percent_relief_median_from_four_answers_is_withheld():
    """Four answers among six reports are too few for a median of their own."""
    relief = [80, None, 20, 50, None, 90]
    outcomes = summarise(injections(), rows(*({"percent_relief": r} for r in relief)))
    assert outcomes.percent_relief.n == 4
    assert outcomes.percent_relief.suppressed


def test_immpact_benchmarks_count_exactly_30_and_50_percent():
    """A drop of exactly 30% counts as "at least 30% less pain", exactly 50% as "at least
    50%"; reports with no pain before are left out of both, not counted as failures."""
    pain = [
        (10, 7),  # 30% exactly: >=30 only
        (7, 5),  # 28.6%: neither
        (10, 5),  # 50% exactly: both
        (8, 4),  # 50% exactly: both
        (6, 1),  # 83%: both
        (4, 2),  # 50% exactly: both
        (2, 1),  # 50% exactly: both
        (9, 7),  # 22%: neither
        (4, 6),  # worse: neither, but still in the denominator
        (0, 0),  # no pain before: left out
        (0, 0),  # no pain before: left out
    ]
    outcomes = summarise(injections(), rows(*({"pain_before": b, "pain_best": a} for b, a in pain)))
    # denominator 11 - 2 = 9; >=30%: 10→7, 10→5, 8→4, 6→1, 4→2, 2→1 = 6; >=50%: those less 10→7 = 5
    assert (outcomes.reduction_30.count, outcomes.reduction_30.denominator) == (6, 9)
    assert (outcomes.reduction_50.count, outcomes.reduction_50.denominator) == (5, 9)
    assert outcomes.reduction_30.share == pytest.approx(6 / 9)
    assert outcomes.reduction_50.share == pytest.approx(5 / 9)
    assert outcomes.pain_before.n == 11  # the medians still use every report


def test_pgic_distribution_over_every_report():
    """Each point of the 7-point scale is a share of all reports; unused points show 0."""
    pgic = [1, 2, 2, 1, 2, 2, 4, 1, 2, 1, 1, 7]
    outcomes = summarise(injections(), rows(*({"pgic": p} for p in pgic)))
    # 1: five, 2: five, 4: one, 7: one; 12 reports
    assert counts(outcomes.pgic) == {
        "1": (5, 12),
        "2": (5, 12),
        "3": (0, 12),
        "4": (1, 12),
        "5": (0, 12),
        "6": (0, 12),
        "7": (1, 12),
    }
    by_key = {c.key: c for c in outcomes.pgic}
    assert by_key["1"].share == pytest.approx(5 / 12)
    assert by_key["3"].share == 0 and not by_key["3"].suppressed
    assert by_key["4"].suppressed and by_key["4"].share is None
    assert (outcomes.improved.count, outcomes.improved.denominator) == (10, 12)


def test_would_repeat_shares_are_among_those_who_answered():
    """ "Would have it again" is out of the members who answered, not out of every report."""
    repeat = ["yes"] * 6 + ["no"] * 5 + [None]
    outcomes = summarise(injections(), rows(*({"would_repeat": r} for r in repeat)))
    assert counts(outcomes.would_repeat) == {"yes": (6, 11), "no": (5, 11), "unsure": (0, 11)}
    yes, no, unsure = outcomes.would_repeat
    assert yes.share == pytest.approx(6 / 11)
    assert no.share == pytest.approx(5 / 11)
    assert unsure.share == 0 and not unsure.suppressed
    # Nobody answered "would recommend": no denominator, nothing to show.
    assert counts(outcomes.would_recommend) == {"yes": (0, 0), "no": (0, 0), "unsure": (0, 0)}
    assert all(c.share is None for c in outcomes.would_recommend)


def test_would_repeat_answered_by_four_is_withheld_even_where_zero():
    """With four answers every share is withheld, the zeroes too: a denominator under 5."""
    repeat = ["yes", "yes", "no", "yes", None, None]
    outcomes = summarise(injections(), rows(*({"would_repeat": r} for r in repeat)))
    assert counts(outcomes.would_repeat) == {"yes": (3, 4), "no": (1, 4), "unsure": (0, 4)}
    assert all(c.suppressed and c.share is None for c in outcomes.would_repeat)


def test_side_effects_any_severity_and_severe():
    """Each side effect of the treatment's list counts at any severity and severe alone,
    out of every report; "any side effect" counts reports, not side effects."""
    effects = [
        {"flare": "severe", "numbness": "mild"},
        {"flare": "severe"},
        {"flare": "severe", "weakness": "severe"},
        {"flare": "severe"},
        {"flare": "severe", "numbness": "moderate"},
        {"flare": "mild"},
        {"numbness": "mild"},
        {},
        {},
        {},
    ]
    outcomes = summarise(injections(), rows(*({"side_effects": e} for e in effects)))
    # reports with any side effect: the first seven
    assert (outcomes.any_side_effect.count, outcomes.any_side_effect.denominator) == (7, 10)
    table = {any_.key: (any_.count, severe.count) for any_, severe in outcomes.side_effects}
    assert table == {
        "flare": (6, 5),  # six reports name it, five of them severe
        "dural_headache": (0, 0),
        "numbness": (3, 0),
        "weakness": (1, 1),
        "infection": (0, 0),
        "steroid_flushing": (0, 0),
        "steroid_insomnia": (0, 0),
        "blood_sugar": (0, 0),
        "other": (0, 0),
    }  # the injection family's list, in its order
    assert all(a.denominator == s.denominator == 10 for a, s in outcomes.side_effects)
    flare_any, flare_severe = outcomes.side_effects[0]
    assert flare_any.share == pytest.approx(0.6) and flare_severe.share == pytest.approx(0.5)
    numbness_any, numbness_severe = outcomes.side_effects[2]
    assert numbness_any.suppressed and not numbness_severe.suppressed


def test_complications_and_any_complication():
    """ "Any serious complication" counts reports with at least one; each kind out of all."""
    complications = [
        ["emergency", "nerve_damage"],
        ["emergency"],
        ["emergency"],
        ["emergency", "revision_surgery"],
        ["emergency"],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    ]
    outcomes = summarise(injections(), rows(*({"complications": c} for c in complications)))
    assert (outcomes.any_complication.count, outcomes.any_complication.denominator) == (5, 12)
    assert counts(outcomes.complications) == {
        "emergency": (5, 12),
        "revision_surgery": (1, 12),
        "device_removal": (0, 12),
        "nerve_damage": (1, 12),
    }
    assert outcomes.any_complication.share == pytest.approx(5 / 12)


def test_stop_reasons_among_those_who_answered():
    """Why members stopped: shares of those who gave a reason."""
    reasons = ["wore_off"] * 5 + ["no_effect"] * 2 + ["cost"] + [None] * 3
    outcomes = summarise(injections(), rows(*({"stop_reason": r} for r in reasons)))
    assert counts(outcomes.stop_reasons) == {
        "no_effect": (2, 8),
        "wore_off": (5, 8),
        "side_effects": (0, 8),
        "cost": (1, 8),
        "device_problem": (0, 8),
        "clinician_advice": (0, 8),
        "ongoing": (0, 8),
    }
    shares = {c.key: c.share for c in outcomes.stop_reasons}
    assert shares["wore_off"] == pytest.approx(5 / 8)
    assert shares["side_effects"] == 0  # a zero is shown
    assert shares["no_effect"] is None and shares["cost"] is None  # 2 and 1: withheld


def test_repeat_counts_fall_into_buckets_at_their_edges():
    """How many times members had it: 1, 2, 3, 4-5, 6-10 and 11+, edges included."""
    times = [1, 1, 2, 3, 4, 5, 6, 10, 11, 50, None]
    outcomes = summarise(injections(), rows(*({"times_had": t} for t in times)))
    assert counts(outcomes.repeat_counts) == {
        "1": (2, 10),
        "2": (1, 10),
        "3": (1, 10),
        "4-5": (2, 10),  # 4 and 5
        "6-10": (2, 10),  # 6 and 10
        "11+": (2, 10),  # 11 and 50
    }
    assert [c.label for c in outcomes.repeat_counts] == ["1", "2", "3", "4–5", "6–10", "11 or more"]


# -- kaplan_meier(): how long relief lasts ----------------------------------------------


def test_kaplan_meier_without_censoring_is_the_plain_share():
    """When every relief has ended, the curve is simply the share not yet ended."""
    survival = kaplan_meier([(2, True), (4, True), (6, True), (8, True)])
    assert survival.steps == [(2, 0.75), (4, 0.5), (6, 0.25), (8, 0.0)]
    assert survival.median == 4  # the first week at which it is one half or below
    assert (survival.n, survival.events, survival.last_week) == (4, 4, 8)


def test_kaplan_meier_with_relief_still_going_on():
    """Relief still going on counts as "at least this long": it stays at risk up to its
    week and never as an end, so the median is later than the ended reports alone say."""
    survival = kaplan_meier([(12, True), (6, False), (4, True), (10, False), (8, True)])
    # week 4: 5 at risk, 1 ends -> 4/5 = 0.8; week 6: one censored, 3 left
    # week 8: 3 at risk, 1 ends -> 0.8 * 2/3 = 0.5333; week 10: one censored, 1 left
    # week 12: 1 at risk, 1 ends -> 0
    assert [week for week, _ in survival.steps] == [4, 8, 12]
    assert [share for _, share in survival.steps] == pytest.approx([0.8, 0.8 * 2 / 3, 0.0])
    assert survival.median == 12  # 0.533 at week 8 is still above one half
    assert (survival.n, survival.events, survival.last_week) == (5, 3, 12)


def test_kaplan_meier_counts_a_censoring_at_risk_in_its_own_week():
    """An end and a "still going on" at the same week: the ongoing one is still at risk
    that week (3 at risk, not 2), so the estimate drops to 2/3, not to one half."""
    survival = kaplan_meier([(4, True), (4, False), (8, True)])
    # week 4: 3 at risk, 1 ends -> 2/3; then 1 left; week 8: 1 ends -> 0
    assert [week for week, _ in survival.steps] == [4, 8]
    assert [share for _, share in survival.steps] == pytest.approx([2 / 3, 0.0])
    assert survival.median == 8
    assert survival.events == 2


def test_kaplan_meier_median_at_exactly_one_half():
    """Falling to exactly one half reaches the median."""
    survival = kaplan_meier([(8, False), (4, True)])
    assert survival.steps == [(4, 0.5)]  # 2 at risk, 1 ends
    assert survival.median == 4


def test_kaplan_meier_median_not_reached_when_fewer_than_half_ended():
    """With one of four ended the median is "not reached" (None), not a number."""
    survival = kaplan_meier([(10, False), (2, True), (12, False), (10, False)])
    assert survival.steps == [(2, 0.75)]  # 4 at risk, 1 ends
    assert survival.median is None
    assert (survival.n, survival.events, survival.last_week) == (4, 1, 12)


def test_kaplan_meier_all_still_going_on():
    """Nobody's relief has ended: no drop at all and no median."""
    survival = kaplan_meier([(3, False), (5, False), (5, False)])
    assert survival.steps == []
    assert survival.median is None
    assert (survival.n, survival.events, survival.last_week) == (3, 0, 5)


def test_kaplan_meier_without_durations():
    """No member gave a duration: nothing to estimate."""
    survival = kaplan_meier([])
    assert (survival.n, survival.events, survival.median, survival.steps) == (0, 0, None, [])
    assert survival.last_week == 0


def test_summarise_feeds_relief_durations_to_kaplan_meier():
    """Reports without a duration are left out; "still going on" ones are censored."""
    durations = [(4, False), (6, True), (8, False), (None, False), (10, False), (12, True)]
    outcomes = summarise(
        injections(),
        rows(*({"relief_weeks": w, "relief_ongoing": ongoing} for w, ongoing in durations)),
    )
    # 5 with a duration: week 4 (5 at risk) -> 0.8; week 8 (3 at risk) -> 0.8 * 2/3
    # week 10 (2 at risk) -> 0.8 * 2/3 * 1/2 = 0.2667: the median is week 10
    relief = outcomes.relief
    assert (relief.n, relief.events, relief.median, relief.last_week) == (5, 3, 10, 12)
    assert [share for _, share in relief.steps] == pytest.approx([0.8, 0.8 * 2 / 3, 0.8 / 3])


# -- too few reports ---------------------------------------------------------------------


def test_four_reports_are_too_few_to_summarise():
    """Four reports: the count alone, no figure computed."""
    outcomes = summarise(injections(), rows({}, {}, {}, {}))
    assert outcomes.n == 4 and outcomes.suppressed
    assert outcomes.pain_before is None and outcomes.reduction_30 is None
    assert outcomes.relief is None
    assert outcomes.pgic == [] and outcomes.side_effects == [] and outcomes.repeat_counts == []


def test_four_reports_page_shows_the_count_and_why_nothing_else(client, treatment, file):
    """A reader of a board with four reports sees "4 reports" and why there is nothing
    more, and none of the figure sections; the open data holds the count alone."""
    for _ in range(4):
        file(treatment)

    page = client.get("/b/epidurals/outcomes")
    assert page.status_code == 200
    assert "4 reports." in text(page)
    assert "That is too few to summarise without risking identifying anyone" in text(page)
    for section in FIGURE_SECTIONS:
        assert section not in page.get_data(as_text=True)

    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert (data["reports"], data["suppressed"], data["minimum_reports"]) == (4, True, 5)
    assert data["cells"] == [
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
    parsed = csv_rows(client.get("/b/epidurals/outcomes.csv"))
    assert parsed == [
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


def test_five_reports_show_every_figure(client, treatment, file):
    """The fifth report opens the summary: every section, with its figures."""
    for _ in range(5):
        file(treatment)

    page = client.get("/b/epidurals/outcomes")
    assert page.status_code == 200
    for section in FIGURE_SECTIONS:
        assert f'id="{section}"' in page.get_data(as_text=True)
    shown = text(page)
    assert "5 reports." in shown and "too few to summarise" not in shown
    # every report: 7 -> 3 (57% less pain), "much improved"
    assert "Median pain before (0–10) 7 from 5 reports" in shown
    assert "Median pain at best effect 3 from 5 reports" in shown
    assert "At least 30% less pain 5 of 5 reports (100%)" in shown
    assert "At least 50% less pain 5 of 5 reports (100%)" in shown
    assert "Much improved 5 of 5 reports (100%)" in shown
    assert client.get("/b/epidurals/outcomes.json").get_json()["suppressed"] is False


def test_small_counts_are_withheld_in_every_form(client, treatment, file):
    """Out of five reports, two with a flare read "fewer than 5", never "2"; a zero is
    shown as 0; a figure from three answers is withheld. The same in the JSON and CSV."""
    file(treatment, side_effects={"flare": "mild"}, percent_relief=50, would_repeat="yes")
    file(treatment, side_effects={"flare": "mild"}, percent_relief=60, would_repeat="yes")
    file(treatment, percent_relief=70, would_repeat="yes")
    file(treatment)
    file(treatment)

    shown = text(client.get("/b/epidurals/outcomes"))
    assert "Any side effect: fewer than 5." in shown
    assert "Pain flare after the procedure fewer than 5 0 of 5 reports (0%)" in shown
    assert "Weakness 0 of 5 reports (0%) 0 of 5 reports (0%)" in shown
    assert "Median percent relief at best too few answers" in shown
    assert "Yes fewer than 5" in shown  # 3 of 3 answers
    assert "Not sure fewer than 5" in shown  # 0, but of 3 answers
    assert "2 of 5" not in shown and "3 of 3" not in shown

    data = client.get("/b/epidurals/outcomes.json").get_json()
    withheld = {"value": None, "count": None, "share": None, "suppressed": True}
    assert cell(data, "side_effect_any") == {
        "measure": "side_effect_any",
        "category": "",
        "denominator": 5,
        **withheld,
    }
    assert cell(data, "side_effect", "flare") == {
        "measure": "side_effect",
        "category": "flare",
        "denominator": 5,
        **withheld,
    }
    assert cell(data, "side_effect_severe", "flare") == {
        "measure": "side_effect_severe",
        "category": "flare",
        "value": None,
        "count": 0,
        "denominator": 5,
        "share": 0.0,
        "suppressed": False,
    }
    assert cell(data, "would_repeat", "yes")["count"] is None
    assert cell(data, "would_repeat", "unsure") == {
        "measure": "would_repeat",
        "category": "unsure",
        "denominator": 3,
        **withheld,
    }
    assert cell(data, "percent_relief_median") == {
        "measure": "percent_relief_median",
        "category": "",
        "denominator": 3,
        **withheld,
    }
    assert cell(data, "pain_reduction_at_least_30")["count"] == 5
    assert cell(data, "pain_reduction_at_least_30")["share"] == 1.0

    parsed = csv_rows(client.get("/b/epidurals/outcomes.csv"))
    assert csv_cell(parsed, "side_effect", "flare") == {
        "measure": "side_effect",
        "category": "flare",
        "value": "",
        "count": "",
        "denominator": "5",
        "share": "",
        "suppressed": "true",
    }
    assert csv_cell(parsed, "side_effect", "weakness") == {
        "measure": "side_effect",
        "category": "weakness",
        "value": "",
        "count": "0",
        "denominator": "5",
        "share": "0.0",
        "suppressed": "false",
    }
    assert csv_cell(parsed, "percent_relief_median")["suppressed"] == "true"
    assert csv_cell(parsed, "percent_relief_median")["value"] == ""
    assert csv_cell(parsed, "would_repeat", "unsure")["count"] == ""


def test_relief_line_gives_no_small_counts(client, treatment, file):
    """Five durations, three ended and two still going on: the relief line may give the
    median and n, but "2 still going on" and "3 ended" are counts from 1 to 4."""
    for weeks in (4, 8, 12):
        file(treatment, relief_weeks=weeks)
    for weeks in (10, 20):
        file(treatment, relief_weeks=weeks, relief_ongoing=True)
    # week 4: 5 at risk -> 0.8; week 8: 4 at risk -> 0.6; week 12: 2 at risk -> 0.3: median 12

    for path in ("/b/epidurals/outcomes", "/outcomes?boards=epidurals"):
        shown = text(client.get(path))
        assert "12 weeks from 5 reports" in shown, path
        assert "3 ended" not in shown, path
        assert "2 still going on" not in shown, path


# -- open data ---------------------------------------------------------------------------


def test_open_data_holds_aggregates_only(client, make_user, treatment, file):
    """Nothing of any one report reaches the JSON, the CSV or the page: no pseudonym,
    title, text, disclosure or link to a post, only the documented aggregate fields."""
    post_ids = []
    for number in range(5):
        post_ids.append(
            file(
                treatment,
                author=make_user(f"quokka-writer-{number}"),
                title=f"Zanzibar saga {number}",
                has_conflict=True,
                conflict_disclosure="I consult for Acme Spinal Devices",
                relief_weeks=9,
            )
        )
    tell_tales = ("quokka-writer", "Zanzibar", "Acme Spinal", "What happened", "/p/", "/t/")

    response = client.get("/b/epidurals/outcomes.json")
    data = response.get_json()
    assert set(data) == {
        "treatment",
        "filters",
        "reports",
        "suppressed",
        "minimum_reports",
        "note",
        "licence",
        "licence_url",
        "source",
        "cells",
    }
    assert data["treatment"] == {"slug": "epidurals", "name": "Epidurals"}
    assert all(set(c) == set(CSV_HEADER) for c in data["cells"])
    assert data["licence"] == "CC BY 4.0"
    assert data["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["source"].endswith("/b/epidurals/outcomes")
    csv_response = client.get("/b/epidurals/outcomes.csv")
    page = client.get("/b/epidurals/outcomes")
    for output in (response, csv_response, page):
        body = output.get_data(as_text=True)
        for tell_tale in tell_tales:
            assert tell_tale not in body, (output.content_type, tell_tale)
        for post_id in post_ids:
            assert f"/p/{post_id}" not in body


def test_csv_parses_with_the_documented_header_and_licence_link(client, treatment, file):
    """The CSV opens in any spreadsheet: the documented columns, one row per figure, a
    filename, and the licence in a Link header."""
    for _ in range(5):
        file(treatment)

    response = client.get("/b/epidurals/outcomes.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    )
    assert "firsthand-epidurals-outcomes.csv" in response.headers["Content-Disposition"]
    reader = csv.reader(io.StringIO(response.get_data(as_text=True)))
    header, *body = list(reader)
    assert header == CSV_HEADER
    assert body and all(len(line) == len(CSV_HEADER) for line in body)
    parsed = csv_rows(response)
    assert parsed[0]["measure"] == "reports" and parsed[0]["count"] == "5"
    assert csv_cell(parsed, "pain_before_median")["value"] == "7"
    assert csv_cell(parsed, "pgic", "2")["count"] == "5"
    assert csv_cell(parsed, "pgic", "2")["share"] == "1.0"
    assert {r["suppressed"] for r in parsed} <= {"true", "false"}
    assert {r["measure"] for r in parsed} == set(DOCUMENTED_MEASURES)
    assert [r["category"] for r in parsed if r["measure"] == "times_had"] == [
        "1",
        "2",
        "3",
        "4-5",
        "6-10",
        "11+",
    ]
    # The JSON carries the same cells.
    data = client.get("/b/epidurals/outcomes.json").get_json()
    assert [(c["measure"], c["category"]) for c in data["cells"]] == [
        (r["measure"], r["category"]) for r in parsed
    ]


def test_open_data_relief_median_not_reached(client, treatment, file):
    """When fewer than half have lost their relief the median cell says "not_reached"."""
    file(treatment, relief_weeks=3)
    for weeks in (5, 6, 7, 8):
        file(treatment, relief_weeks=weeks, relief_ongoing=True)
    # week 3: 5 at risk, 1 ends -> 0.8, and nobody else ends: never one half

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
def test_reports_nobody_can_read_do_not_count(app, treatment, file, moderator, withdraw):
    """A report on a post that is hidden, deleted or waiting, or in a hidden thread, is
    not in the figures: readers could not check it."""
    file(treatment)
    withdrawn = file(treatment)
    assert summary(app, treatment).n == 2
    with app.app_context():
        withdraw(db.session.get(Post, withdrawn), db.session.get(User, moderator.id))
    assert summary(app, treatment).n == 1


def test_new_members_reports_count_once_approved(app, make_app, make_user, treatment, moderator):
    """A new member's report waits for a moderator and counts only once approved."""
    strict = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    newcomer = make_user("first-timer")
    with strict.app_context():
        board = db.session.get(Board, treatment.id)
        post = file_report(
            db.session.get(User, newcomer.id),
            board,
            "My first post",
            "Hello.",
            answers(board),
            visibility="public",
        )
        post_id = post.id
        assert post.state == "pending"
    assert summary(app, treatment).n == 0
    with strict.app_context():
        decide_on_post(
            db.session.get(User, moderator.id), db.session.get(Post, post_id), "keep", "", []
        )
    assert summary(app, treatment).n == 1


def test_report_from_a_community_board_counts_for_its_treatment(
    app, client, make_board, treatment, file
):
    """A report posted on a community board about epidurals counts for epidurals; the
    community board has no outcomes of its own."""
    community = make_board(slug="living-with-pain", name="Living with pain")
    for _ in range(5):
        file(treatment, board=community)

    assert summary(app, treatment).n == 5
    assert "5 reports." in text(client.get("/b/epidurals/outcomes"))
    assert client.get("/b/living-with-pain/outcomes").status_code == 404
    assert client.get("/b/living-with-pain/outcomes.json").status_code == 404


def test_other_treatments_reports_do_not_count(app, make_treatment, treatment, file):
    """A report about radiofrequency ablation is not in the epidurals figures."""
    ablation = make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    file(treatment)
    file(ablation)
    file(ablation)
    assert summary(app, treatment).n == 1
    assert summary(app, ablation).n == 2


# -- filters -----------------------------------------------------------------------------


@pytest.fixture
def dated(treatment, file):
    """Reports from June 2019 to June 2024, plus one with no date (its member skipped it)."""
    for year, month in [
        (2024, 6),
        (2023, 6),  # one year before June 2024, to the month
        (2023, 5),
        (2021, 6),  # three years before
        (2021, 5),
        (2019, 6),  # five years before
        (2019, 5),
    ]:
        file(treatment, procedure_year=year, procedure_month=month)
    file(treatment)


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        (None, 8),  # every report, the undated one too
        (1, 2),  # June 2024, June 2023
        (3, 4),  # + May 2023, June 2021
        (5, 6),  # + May 2021, June 2019
    ],
)
def test_since_filter_counts_the_month_n_years_ago(app, treatment, dated, since, expected):
    """ "Within the last N years" on 15 June 2024 starts with June of year 2024 - N; an
    undated report is left out whenever the filter is on."""
    outcomes = summary(app, treatment, Filters(since_years=since), today=date(2024, 6, 15))
    assert outcomes.n == expected


def test_since_filter_across_a_year_end(app, treatment, file):
    """On 31 January 2024 "the last year" starts with January 2023, not December 2022."""
    file(treatment, procedure_year=2023, procedure_month=1)
    file(treatment, procedure_year=2022, procedure_month=12)
    file(treatment, procedure_year=2024, procedure_month=1)
    outcomes = summary(app, treatment, Filters(since_years=1), today=date(2024, 1, 31))
    assert outcomes.n == 2


@pytest.mark.parametrize(("episode", "expected"), [(None, 6), ("first", 2), ("repeat", 3)])
def test_episode_filter(app, treatment, file, episode, expected):
    """First procedures are those had once; repeats twice or more; unanswered in neither."""
    for times in (1, 1, 2, 3, 11, None):
        file(treatment, times_had=times)
    assert summary(app, treatment, Filters(episode=episode)).n == expected


def test_episode_filter_in_the_open_data(client, treatment, file):
    """?episode=repeat narrows the JSON too, and says which filters it used."""
    for times in (1, 2, 2):
        file(treatment, times_had=times)
    data = client.get("/b/epidurals/outcomes.json?episode=repeat").get_json()
    assert data["reports"] == 2
    assert data["filters"] == {"since_years": None, "episode": "repeat"}
    assert "2 reports match these filters." in text(
        client.get("/b/epidurals/outcomes?episode=repeat")
    )


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
    assert data.status_code == 400
    assert data.get_json() == {"error": message}
    plain = client.get(f"/b/epidurals/outcomes.csv?{query}")
    assert plain.status_code == 400
    assert plain.get_data(as_text=True) == message


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
    """An address with a parameter the page does not use (a newsletter's tag, a stray
    "slug") still shows the page; its open-data links carry only the filters."""
    file(treatment)
    response = client.get(f"/b/epidurals/outcomes?{query}")
    assert response.status_code == 200
    assert json_link in response.get_data(as_text=True)


# -- compare -----------------------------------------------------------------------------


@pytest.fixture
def two_treatments(make_treatment, treatment, file):
    """Epidurals: five reports of 7 -> 3. Ablation: five of 5 -> 4, with one severe flare."""
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
    return treatment, ablation


@pytest.mark.parametrize("query", ["boards=epidurals,rfa", "boards=epidurals&boards=rfa"])
def test_compare_shows_two_treatments_side_by_side(client, two_treatments, query):
    """Both treatments' figures, one column each, in the order asked for."""
    response = client.get(f"/outcomes?{query}")
    assert response.status_code == 200
    shown = text(response)
    assert "Figure Epidurals Radiofrequency ablation" in shown
    assert "Reports 5 5" in shown
    assert "Median pain before (0–10) 7 from 5 reports 5 from 5 reports" in shown
    assert "Median pain at best 3 from 5 reports 4 from 5 reports" in shown
    # 7 -> 3 is 57% less; 5 -> 4 is 20% less
    assert (
        "At least 30% less pain (IMMPACT: moderately important) "
        "5 of 5 reports (100%) 0 of 5 reports (0%)" in shown
    )
    assert "Any side effect 0 of 5 reports (0%) fewer than 5" in shown
    assert "Much or very much improved 5 of 5 reports (100%) 0 of 5 reports (0%)" in shown


def test_compare_a_board_with_too_few_reports(client, make_treatment, two_treatments, file):
    """A treatment with two reports takes its column with the count and nothing else."""
    rare = make_treatment("implant", slug="scs", name="Spinal cord stimulation")
    file(rare)
    file(rare)
    shown = text(client.get("/outcomes?boards=epidurals,scs"))
    assert "Reports 5 2 (too few to summarise)" in shown
    assert "Median pain before (0–10) 7 from 5 reports –" in shown


def test_compare_at_most_three(client, make_treatment, treatment):
    """Four treatments at once is refused with a message, not a crowded table."""
    for slug in ("rfa", "scs", "ketamine"):
        make_treatment(slug=slug)
    response = client.get("/outcomes?boards=epidurals,rfa,scs,ketamine")
    assert response.status_code == 400
    assert "Compare at most 3 treatments at a time." in text(response)


@pytest.mark.parametrize("slug", ["no-such-board", "living-with-pain"])
def test_compare_refuses_boards_that_are_not_treatments(client, make_board, treatment, slug):
    """An unknown slug, or a community board (which takes no reports), is refused by name."""
    make_board(slug="living-with-pain", name="Living with pain")
    response = client.get(f"/outcomes?boards=epidurals,{slug}")
    assert response.status_code == 400
    assert f"There is no treatment board called “{slug}”." in text(response)


def test_compare_without_boards_shows_the_picker(client, make_board, treatment):
    """/outcomes alone offers a checkbox for each treatment, and no community board."""
    make_board(slug="living-with-pain", name="Living with pain")
    response = client.get("/outcomes")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="boards" value="epidurals"' in body
    assert 'value="living-with-pain"' not in body
    assert "Outcomes side by side" not in body


def test_compare_with_a_bad_filter(client, two_treatments):
    """The compare page refuses a filter it does not offer, saying what to choose."""
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
    """The outcomes page, its open data and the compare page run the same few statements
    with 5 reports as with 40: one query for the reports, whatever their number."""
    ablation = make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    paths = (
        "/b/epidurals/outcomes",
        "/b/epidurals/outcomes.json",
        "/b/epidurals/outcomes.csv",
        "/outcomes?boards=epidurals,rfa",
    )
    statements = {}
    for size, total in (("small", 5), ("large", 40)):
        already = summary(app, treatment).n
        _file_many(file, treatment, total - already)
        _file_many(file, ablation, total - already)
        assert summary(app, treatment).n == total
        for path in paths:
            with count_queries() as sent:
                response = client.get(path)
            assert response.status_code == 200, path
            statements[(path, size)] = len(sent)
    for path in paths:
        assert statements[(path, "small")] == statements[(path, "large")], path
        assert statements[(path, "large")] <= CEILING, path
