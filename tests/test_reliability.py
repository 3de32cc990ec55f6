"""When the database drops out (a restart, a lost connection, SQLite's write lock not
granted in time) a request fails cleanly: 503 with Retry-After, a calm page that needs no
database, what the member typed given back, one log line, and nothing half-written.
bench/load.py does the same with a real PostgreSQL restart under load."""

import logging
import re
import sqlite3
import threading
from contextlib import contextmanager
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.notifications.models import Notification
from forum.threads.models import Post, Thread
from forum.threads.services import reply_to_thread
from tests.auth.conftest import live_forum, oidc_provider, provider, visitor_at  # noqa: F401
from tests.conftest import login, sqlite_only

TYPED = "Three weeks after my genicular RFA: knee pain down from 7 to 3 <b>so far</b>."


@contextmanager
def database_drops(app, after: str | None = None):
    """From the first statement starting with `after` (from the start if None), every
    statement finds its connection closed underneath it, as after a server restart. The
    driver raises its real error; SQLAlchemy sees a disconnect and invalidates the
    connection. Yields a switch: state["down"] = False brings the database back."""
    with app.app_context():
        engine = db.engine
    state = {"down": after is None, "failed": 0}

    def drop(conn, cursor, statement, parameters, context, executemany):
        if not state["down"] and after and statement.lstrip().upper().startswith(after):
            state["down"] = True
        if state["down"]:
            state["failed"] += 1
            cursor.connection.close()

    sa.event.listen(engine, "before_cursor_execute", drop)
    try:
        yield state
    finally:
        sa.event.remove(engine, "before_cursor_execute", drop)


def kept_fields(page: str) -> dict[str, str]:
    """The fields of the "Send again" form on an error page."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    textarea = re.search(r'<textarea id="kept-body" name="body"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        fields["body"] = textarea.group(1)
    return fields


def posts_with_key(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Post).where(Post.submission_key == key)
        )


def thread_post_count(app, thread_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Thread.post_count).where(Thread.id == thread_id))


def test_connection_lost_mid_reply_is_503_keeping_the_text(app, make_thread, member, caplog):
    thread = make_thread()
    client = app.test_client()
    login(client, member)
    caplog.set_level(logging.INFO)

    # The reply has read the thread and the member; the database goes away as it writes.
    with database_drops(app, after="UPDATE THREADS") as outage:
        response = client.post(
            f"/t/{thread.id}/reply", data={"body": TYPED, "submission_key": "reply-once-1"}
        )
    page = response.get_data(as_text=True)

    assert outage["failed"] >= 1
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Back in a moment" in page
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()
    # The page was drawn without the database: the member's name is still in the header.
    assert member.display_name in page
    fields = kept_fields(page)
    assert unescape(fields["body"]) == TYPED
    assert fields["submission_key"] == "reply-once-1"
    assert f'action="/t/{thread.id}/reply"' in page
    # Nothing half-written: no post, no counter moved.
    assert posts_with_key(app, "reply-once-1") == 0
    assert thread_post_count(app, thread.id) == 1
    # One line in the log, without a traceback or what the member wrote.
    lines = [r for r in caplog.records if r.name == "forum.errors"]
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING
    assert lines[0].exc_info is None
    assert "503" in lines[0].getMessage() and TYPED not in lines[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]

    # The database is back: "Send again" posts the kept form, once, however often.
    again = {"body": unescape(fields["body"]), "submission_key": fields["submission_key"]}
    first = client.post(f"/t/{thread.id}/reply", data=again)
    second = client.post(f"/t/{thread.id}/reply", data=again)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert posts_with_key(app, "reply-once-1") == 1
    assert thread_post_count(app, thread.id) == 2


def test_reading_while_the_database_is_down_is_503(app, make_thread, member):
    thread = make_thread()
    client = app.test_client()
    login(client, member)
    path = f"/t/{thread.id}/{thread.slug}"

    # Even loading the signed-in member fails: the page is drawn for a visitor.
    with database_drops(app):
        response = client.get(path)
        visitor = app.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == visitor.status_code == 503
    assert response.headers["Retry-After"] == visitor.headers["Retry-After"] == "5"
    assert f'href="{path}">Try this page again' in page
    assert "Traceback" not in page

    # Back by itself: the pool replaces the connections it lost.
    assert client.get(path).status_code == 200


def test_connection_lost_after_the_page_was_read_still_serves_it(app, make_thread, caplog):
    thread = make_thread()
    with app.app_context():
        engine = db.engine

    def drop(conn):  # the server goes away between the last query and the closing rollback
        conn.connection.dbapi_connection.close()

    sa.event.listen(engine, "rollback", drop)
    try:
        response = app.test_client().get(f"/t/{thread.id}/{thread.slug}")
    finally:
        sa.event.remove(engine, "rollback", drop)
    assert response.status_code == 200
    assert "A thread about treatment" in response.get_data(as_text=True)
    assert [r.getMessage()[:30] for r in caplog.records if r.name == "forum.errors"] == [
        "database connection lost after"
    ]
    assert app.test_client().get(f"/t/{thread.id}/{thread.slug}").status_code == 200


@sqlite_only
def test_database_is_locked_is_503_not_500(make_app, database_url, make_thread, member):
    app = make_app()
    with app.app_context():
        engine = db.engine

    # The app's own connect hook sets a 15-second busy_timeout; this one runs after it.
    @sa.event.listens_for(engine, "connect")
    def impatient(dbapi_connection, connection_record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    thread = make_thread()
    client = app.test_client()
    login(client, member)
    locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        assert client.get(f"/t/{thread.id}/{thread.slug}").status_code == 200  # reads go on
        response = client.post(
            f"/t/{thread.id}/reply", data={"body": TYPED, "submission_key": "locked-1"}
        )
    finally:
        locker.rollback()
        locker.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert unescape(kept_fields(page)["body"]) == TYPED

    sent = client.post(f"/t/{thread.id}/reply", data={"body": TYPED, "submission_key": "locked-1"})
    assert sent.status_code == 302
    assert posts_with_key(app, "locked-1") == 1


@pytest.mark.parametrize(
    "error",
    [
        # SQLite says "no such table" with an OperationalError too: a bug, not an outage.
        sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x")),
        sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
    ],
    ids=["sqlite-no-such-table", "integrity"],
)
def test_database_bugs_stay_500(make_app, make_thread, member, error):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    thread = make_thread()
    client = app.test_client()
    login(client, member)
    with mock.patch("forum.threads.services.reply_to_thread", side_effect=error):
        response = client.post(f"/t/{thread.id}/reply", data={"body": TYPED})
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


@contextmanager
def another_writer(database_url: str, commits_after: float):
    """Another process holds SQLite's write lock with a change, and commits it a moment
    later: a deferred transaction that read in between can no longer write."""
    locker = sqlite3.connect(
        database_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    locker.execute("BEGIN IMMEDIATE")
    locker.execute("UPDATE users SET post_count = post_count")
    commit = threading.Timer(commits_after, locker.execute, ("COMMIT",))
    commit.start()
    try:
        yield
    finally:
        commit.join()
        locker.close()


@sqlite_only
def test_opening_a_notification_waits_for_the_write_lock(
    app, database_url, make_thread, make_post, member
):
    # A GET that marks the notification read: it takes the write lock before reading.
    thread = make_thread(author=member)
    make_post(thread)  # a reply: the author, who watches the thread, is notified
    with app.app_context():
        notification_id = db.session.scalar(
            sa.select(Notification.id).where(Notification.user_id == member.id)
        )
    client = app.test_client()
    login(client, member)
    with another_writer(database_url, commits_after=0.5):
        response = client.get(f"/notifications/{notification_id}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Notification, notification_id).read_at is not None


@sqlite_only
def test_returning_member_signs_in_while_another_writes(live_forum, visitor_at, database_url):  # noqa: F811
    # The provider's redirect back is a GET that records the sign-in (last_used_at).
    with live_forum() as app:
        first = visitor_at(app.base_url)
        assert first.sign_in("clinic", "returning-subject").headers["Location"] == "/onboarding"
        assert first.onboard("returning-rita").status_code == 302
        again = visitor_at(app.base_url)
        back = again.authorize("clinic", "returning-subject")
        with another_writer(database_url, commits_after=0.5):
            answer = again.get(back.headers["Location"])
        assert answer.status_code == 302, answer.text[:300]
        assert again.signed_in_as() == "returning-rita"


def test_a_reply_that_commits_last_with_an_earlier_time_moves_no_latest_back(
    app, make_board, make_thread, make_user
):
    # Concurrent replies take their time before they queue on the thread's and the board's
    # rows: the one committed last can carry the earlier time (seen under bench/load.py on
    # PostgreSQL). The latest activity must stay the latest.
    board = make_board()
    quiet, busy = make_thread(board=board), make_thread(board=board)
    first, second = make_user(), make_user()
    later = utcnow() + timedelta(seconds=2)
    earlier = later - timedelta(milliseconds=8)
    with app.app_context():
        with mock.patch("forum.threads.services.utcnow", return_value=later):
            reply_to_thread(first, db.session.get(Thread, busy.id), "Committed first.")
        with mock.patch("forum.threads.services.utcnow", return_value=earlier):
            reply_to_thread(second, db.session.get(Thread, busy.id), "Committed second.")
            reply_to_thread(second, db.session.get(Thread, quiet.id), "Committed last.")
        board_now = db.session.get(Board, board.id)
        busy_now = db.session.get(Thread, busy.id)
        assert board_now.last_post_at == later
        assert board_now.last_thread_id == busy.id
        assert board_now.post_count == 5
        assert busy_now.last_post_at == later
        assert busy_now.post_count == 3
        assert busy_now.last_poster_id == second.id  # the last in the thread's order
        assert db.session.get(Thread, quiet.id).last_post_at == earlier
