"""The report form in steps and its server-side draft (issue 22)."""

from tests.conftest import login
from tests.reports.conftest import form_data, walk_report_form


def test_walking_the_steps_files_the_report(client, member, treatment):
    login(client, member)
    response = walk_report_form(client, "epidurals", form_data(treatment))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
