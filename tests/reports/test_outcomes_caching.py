"""A visitor's copy of a treatment's outcomes is served again (304, or the page rendered
before) until something it shows changes. The figures come from the treatment's latest
release, so a new report does not move them; but the page also says how many changes and
waiting reports the next release will take in (the release's `version`: its id, pending and
waiting counts), and it depends on the board's row version, which a report filed, edited or
left out once its post or thread is hidden moves (migration 0014)."""

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db
from forum.reports.models import ExperienceReport
from forum.reports.releases import refresh_boards
from forum.threads.models import Post, Thread
from tests.reports.conftest import publish

pytestmark = pytest.mark.usefixtures("one_minute")


def _path(treatment) -> str:
    return f"/b/{treatment.slug}/outcomes"


def _board_version(treatment) -> int:
    return db.session.scalar(sa.select(Board.row_version).where(Board.id == treatment.id))


def _report_count(page: str) -> str:
    return page.split('<p class="report-count">From <strong>')[1].split("<")[0]


def _release_line(page: str) -> str:
    return " ".join(page.split('<p class="release-line">')[1].split("</p>")[0].split())


@pytest.fixture
def filed(app, treatment, file):
    """Two reports on the treatment, published; the post of the first, as (post id,
    thread id)."""
    post_id = file(treatment)
    file(treatment)
    publish(app, treatment)
    with app.app_context():
        return post_id, db.session.get(Post, post_id).thread_id


def test_asking_again_unchanged_is_304(client, treatment, filed):
    first = client.get(_path(treatment))
    assert first.status_code == 200
    assert _report_count(first.get_data(as_text=True)) == "2"

    again = client.get(_path(treatment), headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304


def test_a_new_report_makes_the_copy_stale(app, client, treatment, filed, file):
    """The figures stay those of the release, but the page now says a report is waiting."""
    etag = client.get(_path(treatment)).headers["ETag"]
    file(treatment)

    response = client.get(_path(treatment), headers={"If-None-Match": etag})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _report_count(page) == "2"
    assert "1 report is waiting to count" in _release_line(page)
    publish(app, treatment)
    again = client.get(_path(treatment), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 200
    assert _report_count(again.get_data(as_text=True)) == "3"


def test_a_release_check_that_changes_nothing_keeps_the_copy(app, client, treatment, filed):
    """The periodic job finding nothing new leaves the release as it was: still 304."""
    etag = client.get(_path(treatment)).headers["ETag"]
    with app.app_context():
        assert refresh_boards([treatment.id]) == []

    assert client.get(_path(treatment), headers={"If-None-Match": etag}).status_code == 304


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
        "report edited": _set(ExperienceReport, report_id, pain_best=0, version=2),
    }[change]
    etag = client.get(_path(treatment)).headers["ETag"]
    with app.app_context():
        before = _board_version(treatment)
        update()
        db.session.commit()
        assert _board_version(treatment) == before + 1

    response = client.get(_path(treatment), headers={"If-None-Match": etag})

    assert response.status_code == 200
    # The figures are the release's until 5 changes build up; the next check counts this one.
    assert _report_count(response.get_data(as_text=True)) == "2"
    with app.app_context():
        assert refresh_boards([treatment.id]) == []
    checked = client.get(_path(treatment), headers={"If-None-Match": response.headers["ETag"]})
    assert checked.status_code == 200
    assert "1 newer change to reports will be counted in the next update" in _release_line(
        checked.get_data(as_text=True)
    )


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
    app, client, treatment, filed, file, suffix, content_type
):
    path = _path(treatment) + suffix
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == content_type

    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    file(treatment)
    after_a_report = client.get(path, headers={"If-None-Match": first.headers["ETag"]})

    publish(app, treatment)
    released = client.get(path, headers={"If-None-Match": after_a_report.headers["ETag"]})

    assert again.status_code == 304
    assert after_a_report.status_code == 200
    assert after_a_report.headers["Content-Type"] == content_type
    assert released.status_code == 200
    assert released.data != first.data
    if suffix == ".json":
        # The new report waits (its author is new) and is not in the figures yet.
        assert (first.json["reports"], after_a_report.json["reports"]) == (2, 2)
        assert after_a_report.json["release"]["waiting_reports"] == 1
        assert released.json["reports"] == 3
    else:
        assert released.data.count(b"\nreports,,,3,3,") == 1


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
