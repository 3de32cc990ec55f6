"""The report form's error summary and its required questions (tests/test_form_errors.py
has the rest)."""

from tests.conftest import login
from tests.reports.conftest import form_data
from tests.test_form_errors import MARKER, Summary, assert_each_link_reaches_its_field, label_of


def test_a_report_lists_its_problems_and_a_form_level_one_without_a_link(
    client, member, treatment, make_treatment
):
    other = make_treatment("implant", slug="stimulators", name="Stimulators")
    login(client, member)
    # Another family's treatment, and no pain scores: the form shows the new family's
    # questions (a message about the whole form) and what is missing.
    data = {**form_data(treatment, pain_before="", pain_best="11"), "treatment": other.slug}

    response = client.post("/b/epidurals/report", data=data)

    assert 400 <= response.status_code < 500
    summary = Summary(response.get_data(as_text=True))
    assert_each_link_reaches_its_field(summary)
    links = dict((href, text) for text, href in summary.items if href)
    assert links["#pain_before"] == "Pain before is required: a number from 0 to 10."
    assert links["#pain_best"] == "Please give a whole number from 0 to 10."
    assert [text for text, href in summary.items if href is None], summary.items


def test_the_report_form_marks_every_required_question(client, member, treatment):
    login(client, member)

    page = client.get("/b/epidurals/report").get_data(as_text=True)
    summary = Summary(page)

    required = ("title", "treatment", "pain_before", "pain_best", "pgic", "body", "visibility")
    for name in required:
        assert label_of(page, name).endswith(MARKER), name
    for name in ("title", "treatment", "pain_before", "pain_best", "body"):
        assert "required" in summary.controls[name], name
    # Only those: an optional question has no marker.
    assert page.count(MARKER) == len(required)
    assert MARKER not in label_of(page, "times_had")
    assert "The essentials (required)" not in page
    assert '<form method="post" novalidate class="report-form">' in page
