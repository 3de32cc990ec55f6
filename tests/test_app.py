"""The application factory's safety rules and the error pages."""

import pytest
import sqlalchemy as sa
from flask import abort

from forum import create_app, extensions
from forum.extensions import db, writes_on_get
from forum.threads.models import Post
from tests.conftest import ON_POSTGRESQL, base_config, login, sqlite_only


def test_dev_login_refused_outside_debug_and_testing(database_url):
    config = base_config(database_url, TESTING=False)
    with pytest.raises(RuntimeError, match="FORUM_DEV_LOGIN"):
        create_app(config)


def test_secret_key_required_outside_debug_and_testing(database_url):
    config = base_config(database_url, TESTING=False, DEV_LOGIN=False, SECRET_KEY=None)
    with pytest.raises(RuntimeError, match="FORUM_SECRET_KEY"):
        create_app(config)


def test_production_config_starts_with_secure_cookies(database_url):
    app = create_app(base_config(database_url, TESTING=False, DEV_LOGIN=False))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        db.engine.dispose()


def test_environment_variables_override_defaults(monkeypatch, database_url):
    monkeypatch.setenv("FORUM_THREADS_PER_PAGE", "7")
    monkeypatch.setenv("FORUM_DATABASE_URL", database_url)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["THREADS_PER_PAGE"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"].split("://")[0] in ("sqlite", "postgresql+psycopg")
    with app.app_context():
        db.engine.dispose()


def test_postgres_urls_use_psycopg(database_url):
    app = create_app(base_config("postgresql://u@127.0.0.1:1/x"))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def _as_after_a_restart(app) -> int:
    """Close every connection the app holds to the database from the server's side, as a
    restart does; returns how many."""
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    with killer.connect() as connection:
        killed = connection.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    killer.dispose()
    return killed


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL connections")
def test_a_connection_lost_while_idle_is_replaced_before_use(app, make_thread, monkeypatch):
    thread = make_thread(title="Read after a restart")
    client = app.test_client()
    assert client.get(f"/t/{thread.id}").status_code == 301
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 0.0)  # every one is idle
    assert _as_after_a_restart(app) >= 1

    response = client.get(f"/t/{thread.id}")

    assert response.status_code == 301  # answered from the database, not a 503


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL connections")
def test_a_connection_lost_between_busy_uses_fails_one_request_cleanly(
    app, make_thread, monkeypatch
):
    """A connection in steady use is not pinged: a restart between two uses fails the
    request that finds it gone, as one during the restart does, and the next one works."""
    thread = make_thread(title="Read after a restart")
    client = app.test_client()
    assert client.get(f"/t/{thread.id}").status_code == 301
    monkeypatch.setattr(extensions, "PING_AFTER_IDLE_SECONDS", 3600.0)  # none is idle
    assert _as_after_a_restart(app) >= 1

    failed = client.get(f"/t/{thread.id}")
    again = client.get(f"/t/{thread.id}")

    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "5"
    assert again.status_code == 301


def test_session_cookie_is_httponly_and_lax(client, member):
    response = client.post("/login/dev", data={"pseudonym": member.display_name})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@sqlite_only
def test_sqlite_runs_in_wal_with_foreign_keys(app):
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unsafe_requests_take_the_sqlite_write_lock_first(app, client, member, make_board):
    make_board(slug="locks")
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        login(client, member)
        client.post(
            "/b/locks/new", data={"title": "Lock test", "body": "text", "visibility": "public"}
        )
        client.get("/b/locks")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    begins = [s for s in statements if s.startswith("BEGIN")]
    if engine.dialect.name != "sqlite":
        assert begins == []  # PostgreSQL: the driver begins transactions itself
    else:
        assert "BEGIN IMMEDIATE" in begins  # the POSTs
        assert "BEGIN" in begins  # the GET stays deferred


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/b/no-such-board", 404, "Page not found"),
        ("/t/999999", 404, "Page not found"),
        ("/p/999999", 404, "Page not found"),
        ("/u/nobody-here", 404, "Page not found"),
        ("/t/not-a-number", 404, "Page not found"),
    ],
)
def test_unknown_addresses_get_a_friendly_404(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert text in page
    assert "list of boards" in page


def test_wrong_method_is_405_with_a_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)
    assert "POST" in response.headers["Allow"]


def test_too_many_posts_is_429_with_a_page(make_app, make_board, member):
    # `member` joined today: a new member's limit (forum/policy/trust.py).
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_POSTS_NEW="2 per minute")
    make_board(slug="limits")
    client = app.test_client()
    login(client, member)
    statuses = [
        client.post(
            "/b/limits/new", data={"title": f"Thread {n}", "body": "x", "visibility": "public"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    response = client.post(
        "/b/limits/new", data={"title": "One more", "body": "x", "visibility": "public"}
    )
    assert "Too many requests" in response.get_data(as_text=True)


def test_server_error_rolls_back_and_leaks_nothing(make_app, make_thread):
    thread = make_thread(body="original")
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        post = db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id)).one()
        post.body_source = "half-written change"
        db.session.flush()
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internal detail" not in page
    assert "Traceback" not in page
    with app.app_context():
        body = db.session.scalar(sa.select(Post.body_source).where(Post.thread_id == thread.id))
    assert body == "original"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="a PostgreSQL setting")
def test_postgresql_connections_do_not_jit_compile(app):
    with app.app_context():
        assert db.session.scalar(sa.text("SHOW jit")) == "off"


@pytest.mark.parametrize("marked", [False, True])
def test_a_get_view_writes_only_in_a_transaction_of_its_own(make_app, make_thread, marked):
    """On PostgreSQL reads run outside a transaction: a GET view that writes unannounced
    fails before writing anything; one marked @writes_on_get writes in its transaction.
    (SQLite keeps a transaction for every request: both write there.)"""
    thread = make_thread(body="original")
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def touch():
        db.session.execute(
            sa.update(Post).where(Post.thread_id == thread.id).values(body_source="touched")
        )
        db.session.commit()
        return "done"

    app.get("/touch")(writes_on_get(touch) if marked else touch)

    response = app.test_client().get("/touch")

    with app.app_context():
        body = db.session.scalar(sa.select(Post.body_source).where(Post.thread_id == thread.id))
    if marked or not ON_POSTGRESQL:
        assert (response.status_code, body) == (200, "touched")
    else:
        assert (response.status_code, body) == (500, "original")


def test_forbidden_is_403_with_a_page(make_app):
    app = make_app()

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    response = app.test_client().get("/forbidden")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/b/no-such-board", "/login"])
def test_pages_forbid_framing_foreign_scripts_and_sniffing(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
