"""Report drafts are tested on treatment boards, as the report form is."""

from tests.reports.conftest import make_treatment, treatment  # noqa: F401
