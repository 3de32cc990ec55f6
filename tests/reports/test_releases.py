"""Releases keep single reports private: a test that plays the attacker.

The attacker reads everything a visitor can (every outcomes page, JSON and CSV file under
every filter, the comparison, the board and home pages), then one report is added,
edited or removed, and they read it all again. The figures must not move: only the line
saying how many changes wait for the next update may. Then they subtract every pair of
published filtered views: no two may differ by 1 to 4 reports. And within every view,
every count and every rest of a total is 0 or at least 5."""

import csv
import io
import itertools
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation.services import decide_on_post
from forum.reports.models import ExperienceReport, OutcomeRelease
from forum.reports.releases import MIN_ACCOUNT_AGE, RELEASE_CHANGES, refresh_all, refresh_boards
from forum.reports.services import update_report
from forum.threads.models import Post
from forum.threads.services import delete_post
from tests.reports.conftest import publish

FILTERS = [
    {},
    *({"since": n} for n in (1, 3, 5)),
    *({"episode": e} for e in ("first", "repeat")),
    *({"since": n, "episode": e} for n in (1, 3, 5) for e in ("first", "repeat")),
]


def _query(filters: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in filters.items())


def _months_ago(months: int) -> dict:
    today = utcnow().date()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return {"procedure_year": year, "procedure_month": month + 1}


# Each report as (months since the procedure, times had, answers): 16 reports, varied so
# that merging, pooling and withholding all happen somewhere.
REPORTS = [
    (4, 1, {"pain_before": 8, "pain_best": 2, "pgic": 1, "would_repeat": "yes"}),
    (6, 1, {"pain_before": 7, "pain_best": 3, "pgic": 2, "would_repeat": "yes"}),
    (8, 2, {"pain_before": 6, "pain_best": 5, "pgic": 4, "would_repeat": "no"}),
    (9, 1, {"pain_before": 9, "pain_best": 4, "pgic": 2, "would_repeat": "yes"}),
    (10, 3, {"pain_before": 7, "pain_best": 7, "pgic": 5, "would_repeat": "unsure"}),
    (14, 1, {"pain_before": 6, "pain_best": 2, "pgic": 1, "would_repeat": "yes"}),
    (20, 2, {"pain_before": 8, "pain_best": 6, "pgic": 3, "would_repeat": "yes"}),
    (26, 1, {"pain_before": 7, "pain_best": 1, "pgic": 1, "would_repeat": "yes"}),
    (30, 4, {"pain_before": 5, "pain_best": 4, "pgic": 4, "would_repeat": "no"}),
    (40, 1, {"pain_before": 8, "pain_best": 3, "pgic": 2, "would_repeat": "yes"}),
    (50, 2, {"pain_before": 9, "pain_best": 8, "pgic": 6, "would_repeat": "no"}),
    (70, 1, {"pain_before": 6, "pain_best": 3, "pgic": 2, "would_repeat": "yes"}),
    (80, 1, {"pain_before": 7, "pain_best": 2, "pgic": 2, "would_repeat": "yes"}),
    (2, 1, {"pain_before": 8, "pain_best": 4, "pgic": 3, "would_repeat": "unsure"}),
    (3, 2, {"pain_before": 7, "pain_best": 5, "pgic": 3, "would_repeat": "yes"}),
    (5, 1, {"pain_before": 6, "pain_best": 1, "pgic": 1, "would_repeat": "yes"}),
]


def _details(i: int) -> dict:
    weeks = [2, 6, 10, 14, 20, 26, 30, 40, 52, 60, 8, 12, 16, 4, 24, 36][i]
    effects = [{}, {"flare": "mild"}, {"flare": "severe"}, {}, {"numbness": "moderate"}][i % 5]
    return {
        "relief_weeks": weeks,
        "relief_ongoing": i % 3 == 0,
        "side_effects": effects,
        "stop_reason": "ongoing" if i % 3 == 0 else ["wore_off", "no_effect", "cost"][i % 3],
        "would_recommend": ["yes", "no", "unsure", "yes"][i % 4],
    }


@pytest.fixture
def board_with_reports(app, client, make_user, treatment, file):
    """The treatment with 16 counted reports (some members-only, one with a declared tie),
    released; returns the report authors by report post id."""
    authors = {}
    for i, (months, times, given) in enumerate(REPORTS):
        author = make_user()
        post_id = file(
            treatment,
            author=author,
            visibility="members" if i % 4 == 0 else "public",
            times_had=times,
            **_months_ago(months),
            **given,
            **_details(i),
        )
        authors[post_id] = author
    file(
        treatment,
        has_conflict=True,
        conflict_disclosure="I am paid by a clinic.",
        pain_before=9,
        pain_best=0,
        pgic=1,
    )
    publish(app, treatment)
    return authors


def _read_everything(client, treatment) -> dict:
    """Everything a visitor can read that rests on the treatment's reports, with the one
    line allowed to move (how many changes wait for the next update) taken out."""
    seen = {}
    for filters in FILTERS:
        query = _query(filters)
        page = client.get(f"/b/{treatment.slug}/outcomes?{query}")
        assert page.status_code == 200
        seen[f"page?{query}"] = _without_release_line(page.get_data(as_text=True))
        data = client.get(f"/b/{treatment.slug}/outcomes.json?{query}").get_json()
        data.pop("release")
        seen[f"json?{query}"] = data
        seen[f"csv?{query}"] = client.get(f"/b/{treatment.slug}/outcomes.csv?{query}").data
        compare = client.get(f"/outcomes?boards={treatment.slug}&{query}")
        seen[f"compare?{query}"] = compare.get_data(as_text=True)
    # The board and home pages change with every thread; their headline figures may not.
    board = client.get(f"/b/{treatment.slug}").get_data(as_text=True)
    seen["board"] = re.findall(r'<aside class="outcomes-box".*?</aside>', board, flags=re.S)
    home = client.get("/").get_data(as_text=True)
    seen["home"] = re.findall(r'<p class="headline">.*?</p>', home, flags=re.S)
    assert seen["board"] and seen["home"]
    return seen


def _without_release_line(page: str) -> str:
    return re.sub(r'<p class="release-line">.*?</p>', "", page, flags=re.S)


def _counted(app, treatment) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(OutcomeRelease.reports)
            .where(OutcomeRelease.board_id == treatment.id)
            .order_by(OutcomeRelease.id.desc())
            .limit(1)
        )


def _a_week_later(app) -> None:
    """The periodic job, run after every member's first week."""
    with app.app_context():
        db.session.execute(
            sa.update(User).values(created_at=utcnow() - MIN_ACCOUNT_AGE - timedelta(days=1))
        )
        db.session.commit()
        refresh_all()


def _add(app, make_user, treatment, file):
    file(
        treatment,
        author=make_user(),
        pain_before=9,
        pain_best=9,
        pgic=7,
        side_effects={"flare": "severe"},
        **_months_ago(1),
    )


def _edit(app, treatment, authors):
    post_id, author = next(iter(authors.items()))
    with app.app_context():
        report = db.session.scalar(
            sa.select(ExperienceReport).where(ExperienceReport.post_id == post_id)
        )
        changed = {
            **report.answers(),
            "pgic": 7,
            "pain_best": 9,
            "side_effects": {"flare": "severe"},
        }
        changed["treatment"] = db.session.get(Board, report.board_id)
        update_report(db.session.get(User, author.id), report, changed, report.version)


def _delete(app, authors):
    post_id, author = list(authors.items())[1]
    with app.app_context():
        delete_post(db.session.get(User, author.id), db.session.get(Post, post_id))


def _hide(app, authors, moderator):
    post_id = list(authors)[2]
    with app.app_context():
        decide_on_post(
            db.session.get(User, moderator.id),
            db.session.get(Post, post_id),
            "hide",
            "Off topic.",
            [],
        )


@pytest.mark.parametrize("change", ["add", "edit", "delete", "hide"])
def test_one_changed_report_moves_no_published_figure(
    app, client, make_user, moderator, treatment, file, board_with_reports, change
):
    before = _read_everything(client, treatment)
    counted = _counted(app, treatment)

    if change == "add":
        _add(app, make_user, treatment, file)
    elif change == "edit":
        _edit(app, treatment, board_with_reports)
    elif change == "delete":
        _delete(app, board_with_reports)
    else:
        _hide(app, board_with_reports, moderator)
    _a_week_later(app)
    after = _read_everything(client, treatment)

    changed = [key for key in before if before[key] != after[key]]
    assert changed == []
    assert _counted(app, treatment) == counted
    page = client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True)
    assert "1 newer change to reports will be counted in the next update" in page


def test_four_changes_wait_and_the_fifth_makes_a_release(
    app, client, make_user, treatment, file, board_with_reports
):
    before = _read_everything(client, treatment)
    for _ in range(RELEASE_CHANGES - 1):
        _add(app, make_user, treatment, file)
    _a_week_later(app)
    assert _read_everything(client, treatment) == before
    assert _counted(app, treatment) == 16

    _add(app, make_user, treatment, file)
    _a_week_later(app)

    assert _counted(app, treatment) == 16 + RELEASE_CHANGES
    page = client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True)
    assert "From <strong>21</strong> reports" in page
    assert "newer change" not in page


def test_a_new_members_report_waits_for_their_first_week(
    app, client, make_user, treatment, file, board_with_reports
):
    _add(app, make_user, treatment, file)
    with app.app_context():
        refresh_boards([treatment.id])
    page = client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True)
    assert "1 report is waiting to count" in page
    assert "newer change" not in page

    _a_week_later(app)

    page = client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True)
    assert "waiting to count" not in page
    assert "1 newer change to reports will be counted in the next update" in page


# -- within a release --------------------------------------------------------------------


def _expected_ids(filters: dict, rows: list[dict]) -> frozenset:
    """The reports a filter selects, worked out here from the answers the test gave."""
    today = utcnow().date()
    chosen = []
    for row in rows:
        if "since" in filters:
            cutoff = (today.year - filters["since"]) * 12 + today.month - 1
            if row["month_index"] < cutoff:
                continue
        if filters.get("episode") == "first" and row["times"] != 1:
            continue
        if filters.get("episode") == "repeat" and row["times"] < 2:
            continue
        chosen.append(row["id"])
    return frozenset(chosen)


def test_no_two_published_views_differ_by_one_to_four_reports(
    app, client, treatment, board_with_reports
):
    with app.app_context():
        rows = [
            {
                "id": r.id,
                "times": r.times_had,
                "month_index": r.procedure_year * 12 + r.procedure_month - 1,
            }
            for r in db.session.scalars(
                sa.select(ExperienceReport).where(~ExperienceReport.has_conflict)
            )
        ]
    published, withheld = {}, []
    for filters in FILTERS:
        data = client.get(f"/b/{treatment.slug}/outcomes.json?{_query(filters)}").get_json()
        if data["withheld"]:
            withheld.append(_query(filters))
            assert data["cells"] == []
            continue
        ids = _expected_ids(filters, rows)
        assert data["reports"] == len(ids)
        published[_query(filters)] = ids

    assert "" in published and len(published) > 1 and withheld  # both kinds happen here
    for (a, ids_a), (b, ids_b) in itertools.combinations(published.items(), 2):
        apart = len(ids_a ^ ids_b)
        assert apart == 0 or apart >= 5, (a, b, apart)
    for key, ids in published.items():
        rest = len(rows) - len(ids)
        assert rest == 0 or rest >= 5, key


def _is_safe(count) -> bool:
    return count == 0 or count >= 5


def test_every_published_count_and_its_rest_is_zero_or_at_least_five(
    client, treatment, board_with_reports
):
    for filters in FILTERS:
        query = _query(filters)
        data = client.get(f"/b/{treatment.slug}/outcomes.json?{query}").get_json()
        views = [data["cells"]]
        if "declared_ties" in data and data["declared_ties"]["cells_including_them"]:
            views.append(data["declared_ties"]["cells_including_them"])
        for cells in views:
            by_measure = {}
            for cell in cells:
                by_measure.setdefault(cell["measure"], []).append(cell)
            for measure, group in by_measure.items():
                counts = [c["count"] for c in group if c["count"] is not None]
                for cell in group:
                    if cell["count"] is None or measure in ("reports", "relief_km_share"):
                        continue
                    assert _is_safe(cell["count"]), (query, cell)
                    assert _is_safe(cell["denominator"] - cell["count"]), (query, cell)
                if measure not in ("reports", "followed_up", "relief_km_share") and counts:
                    # A published group adds up: nothing is left to subtract out.
                    assert sum(counts) == group[0]["denominator"], (query, measure)
        parsed = list(
            csv.DictReader(
                io.StringIO(
                    client.get(f"/b/{treatment.slug}/outcomes.csv?{query}").get_data(as_text=True)
                )
            )
        )
        for row in parsed:
            if row["count"] and row["measure"] not in ("reports", "relief_km_share"):
                assert _is_safe(int(row["count"])), (query, row)


def test_declared_ties_are_left_out_and_not_told_apart_when_few(
    client, treatment, board_with_reports
):
    data = client.get(f"/b/{treatment.slug}/outcomes.json").get_json()
    assert data["reports"] == 16
    assert data["declared_ties"] == {"reports": None, "cells_including_them": None}
    page = " ".join(client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True).split())
    assert "Fewer than 5 reports from members who declared a tie" in page


def test_the_figures_with_declared_ties_are_published_once_five_apart(
    app, client, make_user, treatment, file, board_with_reports
):
    for _ in range(4):
        file(
            treatment,
            author=make_user(),
            has_conflict=True,
            conflict_disclosure="Paid speaker.",
            pain_before=8,
            pain_best=1,
            pgic=1,
        )
    publish(app, treatment)

    data = client.get(f"/b/{treatment.slug}/outcomes.json").get_json()

    assert data["reports"] == 16
    assert data["declared_ties"]["reports"] == 5
    with_ties = {c["measure"]: c for c in data["declared_ties"]["cells_including_them"]}
    assert with_ties["reports"]["count"] == 21
    page = " ".join(client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True).split())
    assert "The figures above leave out 5 reports from members who declared a tie" in page


def test_reading_a_release_is_one_or_two_statements(
    client, count_queries, treatment, board_with_reports, one_minute
):
    for path in ("", ".json", ".csv"):
        client.get(f"/b/{treatment.slug}/outcomes{path}")  # warm
        with count_queries() as statements:
            assert client.get(f"/b/{treatment.slug}/outcomes{path}").status_code == 200
        # The board, then its latest release.
        assert len(statements) <= 2, statements


def test_an_excluded_report_leaves_the_figures_at_the_next_release(
    app, client, moderator, treatment, board_with_reports
):
    from forum.reports.integrity import exclude_report

    post_id = next(iter(board_with_reports))
    with app.app_context():
        report = db.session.scalar(
            sa.select(ExperienceReport).where(ExperienceReport.post_id == post_id)
        )
        exclude_report(db.session.get(User, moderator.id), report, "Copied from another story.")
    page = client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True)
    assert "From <strong>16</strong> reports" in page
    assert "1 newer change to reports will be counted in the next update" in page

    publish(app, treatment)

    page = client.get(f"/b/{treatment.slug}/outcomes").get_data(as_text=True)
    assert "From <strong>15</strong> reports" in page
