"""How reports and outcomes read: the card's opening line, bar charts drawn in HTML with
the figures in plain words, withheld groups as one line, a treatment's headline."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.reports.outcomes import Count, Relief
from forum.threads.models import Post
from tests.reports.conftest import publish
from tests.reports.test_outcomes import text


def _macros(app, name: str = "reports/_figures.html"):
    return app.jinja_env.get_template(name).module


def _render(app, macro: str, *args, **kwargs) -> str:
    with app.test_request_context():
        return str(getattr(_macros(app), macro)(*args, **kwargs))


def _card_line(client, app, post_id: int) -> str:
    with app.app_context():
        thread_id = db.session.scalar(sa.select(Post.thread_id).where(Post.id == post_id))
    page = client.get(f"/t/{thread_id}", follow_redirects=True).get_data(as_text=True)
    return re.search(r'<p class="report-line">(.*?)</p>', page, re.S)[1].strip()


# -- the report card ---------------------------------------------------------------------


def test_the_card_opens_with_one_line_naming_the_treatment(app, client, make_treatment, file):
    ablation = make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    post_id = file(ablation, procedure_year=2025, procedure_month=5, relief_weeks=40, pgic=2)

    line = _card_line(client, app, post_id)

    assert line == (
        "Radiofrequency ablation, May 2025: pain 7 → 3, much improved, relief lasted 40 weeks"
    )


def test_relief_still_going_on(app, client, treatment, file):
    post_id = file(treatment, relief_weeks=12, relief_ongoing=True, pgic=1)

    line = _card_line(client, app, post_id)

    assert line == "Epidurals: pain 7 → 3, very much improved, relief still going on after 12 weeks"


def test_a_line_without_date_or_duration(app, client, treatment, file):
    post_id = file(treatment, pain_before=6, pain_best=6, pgic=4, relief_weeks=1)
    assert (
        _card_line(client, app, post_id) == "Epidurals: pain 6 → 6, no change, relief lasted 1 week"
    )
    post_id = file(treatment, pgic=5)
    assert _card_line(client, app, post_id) == "Epidurals: pain 7 → 3, minimally worse"


def test_the_card_says_whose_figure_is_whose(app, client, treatment, file):
    """The member's own percent is their estimate; the change is worked out by us."""
    post_id = file(treatment, percent_relief=60)
    with app.app_context():
        thread_id = db.session.scalar(sa.select(Post.thread_id).where(Post.id == post_id))
    shown = text(client.get(f"/t/{thread_id}", follow_redirects=True))
    assert "Relief at best (their estimate) 60%" in shown
    assert "7 before → 3 at best (57% less, computed from the pain scores)" in shown


# -- the outcomes page's charts ----------------------------------------------------------


@pytest.fixture
def six(app, treatment, file):
    """Six reports, published: one "very much improved", five "much improved"."""
    for pgic in (1, 2, 2, 2, 2, 2):
        file(treatment, pgic=pgic)
    publish(app, treatment)
    return treatment


@pytest.fixture
def ten(app, treatment, file):
    """Ten reports, published: five "much improved", five "no change"."""
    for pgic in (2, 2, 2, 2, 2, 4, 4, 4, 4, 4):
        file(treatment, pgic=pgic)
    publish(app, treatment)
    return treatment


def test_no_statistician_shorthand(client, six):
    page = client.get("/b/epidurals/outcomes").get_data(as_text=True)
    assert "n =" not in page
    assert "Median pain before (0–10) 7 from 6 reports" in text(client.get("/b/epidurals/outcomes"))


def test_bars_are_html_as_wide_as_their_share(client, ten):
    page = client.get("/b/epidurals/outcomes").get_data(as_text=True)
    chart = page.split('id="pgic-chart"', 1)[1].split("</figure>", 1)[0]

    assert "<svg" not in chart and "<text" not in chart
    bars = re.findall(
        r'<span class="bar-label">([^<]+)</span>\s*'
        r'<span class="bar-track([^"]*)">((?:<span [^>]+></span>)?)</span>\s*'
        r'<span class="bar-value">(.*?)</span>\s*</div>',
        chart,
        re.S,
    )
    shown = {
        label: (kind + track, " ".join(re.sub(r"<[^>]+>", " ", value).split()))
        for label, kind, track, value in bars
    }
    assert len(shown) == 7
    # 5 of 10 "much improved": a bar half as wide, with the figure in words
    assert 'class="bar share-50"' in shown["Much improved"][0]
    assert shown["Much improved"][1] == "50% 5 of 10"
    assert 'class="bar share-0"' in shown["Very much improved"][0]
    assert shown["Very much improved"][1] == "0% 0 of 10"


def test_answers_are_merged_rather_than_withheld(client, six):
    """One "very much improved" beside five "much improved" cannot be shown on its own:
    the chart shows the merged reading, improved 6 of 6, and says why."""
    page = client.get("/b/epidurals/outcomes").get_data(as_text=True)
    chart = page.split('id="pgic-chart"', 1)[1].split("</figure>", 1)[0]

    assert "Very much improved" not in chart and "Much improved" not in chart
    assert "<strong>100%</strong>" in chart and "6 of 6" in chart
    assert "Some answers are merged so that no figure rests on fewer than 5 reports." in chart


def test_the_chart_is_hidden_from_screen_readers_which_read_its_table(client, ten):
    page = client.get("/b/epidurals/outcomes").get_data(as_text=True)
    chart = page.split('id="pgic-chart"', 1)[1].split("</figure>", 1)[0]

    assert '<div class="bars" aria-hidden="true">' in chart
    table = chart.split('<div class="chart-table"><table class="figures">', 1)[1]
    assert re.search(r"Much improved</th><td>\s*5 of 10 reports \(50%\)", table)


def test_the_table_is_for_print_and_screen_readers_only(app):
    css = (Path(app.static_folder) / "css" / "forum.css").read_text()
    screen = css.split("@media screen {", 1)[1].split("}\n}", 1)[0]
    assert ".chart-table" in screen and "clip: rect(0 0 0 0)" in screen
    printed = [block.split("\n}", 1)[0] for block in css.split("@media print {")[1:]]
    assert any(".bars { display: none; }" in block for block in printed)
    # a class per whole percent sets a bar's width (the CSP allows no inline style)
    assert ".share-56 { width: 56%; }" in css and ".share-100 { width: 100%; }" in css


def test_the_survival_curve_has_html_labels(app, client, treatment, file):
    for weeks in (14, 18, 22, 26, 30):
        file(treatment, relief_weeks=weeks)
    publish(app, treatment)
    page = client.get("/b/epidurals/outcomes").get_data(as_text=True)
    chart = page.split('id="relief-chart"', 1)[1].split("</figure>", 1)[0]

    assert "<text" not in chart
    assert '<div class="curve-y"><span>100%</span><span>50%</span><span>0%</span></div>' in chart
    # drawn to the last point at which at least 5 were still followed: 3 months
    assert "<span>13 weeks</span>" in chart


# -- the macros, as the pages call them --------------------------------------------------


def test_a_withheld_group_is_one_line(app):
    html = _render(
        app, "bar_chart", "stop", "Why they stopped", [], "Reason", withheld="fewer than 5 answered"
    )
    assert " ".join(html.split()) == (
        '<p class="withheld"><span class="withheld-caption">Why they stopped</span>: '
        "withheld — fewer than 5 answered</p>"
    )


def test_an_empty_group_draws_nothing(app):
    assert _render(app, "bar_chart", "stop", "Why they stopped", []).strip() == ""


def test_a_group_is_drawn_even_when_a_reason_is_not_given(app):
    counts = [Count("yes", "Yes", 5, 9), Count("no", "No", 4, 9)]
    html = _render(app, "bar_chart", "repeat", "Would have it again", counts)
    assert 'class="bar share-56"' in html and "<strong>56%</strong>" in html
    assert "5 of 9 reports (56%)" in html
    assert "withheld" not in html


def test_a_withheld_survival_curve_is_one_line(app):
    curve = Relief(n=3, median=None, milestones=[])
    html = _render(app, "survival_chart", "relief", curve, withheld="too few answered")
    assert 'class="withheld"' in html and "too few answered" in html and "<svg" not in html


@pytest.mark.parametrize(
    "reports, reduction, expected",
    [
        (
            9,
            Count("30", "At least 30% less pain", 5, 9),
            "9 reports · at least 30% less pain for 5 of 9",
        ),
        (9, Count("30", "At least 30% less pain", None, 9), "9 reports"),  # withheld
        (9, None, "9 reports"),
        (3, None, "3 reports: too few to sum up yet"),
        (1, None, "1 report: too few to sum up yet"),
        (0, None, "No experience reports counted yet"),
    ],
)
def test_headline(app, reports, reduction, expected):
    h = SimpleNamespace(reports=reports, reduction_30=reduction)
    with app.test_request_context():
        headline = app.jinja_env.get_template("reports/_headline.html").module.headline
        assert str(headline(h)).strip() == expected
