"""Extensions, created unbound and bound in create_app with init_app."""

import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, current_app, has_request_context, request
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from forum.ratelimit import RateLimiter, remote_address

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use datetime.now(UTC)")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class RowVersion:
    """A counter the database bumps on every UPDATE of the row, whatever wrote it (triggers
    made by migration 0014). Visitors' pages are fingerprinted by the row versions of the
    rows they show (forum/caching.py). Inserts start at 1; nothing in Python sets it."""

    row_version: Mapped[int] = mapped_column(default=1, server_default="1")


def utcnow() -> datetime:
    return datetime.now(UTC)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = RateLimiter()


def first_or_404(statement: sa.Select, params: dict):
    """The first entity a statement built once with bound parameters finds, or 404
    (Flask-SQLAlchemy's own first_or_404 takes no parameters)."""
    found = db.session.scalars(statement, params).first()
    if found is None:
        abort(404)
    return found


def member_or_address() -> str:
    """Rate-limit key: a member's limits follow them across addresses; visitors go by address."""
    if current_user and current_user.is_authenticated:
        return f"member:{current_user.id}"
    return remote_address()


def configured_limit(name: str):
    """A limit read from the configuration when the request comes, e.g. RATELIMIT_POSTS."""
    return lambda: current_app.config[name]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_on_get(view):
    """Mark a view that writes although it answers GET (the sign-in callback a provider
    redirects to, a notification link that marks it read): on SQLite its transaction takes
    the write lock up front, as a POST's does. Put it right under the route decorator."""
    view.writes_on_get = True
    return view


def without_session(view):
    """Mark a view that never uses the request's database session (the health checks): no
    connection is taken for it before it runs, so it answers while the database does not.
    Put it right under the route decorator."""
    view.without_session = True
    return view


@sa.event.listens_for(sa.engine.Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself (the pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted content (an erased account's posts) is overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes cannot wait for the write lock
    # and fails with "database is locked" under several workers. Requests that change
    # state (and GET views marked writes_on_get) take the write lock up front; reads stay
    # deferred so they never queue.
    if has_request_context() and (request.method not in SAFE_METHODS or _view_writes()):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def autocommit_reads(app) -> None:
    """On PostgreSQL, a request that only reads (GET or HEAD, unless its view is marked
    writes_on_get) runs each statement on its own, outside a transaction. Under READ
    COMMITTED every statement takes its own snapshot anyway, so BEGIN and ROLLBACK would be
    two round trips that buy nothing. Requests that write keep their one transaction."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return

    @app.before_request
    def _autocommit_reads() -> None:
        if request.method in SAFE_METHODS and request.endpoint not in (None, "static"):
            view = current_app.view_functions[request.endpoint]
            if not _view_writes() and not getattr(view, "without_session", False):
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


# A pooled connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def ping_idle_connections(app) -> None:
    """On PostgreSQL, a pooled connection is checked with a ping before use only when it
    has been idle for a while: after a restart the server is gone from under every pooled
    connection, and an idle one is the kind a quiet site hands out next. A connection in
    steady use skips the ping (a round trip, a tenth of a busy page's time). If a restart
    lands between two uses close together, that request fails like those during the
    restart (503, Retry-After), and the disconnect makes SQLAlchemy replace the whole pool."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    @sa.event.listens_for(engine, "checkin")
    def _note_idle_since(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            # The pool drops this connection and hands out a new one.
            raise sa.exc.DisconnectionError("connection lost while idle")


WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _refuse_writes_outside_a_transaction(conn, cursor, statement, *args):
    # A GET view that writes without saying so would write piecemeal under
    # autocommit_reads, and a failure halfway could no longer be rolled back: it fails
    # loudly instead, before writing anything.
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        if statement.lstrip()[:6].upper().startswith(WRITES):
            raise RuntimeError(
                "A read-only request tried to write: mark its view @writes_on_get."
            )


def request_writes() -> bool:
    """Whether this request's transaction writes: not GET, HEAD or OPTIONS, or its view is
    marked writes_on_get."""
    return request.method not in SAFE_METHODS or _view_writes()


def _view_writes() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "writes_on_get", False)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")
