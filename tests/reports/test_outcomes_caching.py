"""A visitor's copy of a treatment's outcomes is served again (304, or the page rendered
before) until something it summarises changes: a report filed, edited, or left out once its
post or thread is hidden. The board's row version counts each of these (migration 0014)."""

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, Thread

pytestmark = pytest.mark.usefixtures("one_minute")


def _path(treatment) -> str:
    return f"/b/{treatment.slug}/outcomes"


def _board_version(treatment) -> int:
    return db.session.scalar(sa.select(Board.row_version).where(Board.id == treatment.id))


def _report_count(page: str) -> str:
    return page.split('<p class="report-count"><strong>')[1].split("<")[0]


@pytest.fixture
def filed(app, treatment, file):
    """Two reports on the treatment; the post of the first, as (post id, thread id)."""
    post_id = file(treatment)
    file(treatment)
    with app.app_context():
        return post_id, db.session.get(Post, post_id).thread_id


def test_asking_again_unchanged_is_304(client, treatment, filed):
    first = client.get(_path(treatment))
    assert first.status_code == 200
    assert _report_count(first.get_data(as_text=True)) == "2"

    again = client.get(_path(treatment), headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304


def test_a_new_report_makes_the_copy_stale(client, treatment, filed, file):
    etag = client.get(_path(treatment)).headers["ETag"]
    file(treatment)

    response = client.get(_path(treatment), headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert _report_count(response.get_data(as_text=True)) == "3"


def _set(model, row_id, **values):
    def change():
        db.session.execute(sa.update(model).where(model.id == row_id).values(values))

    return change


@pytest.mark.parametrize("change", ["post hidden", "thread hidden", "report edited"])
def test_what_the_outcomes_count_changing_makes_the_copy_stale(
    app, client, treatment, filed, change
):
    post_id, thread_id = filed
    with app.app_context():
        report_id = db.session.scalar(
            sa.select(ExperienceReport.id).where(ExperienceReport.post_id == post_id)
        )
    update = {
        "post hidden": _set(Post, post_id, state="hidden"),
        "thread hidden": _set(Thread, thread_id, is_hidden=True),
        "report edited": _set(ExperienceReport, report_id, pain_best=0),
    }[change]
    etag = client.get(_path(treatment)).headers["ETag"]
    with app.app_context():
        before = _board_version(treatment)
        update()
        db.session.commit()
        assert _board_version(treatment) == before + 1

    response = client.get(_path(treatment), headers={"If-None-Match": etag})

    assert response.status_code == 200
    expected = "2" if change == "report edited" else "1"
    assert _report_count(response.get_data(as_text=True)) == expected


def test_a_post_edit_that_keeps_its_state_leaves_the_outcomes_alone(app, treatment, filed):
    post_id, _ = filed
    with app.app_context():
        before = _board_version(treatment)
        _set(Post, post_id, body_html="<p>Edited.</p>")()
        db.session.commit()
        assert _board_version(treatment) == before


def test_a_report_deleted_or_moved_touches_its_boards(app, treatment, make_treatment, filed):
    other = make_treatment("injection")
    post_id, _ = filed
    with app.app_context():
        report = db.session.scalar(
            sa.select(ExperienceReport).where(ExperienceReport.post_id == post_id)
        )
        before = (_board_version(treatment), _board_version(other))
        report.board_id = other.id
        db.session.commit()
        assert (_board_version(treatment), _board_version(other)) == (before[0] + 1, before[1] + 1)
        db.session.delete(report)
        db.session.commit()
        assert _board_version(other) == before[1] + 2


@pytest.mark.parametrize(
    "suffix, content_type",
    [(".json", "application/json"), (".csv", "text/csv; charset=utf-8")],
)
def test_the_downloads_are_served_again_until_a_report_changes_them(
    client, treatment, filed, file, suffix, content_type
):
    path = _path(treatment) + suffix
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == content_type

    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    file(treatment)
    after_a_report = client.get(path, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert after_a_report.status_code == 200
    assert after_a_report.headers["Content-Type"] == content_type
    assert after_a_report.data != first.data
    if suffix == ".json":
        assert (first.json["reports"], after_a_report.json["reports"]) == (2, 3)


def test_the_comparison_is_served_again_until_a_report_changes_it(
    client, treatment, make_treatment, filed, file
):
    other = make_treatment("injection")
    path = f"/outcomes?boards={treatment.slug},{other.slug}"
    etag = client.get(path).headers["ETag"]

    again = client.get(path, headers={"If-None-Match": etag})
    file(other)
    after_a_report = client.get(path, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert after_a_report.status_code == 200
