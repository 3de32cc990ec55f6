"""The demo content reads like plausible accounts: every report passes the report form's
checks without a confirmation, tells the story its answers tell, and there are enough of
them for several treatments to publish figures (and one too few, to show withholding)."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.boards.services import load_board_data, seed_boards
from forum.demo import LABEL, THREADS, demo_answers, seed_demo
from forum.demo_content import REPORTS
from forum.extensions import db, utcnow
from forum.reports.models import month_number
from forum.reports.releases import current_releases
from forum.reports.services import clean_answers, computed_relief
from forum.threads.models import Post, Thread

TODAY = date(2026, 12, 6)
BOARDS = {
    row["slug"]: Board(id=n, slug=row["slug"], name=row["name"], family=row.get("family"))
    for n, row in enumerate(load_board_data(), start=1)
}


@pytest.mark.parametrize("report", REPORTS, ids=[r.title for r in REPORTS])
def test_each_report_passes_the_forms_checks_and_tells_its_own_story(report):
    before, best = report.pain
    # No "please confirm both" for any: the estimate check never fires.
    clean_answers(demo_answers(report, BOARDS[report.board], TODAY), TODAY)

    # The story says the scores the answers give, in that order.
    assert re.search(rf"\b{before}\b.*\b{best}\b", f"{report.title} {report.story}")
    # The member's own estimate is the change their scores give, give or take a little.
    assert abs(report.relief - max(computed_relief(before, best), 0)) <= 10
    share = (before - best) / before
    if report.pgic <= 2:  # much or very much improved
        assert share >= 0.5
    if report.pgic >= 4:  # no change, or worse
        assert share < 0.3
    if report.repeat == "yes":
        assert share >= 0.3
    # Relief lasts no longer than the time since the procedure, by the day it was posted.
    weeks_since = (report.months_ago * 30.4 - report.days_ago) / 7
    assert report.weeks <= weeks_since
    assert report.days_ago < report.months_ago * 28
    if report.times > 1:
        assert re.search(r"(?i)second|third|fourth|number|two|both", report.title)


def test_titles_read_like_people_write_them():
    titles = [r.title for r in REPORTS] + [t.title for t in THREADS]
    assert len(set(titles)) == len(titles)
    assert not any(re.search(r"(?i)demo report|report \d", title) for title in titles)
    authors = {r.author for r in REPORTS} | {t.author for t in THREADS}
    authors |= {who for t in THREADS for who, _, _ in t.replies}
    assert all(name.startswith("demo-") for name in authors)


def test_seeded_demo_is_labelled_dated_and_publishes_figures(app, client):
    with app.app_context():
        seed_boards()
        added = seed_demo()
        assert added == len(THREADS) + len(REPORTS)

        bodies = db.session.scalars(sa.select(Post.body_source)).all()
        assert bodies and all(body.startswith(LABEL) for body in bodies)
        names = db.session.scalars(sa.select(User.display_name)).all()
        assert all(name.startswith("demo-") for name in names)

        # Written over the past weeks, in order; each board's latest thread is its newest.
        now = utcnow()
        times = db.session.scalars(sa.select(Post.created_at).order_by(Post.id)).all()
        assert times == sorted(times) and times[-1] < now and times[0] < now - timedelta(days=50)
        for board in db.session.scalars(sa.select(Board).where(Board.thread_count > 0)):
            newest = db.session.scalar(
                sa.select(Thread.id)
                .where(Thread.board_id == board.id)
                .order_by(Thread.last_post_at.desc())
                .limit(1)
            )
            assert board.last_thread_id == newest, board.slug

        treatments = db.session.scalars(sa.select(Board).where(Board.family.is_not(None))).all()
        headlines = {
            release.board.slug: release.headline
            for release in current_releases(list(treatments)).values()
        }
    with_figures = [slug for slug, h in headlines.items() if h.reduction_30 is not None]
    too_few = [slug for slug, h in headlines.items() if 0 < h.reports < 5]
    assert len(with_figures) >= 3, with_figures
    assert "sacroiliac-joint-injection" in too_few

    # The outcomes pages show them, and so does the home page.
    outcomes = client.get("/b/radiofrequency-ablation/outcomes").get_data(as_text=True)
    assert "12 reports" in outcomes
    home = " ".join(client.get("/").get_data(as_text=True).split())
    assert "12 reports · at least 30% less pain for 7 of 12" in home
    assert "3 reports: too few to sum up yet" in home


def test_procedure_dates_are_months_before_today():
    report = REPORTS[0]
    answers = demo_answers(report, BOARDS[report.board], TODAY)
    months = month_number(TODAY.year, TODAY.month)
    assert month_number(answers["procedure_year"], answers["procedure_month"]) == (
        months - report.months_ago
    )
