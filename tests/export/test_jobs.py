"""Large accounts: the export is queued, built by `flask forum build-exports`, kept in the
database (so any host serves what any host built), shown on a progress page, downloaded by
its owner only, and deleted after EXPORT_RETENTION_DAYS."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from forum.export import models, services
from forum.export.models import DataExport, DataExportChunk
from forum.extensions import db, utcnow
from tests.conftest import login
from tests.export.conftest import assert_zip_download, read_zip

REFRESH = '<meta http-equiv="refresh" content="5">'


@pytest.fixture
def writer(make_user, make_thread, make_post):
    """A member with two posts: "large" under big_app's limit of one."""
    user = make_user("prolific-pia")
    thread = make_thread(author=user, title="Two years of ablations", body="Year one.")
    make_post(thread, author=user, body="Year two.")
    return user


def exports(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(DataExport.id, DataExport.status, DataExport.size_bytes).order_by(
                DataExport.id
            )
        ).all()


def stored_pieces(app) -> list[tuple[int, int, int]]:
    """(export, position, bytes) of every stored piece of an archive."""
    with app.app_context():
        return db.session.execute(
            sa.select(
                DataExportChunk.export_id,
                DataExportChunk.position,
                sa.func.length(DataExportChunk.data),
            ).order_by(DataExportChunk.export_id, DataExportChunk.position)
        ).all()


def build(app) -> str:
    result = app.test_cli_runner().invoke(args=["forum", "build-exports"])
    assert result.exit_code == 0, result.output
    return result.output


def queue(client) -> str:
    """Ask for the export; returns the progress page's address."""
    response = client.post("/settings/export")
    assert response.status_code == 302
    assert response.location.startswith("/settings/export/")
    return response.location


def test_large_account_is_queued_and_shown_in_progress(big_app, writer):
    client = big_app.test_client()
    login(client, writer)
    progress = queue(client)

    page = client.get(progress).get_data(as_text=True)
    assert REFRESH in page
    assert "Queued" in page
    assert "/download" not in page
    [(export_id, status, size)] = exports(big_app)
    assert progress == f"/settings/export/{export_id}"
    assert (status, size) == ("queued", None)
    # Not downloadable yet; the export page points to the progress page.
    assert client.get(f"{progress}/download").status_code == 409
    assert progress in client.get("/settings/export").get_data(as_text=True)


def test_asking_again_while_queued_shows_the_same_job(big_app, writer):
    client = big_app.test_client()
    login(client, writer)
    first = queue(client)
    assert queue(client) == first
    assert len(exports(big_app)) == 1


def test_builder_makes_a_download_for_the_owner(big_app, writer):
    client = big_app.test_client()
    login(client, writer)
    progress = queue(client)

    assert "Exports: 1 built, 0 failed." in build(big_app)

    [(export_id, status, size)] = exports(big_app)
    assert status == "ready"
    assert [(export, position) for export, position, _ in stored_pieces(big_app)] == [
        (export_id, 0)
    ]

    page = client.get(progress).get_data(as_text=True)
    assert REFRESH not in page
    assert f'href="{progress}/download"' in page
    with client.get(f"{progress}/download") as response:
        assert_zip_download(response)
        assert response.content_length == size == len(response.data)
        export = read_zip(response.data)
    texts = {post["body_markdown"] for post in export.document["posts"]}
    assert texts == {"Year one.", "Year two."}
    assert "<h2>Two years of ablations</h2>" in export.html
    # Nothing left to build.
    assert "Exports: 0 built, 0 failed." in build(big_app)


def test_only_the_owner_sees_or_downloads_an_export(big_app, writer, fred):
    owner = big_app.test_client()
    login(owner, writer)
    progress = queue(owner)
    build(big_app)

    other = big_app.test_client()
    login(other, fred)
    assert other.get(progress).status_code == 404
    assert other.get(f"{progress}/download").status_code == 404

    visitor = big_app.test_client()
    for path in (progress, f"{progress}/download"):
        response = visitor.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")


def test_a_failed_build_says_so_and_the_member_can_ask_again(big_app, writer, monkeypatch):
    client = big_app.test_client()
    login(client, writer)
    progress = queue(client)

    def broken(data, out):
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_archive", broken)
    assert "Exports: 0 built, 1 failed." in build(big_app)
    monkeypatch.undo()

    page = client.get(progress).get_data(as_text=True)
    assert REFRESH not in page
    assert "Something went wrong" in page
    assert client.get(f"{progress}/download").status_code == 404
    assert queue(client) != progress  # a new job
    assert [status for _, status, _ in exports(big_app)] == ["failed", "queued"]


def test_a_build_that_died_is_taken_over_later(big_app, writer):
    client = big_app.test_client()
    login(client, writer)
    queue(client)
    with big_app.app_context():
        db.session.execute(sa.update(DataExport).values(status="building", started_at=utcnow()))
        db.session.commit()
    assert "Exports: 0 built" in build(big_app)  # still being built, by someone else
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        assert "Exports: 1 built" in build(big_app)
    assert [status for _, status, _ in exports(big_app)] == ["ready"]


def test_an_archive_is_stored_in_pieces_and_served_whole_by_another_host(
    make_app, big_app, writer, monkeypatch
):
    """The builder's host and the host a member's download reaches need share nothing but
    the database."""
    monkeypatch.setattr(models, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(services, "CHUNK_BYTES", 1000)
    client = big_app.test_client()
    login(client, writer)
    progress = queue(client)
    build(big_app)
    [(_, _, size)] = exports(big_app)
    pieces = stored_pieces(big_app)
    assert len(pieces) == -(-size // 1000) > 1
    assert sum(length for *_, length in pieces) == size

    other_host = make_app(EXPORT_INLINE_MAX_POSTS=1).test_client()
    login(other_host, writer)
    with other_host.get(f"{progress}/download") as response:
        assert_zip_download(response)
        export = read_zip(response.data)
    assert {post["body_markdown"] for post in export.document["posts"]} == {
        "Year one.",
        "Year two.",
    }


def test_expired_exports_are_purged_with_their_archives(big_app, writer):
    client = big_app.test_client()
    login(client, writer)
    progress = queue(client)
    build(big_app)
    assert len(stored_pieces(big_app)) == 1

    with big_app.app_context():
        assert services.purge_expired_exports(utcnow() + timedelta(days=6)) == 0
        db.session.commit()
    assert len(stored_pieces(big_app)) == 1

    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        login(client, writer)  # a week later, the first session has ended
        # Past its time but not yet purged: no longer offered.
        assert client.get(f"{progress}/download").status_code == 404
        assert "expired" in client.get(progress).get_data(as_text=True)
        with big_app.app_context():
            assert services.purge_expired_exports(utcnow()) == 1
            db.session.commit()
        assert stored_pieces(big_app) == []
        assert exports(big_app) == []
        assert client.get(progress).status_code == 404


def test_small_accounts_are_not_queued(client, writer):
    """Under the default limit the same button gives the file at once."""
    login(client, writer)
    with client.post("/settings/export") as response:
        assert_zip_download(response)
    assert exports(client.application) == []


def test_erasing_the_account_deletes_its_built_archive(big_app, writer):
    client = big_app.test_client()
    login(client, writer)
    queue(client)
    build(big_app)
    assert len(stored_pieces(big_app)) == 1

    erased = client.post(
        "/settings/delete",
        data={"confirmation": writer.display_name, "posts": "keep", "reports": "keep"},
    )

    assert erased.status_code == 302
    assert erased.location == "/settings/deleted"
    assert exports(big_app) == []
    assert stored_pieces(big_app) == []
