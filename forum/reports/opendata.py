"""A release's figures as stored (plain JSON in outcome_releases) and as open data (flat
cells, the same for the JSON and CSV files): the one place that knows both shapes."""

from forum.boards.models import Board
from forum.reports.outcomes import (
    Count,
    FollowUp,
    Group,
    Median,
    Milestone,
    Outcomes,
    Relief,
)


def to_json(outcomes: Outcomes) -> dict:
    """A view's published figures as plain JSON, for a release row."""

    def group(g: Group | None) -> dict | None:
        if g is None:
            return None
        return {
            "measure": g.measure,
            "label": g.label,
            "denominator": g.denominator,
            "cells": [[c.key, c.label, c.count] for c in g.cells],
            "withheld": g.withheld,
            "merged": g.merged,
        }

    def median(m: Median | None) -> list | None:
        return None if m is None else [m.value, m.n]

    relief = outcomes.relief
    return {
        "n": outcomes.n,
        "pain_before": median(outcomes.pain_before),
        "pain_best": median(outcomes.pain_best),
        "percent_relief": median(outcomes.percent_relief),
        "groups": {name: group(getattr(outcomes, name)) for name in _SINGLE_GROUPS},
        "side_effects": [group(g) for g in outcomes.side_effects],
        "complications": [group(g) for g in outcomes.complications],
        "relief": None
        if relief is None
        else {
            "n": relief.n,
            "median": relief.median,
            "no_median": relief.no_median,
            "withheld": relief.withheld,
            "milestones": [[m.label, m.weeks, m.share, m.followed] for m in relief.milestones],
        },
        "followup": [[f.label, f.months, f.count, f.denominator] for f in outcomes.followup],
    }


_SINGLE_GROUPS = (
    "reduction",
    "pgic",
    "would_repeat",
    "would_recommend",
    "any_side_effect",
    "any_complication",
    "stop_reasons",
    "repeat_counts",
)


def from_json(board: Board, data: dict) -> Outcomes:
    """The figures of a view as to_json() stored them."""

    def group(g: dict | None) -> Group | None:
        if g is None:
            return None
        d = g["denominator"]
        return Group(
            g["measure"],
            g["label"],
            d,
            [Count(key, label, count, d) for key, label, count in g["cells"]],
            g["withheld"],
            g["merged"],
        )

    def median(m: list | None) -> Median | None:
        return None if m is None else Median(m[0], m[1])

    relief = data["relief"]
    return Outcomes(
        board=board,
        n=data["n"],
        pain_before=median(data["pain_before"]),
        pain_best=median(data["pain_best"]),
        percent_relief=median(data["percent_relief"]),
        **{name: group(data["groups"][name]) for name in _SINGLE_GROUPS},
        side_effects=[group(g) for g in data["side_effects"]],
        complications=[group(g) for g in data["complications"]],
        relief=None
        if relief is None
        else Relief(
            relief["n"],
            relief["median"],
            [Milestone(*m) for m in relief["milestones"]],
            relief["withheld"],
            relief["no_median"],
        ),
        followup=[FollowUp(*f) for f in data["followup"]],
    )


NOTE = (
    "Self-selected, unverified reports from members of Firsthand, not clinical evidence. "
    "Figures are published in releases made only after at least 5 reports changed; within "
    "a release every count is 0 or at least 5 (answers are merged, or a question withheld, "
    "to keep it so), and figures resting on fewer than 5 answers are withheld."
)
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
CELL_FIELDS = ("measure", "category", "value", "count", "denominator", "share", "suppressed")


def cells(outcomes: Outcomes) -> list[dict]:
    """The aggregates as flat rows (the same for JSON and CSV). A withheld question keeps
    one row with no value, so a reader sees what was withheld."""
    rows = [_row("reports", "", count=outcomes.n, denominator=outcomes.n)]
    if outcomes.suppressed:
        return rows
    for measure, median in (
        ("pain_before_median", outcomes.pain_before),
        ("pain_best_median", outcomes.pain_best),
        ("percent_relief_median", outcomes.percent_relief),
    ):
        rows.append(
            _row(
                measure, "", value=median.value, denominator=median.n, suppressed=median.suppressed
            )
        )
    for group in outcomes.groups():
        if group.withheld is not None:
            rows.append(_row(group.measure, "", denominator=group.denominator, suppressed=True))
            continue
        for cell in group.cells:
            rows.append(
                _row(
                    group.measure,
                    cell.key,
                    count=cell.count,
                    denominator=group.denominator,
                    share=None if cell.share is None else round(cell.share, 4),
                )
            )
    relief = outcomes.relief
    if relief.withheld is not None:
        rows.append(_row("relief_weeks_km_median", "", denominator=relief.n, suppressed=True))
    else:
        rows.append(
            _row(
                "relief_weeks_km_median",
                relief.no_median or "",
                value=relief.median,
                denominator=relief.n,
            )
        )
        for m in relief.milestones:
            rows.append(
                _row(
                    "relief_km_share",
                    f"week_{m.weeks}",
                    value=round(m.share, 4),
                    count=m.followed,
                    denominator=relief.n,
                )
            )
    for point in outcomes.followup:
        rows.append(
            _row(
                "followed_up",
                f"month_{point.months}",
                count=point.count,
                denominator=point.denominator,
                suppressed=point.count is None,
            )
        )
    return rows


def _row(measure, category, *, value=None, count=None, denominator=0, share=None, suppressed=False):
    return {
        "measure": measure,
        "category": category,
        "value": value,
        "count": count,
        "denominator": denominator,
        "share": share,
        "suppressed": suppressed,
    }
