"""Fixtures for experience reports: treatment boards and reports filed through the service."""

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db
from forum.reports.services import file_report

_numbers = itertools.count(1)


@pytest.fixture
def make_treatment(app):
    """A treatment board of a family (its side-effect list), detached for the test."""

    def make(family: str = "injection", slug: str | None = None, name: str | None = None):
        number = next(_numbers)
        with app.app_context():
            board = Board(
                slug=slug or f"treatment-{number}",
                name=name or f"Treatment {number}",
                category="Treatments",
                description="A treatment board for tests.",
                aliases=[],
                position=100 + number,
                family=family,
            )
            db.session.add(board)
            db.session.commit()
            db.session.refresh(board)
            db.session.expunge(board)
            return board

    return make


@pytest.fixture
def treatment(make_treatment):
    return make_treatment("injection", slug="epidurals", name="Epidurals")


def answers(treatment, **overrides) -> dict:
    """The smallest valid report (the required answers), with any answers given."""
    return {"treatment": treatment, "pain_before": 7, "pain_best": 3, "pgic": 2, **overrides}


def form_data(treatment, **overrides) -> dict:
    """What the report form posts for the smallest valid report."""
    return {
        "title": "My epidural, three months on",
        "body": "It helped for a while.",
        "treatment": treatment.slug,
        "shown_family": treatment.family,
        "pain_before": "7",
        "pain_best": "3",
        "pgic": "2",
        "has_conflict": "no",
        "visibility": "public",
        **overrides,
    }


@pytest.fixture
def file(app, make_user):
    """File a report (starting a thread on `board`, default the treatment) as `author`.
    Seed data as stored: a relief estimate far from the pain scores is taken as confirmed
    (the check has its own tests)."""

    def make(
        treatment,
        author=None,
        board=None,
        title="How my procedure went",
        visibility="public",
        body="What happened.",
        **overrides,
    ):
        author = author or make_user()
        with app.app_context():
            board_obj = db.session.get(Board, (board or treatment).id)
            treatment_obj = db.session.get(Board, treatment.id)
            post = file_report(
                author,
                board_obj,
                title,
                body,
                answers(treatment_obj, **overrides),
                visibility=visibility,
                confirmed_estimate=True,
            )
            return post.id

    return make


def publish(app, *treatments) -> None:
    """Make the treatments' figures public now, as the periodic job would once the reports'
    authors are a week old: every member's account is aged, then a release is made even
    if fewer than 5 reports changed since the last one."""
    from forum.accounts.models import User
    from forum.extensions import utcnow
    from forum.reports.releases import MIN_ACCOUNT_AGE, refresh_boards

    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.created_at > utcnow() - MIN_ACCOUNT_AGE)
            .values(created_at=utcnow() - MIN_ACCOUNT_AGE - timedelta(days=1))
        )
        db.session.commit()
        refresh_boards([t.id for t in treatments], force=True)


def walk_report_form(client, board_slug: str, data: dict, last_step: int = 4, csrf_token=None):
    """Fill the report form in steps as a member does: each step's answers (taken from
    `data`, as the one-page form used to post them all) with "Continue", then "Post report"
    on the last step. The treatment goes with every step, as the steps' hidden field
    carries it. Returns the last response: the redirect to the new thread, or the step
    shown again with what stopped it (or, with `last_step` < 4, that step's redirect).
    `csrf_token` goes with every step, for an app that checks it."""
    from forum.reports.steps import CARRIED, LAST, STEP_FIELDS, step_of

    carried = {name: data[name] for name in CARRIED if name in data}
    if csrf_token:
        carried["csrf_token"] = csrf_token
    for step in range(1, last_step + 1):
        fields = {
            name: value
            for name, value in data.items()
            if name not in CARRIED and step_of(name) == step
            and (name in STEP_FIELDS[step] or name.startswith("effect_"))
        }
        if step == LAST:
            return client.post(f"/b/{board_slug}/report/post", data={**carried, **fields})
        response = client.post(
            f"/b/{board_slug}/report?step={step}",
            data={**carried, **fields, "action": "continue"},
        )
        if response.status_code != 302:
            return response
    return response
