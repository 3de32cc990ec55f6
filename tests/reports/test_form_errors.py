"""The report form's error summary and its required questions (tests/test_form_errors.py
has the rest)."""

import re
from datetime import timedelta

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from tests.conftest import login
from tests.reports.conftest import form_data, walk_report_form
from tests.test_form_errors import MARKER, Summary, assert_each_link_reaches_its_field, label_of


def test_a_step_lists_its_problems_as_links_to_its_fields(client, member, treatment):
    login(client, member)
    # No pain scores, on the step that asks them.
    data = form_data(treatment, pain_before="", pain_best="")

    response = walk_report_form(client, "epidurals", data)

    assert 400 <= response.status_code < 500
    summary = Summary(response.get_data(as_text=True))
    assert_each_link_reaches_its_field(summary)
    links = dict((href, text) for text, href in summary.items if href)
    assert links == {
        "#pain_before": "Pain before is required: choose a number from 0 to 10.",
        "#pain_best": "Pain at best effect is required: choose a number from 0 to 10.",
    }


def test_a_refusal_about_the_whole_report_has_no_link(client, member, treatment):
    """A refusal that names no answer (here a silenced member) is listed without a link."""
    with client.application.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == member.id)
            .values(silenced_until=utcnow() + timedelta(days=1))
        )
        db.session.commit()
    login(client, member)

    response = walk_report_form(client, "epidurals", form_data(treatment))

    summary = Summary(response.get_data(as_text=True))
    assert_each_link_reaches_its_field(summary)
    assert [text for text, href in summary.items if href is None], summary.items


# Every question a report needs, and the step that asks it.
REQUIRED = {
    1: ("title", "body"),
    2: ("treatment", "pain_before", "pain_best", "pgic"),
    3: ("has_conflict",),
    4: ("visibility",),
}


def test_the_report_steps_mark_every_required_question(client, member, treatment):
    login(client, member)

    for step, required in REQUIRED.items():
        page = client.get(f"/b/epidurals/report?step={step}").get_data(as_text=True)
        summary = Summary(page)
        for name in required:
            assert label_of(page, name).endswith(MARKER), (step, name)
        for name in ("title", "treatment", "body"):
            if name in required:
                assert "required" in summary.controls[name], name
        for name in ("pain_before", "pain_best"):
            if name in required:
                radios = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
                assert len(radios) == 11 and all(" required" in r for r in radios), name
        # Only those: an optional question has no marker.
        assert page.count(MARKER) == len(required), step
        assert '<form method="post" action="/b/epidurals/report?step=' in page
        assert "novalidate" in page
    details = client.get("/b/epidurals/report?step=3").get_data(as_text=True)
    assert MARKER not in label_of(details, "times_had")
