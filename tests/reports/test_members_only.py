"""Experience reports start threads, so their author chooses who may read them; a
members-only report still counts in the outcomes, which never point at it."""

import re

import sqlalchemy as sa

from forum.extensions import db
from forum.reports.models import ExperienceReport
from forum.threads.models import Thread
from tests.conftest import login
from tests.reports.conftest import form_data, publish, walk_report_form

TYPED = {
    "title": "Third ESI at L5-S1: two good months",
    "body": "It helped for two months.",
    "pain_before": "8",
    "percent_relief": "60",
}


def test_filing_a_report_requires_the_choice_and_keeps_every_answer(app, client, treatment, member):
    login(client, member)
    data = form_data(treatment, **TYPED)
    del data["visibility"]

    response = walk_report_form(client, "epidurals", data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="visibility-error">Please choose who can read this thread' in page
    story = client.get("/b/epidurals/report?step=1").get_data(as_text=True)
    assert 'value="Third ESI at L5-S1: two good months"' in story
    assert "It helped for two months.</textarea>" in story
    essentials = client.get("/b/epidurals/report?step=2").get_data(as_text=True)
    for name, value in (("pain_before", "8"), ("pain_best", "3")):
        [control] = re.findall(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*>', essentials)
        assert "checked" in control, name
    details = client.get("/b/epidurals/report?step=3").get_data(as_text=True)
    [control] = re.findall(r'<input[^>]*name="percent_relief"[^>]*>', details)
    assert 'value="60"' in control
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ExperienceReport.id))) == 0


def test_the_report_form_preselects_neither_answer(client, treatment, member):
    login(client, member)

    page = client.get("/b/epidurals/report?step=4").get_data(as_text=True)

    radios = re.findall(r'<input[^>]*name="visibility"[^>]*>', page)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["public", "members"]
    assert not any("checked" in radio for radio in radios)


def test_a_members_only_report_is_shown_to_members_only(app, client, make_user, treatment):
    author = make_user("private-pia")
    login(client, author)

    response = walk_report_form(
        client, "epidurals", form_data(treatment, **TYPED, visibility="members")
    )

    assert response.status_code == 302
    with app.app_context():
        thread = db.session.scalar(sa.select(Thread))
        post_id = db.session.scalar(sa.select(ExperienceReport.post_id))
    assert thread.visibility == "members"
    client.post("/logout")
    for path in (response.location, f"/p/{post_id}/report/history"):
        visitor = client.get(path)
        page = visitor.get_data(as_text=True)
        assert "This thread is for signed-in members only" in page, path
        assert "Third ESI at L5-S1" in page  # the title, as on the board list
        assert "private-pia" not in page, path
        assert "report-card" not in page and "8 before" not in page, path
        assert visitor.headers["X-Robots-Tag"] == "noindex"
    login(client, make_user())
    assert "8 before" in client.get(f"/p/{post_id}/report/history").get_data(as_text=True)


def test_members_only_reports_count_in_the_outcomes_without_a_trace_of_them(
    app, client, treatment, file
):
    file(treatment, title="An open epidural story")
    file(treatment, title="A private epidural story", visibility="members")
    publish(app, treatment)

    page = client.get("/b/epidurals/outcomes").get_data(as_text=True)
    data = client.get("/b/epidurals/outcomes.json").get_json()

    assert '<p class="report-count">From <strong>2</strong> reports' in page
    assert data["reports"] == 2
    assert "A private epidural story" not in page
    assert "/t/" not in page  # the outcomes link to no single report, open or not
