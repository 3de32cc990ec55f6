"""Shared fixtures: an app per test on a database built once by the migrations.

SQLite by default; FORUM_TEST_DATABASE_URL=postgresql://user@host/any runs the same suite
on that PostgreSQL server, in a database created for this run and dropped after it."""

import itertools
import os
import re
import uuid
from contextlib import contextmanager
from datetime import timedelta

import flask_migrate
import pyotp
import pytest
import sqlalchemy as sa

from forum import caching, create_app
from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.auth.models import SecondFactor
from forum.auth.second_factor import confirm_enrolment, start_enrolment
from forum.auth.services import Visitor
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, reply_to_thread

ON_POSTGRESQL = bool(os.environ.get("FORUM_TEST_DATABASE_URL"))
sqlite_only = pytest.mark.skipif(
    ON_POSTGRESQL, reason="SQLite-only behaviour; this run is on PostgreSQL"
)


def base_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "DEV_LOGIN": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Most tests post as brand-new members; the safeguards have tests of their own.
        "NEW_MEMBER_APPROVAL_POSTS": 0,
        "NEW_MEMBER_LINK_LIMIT": 50,
        **overrides,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server = os.environ.get("FORUM_TEST_DATABASE_URL")
    if not server:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'forum-test.sqlite3'}"
        _upgrade(url)
        yield url
        return
    server_url = sa.make_url(server).set(drivername="postgresql+psycopg")
    name = f"firsthand_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        _upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _upgrade(url: str) -> None:
    """Build the schema the way production does: by running every migration."""
    app = create_app(base_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture
def one_minute(monkeypatch):
    """The test's requests all fall in one minute, however slow the machine: the minute is
    part of a visitor's ETag (forum/caching.py page_time), so a test that asks twice would
    otherwise see the page change when a minute turns between its requests."""
    now = utcnow()
    monkeypatch.setattr(caching, "utcnow", lambda: now)


@pytest.fixture
def make_app(database_url):
    """create_app with the test configuration plus overrides; tables are emptied after."""
    apps = []

    def make(**overrides):
        app = create_app(base_config(database_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps:
        _empty_tables(apps[0])


def _empty_tables(app):
    with app.app_context():
        tables = db.metadata.sorted_tables
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in reversed(tables):
                    connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """For service tests that talk to the database without HTTP."""
    with app.app_context():
        yield


def _detached(obj):
    """Load an object's columns and detach it, so tests can read it after the context ends."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


_names = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(name: str | None = None, role: str = "member") -> User:
        with app.app_context():
            # Members have consented, as onboarding asks (tests/privacy covers those who have not).
            member = create_member(name or f"member{next(_names)}", role=role, consent=True)
            return _detached(member)

    return make


@pytest.fixture
def make_board(app):
    def make(slug: str | None = None, name: str | None = None, category: str = "Testing"):
        number = next(_names)
        with app.app_context():
            board = Board(
                slug=slug or f"board-{number}",
                name=name or f"Board {number}",
                category=category,
                description="A board for tests.",
                aliases=[],
                position=number,
            )
            db.session.add(board)
            db.session.commit()
            return _detached(board)

    return make


@pytest.fixture
def make_thread(app, make_user, make_board):
    def make(
        board=None,
        author=None,
        title="A thread about treatment",
        body="First post.",
        visibility="public",
    ):
        board = board or make_board()
        author = author or make_user()
        with app.app_context():
            post = create_thread(author, board, title, body, visibility=visibility)
            return _detached(db.session.get(Thread, post.thread_id))

    return make


@pytest.fixture
def make_post(app, make_user):
    def make(thread, author=None, body="A reply.") -> Post:
        author = author or make_user()
        with app.app_context():
            thread = db.session.get(Thread, thread.id)
            return _detached(reply_to_thread(author, thread, body))

    return make


def age_accounts(app, *users, hours: float = 72) -> None:
    """Make accounts older (past the 24-hour rule for flagging, say)."""
    with app.app_context():
        for user in users:
            db.session.execute(
                sa.update(User)
                .where(User.id == user.id)
                .values(created_at=utcnow() - timedelta(hours=hours))
            )
        db.session.commit()


def set_standing(app, user, days: int, posts: int) -> None:
    """Make the member `days` old with `posts` approved posts: their trust level follows
    (forum/policy/trust.py)."""
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(created_at=utcnow() - timedelta(days=days), post_count=posts)
        )
        db.session.commit()


def first_post_id(app, thread) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(Post.id).where(Post.thread_id == thread.id, Post.position == 1)
        )


def login(client, user, remember: bool = False) -> None:
    """Sign in through the development sign-in, as a person would; `remember` ticks "keep me
    signed in" (a session then lasts 30 days instead of 12 hours). A moderator or admin then
    types the code from their authenticator app (pass_second_factor)."""
    data = {"pseudonym": user.display_name, **({"remember": "y"} if remember else {})}
    response = client.post("/login/dev", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    pass_second_factor(client, user)


def pass_second_factor(client, user) -> None:
    """For a moderator or admin (nothing for a member): type the app's current code into the
    real form, as a person would. The factor is set up once per person, through the service."""
    app = client.application
    with app.app_context():
        secret = second_factor_secret(user)
    if secret is None:
        return
    data = {"code": pyotp.TOTP(secret).now()}
    if app.config["WTF_CSRF_ENABLED"]:
        data["csrf_token"] = csrf_token(client.get("/second-factor").get_data(as_text=True))
    response = client.post("/second-factor", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def second_factor_secret(user) -> str | None:
    """The TOTP secret of a moderator or admin, set up (and confirmed) on first use; None for
    a member. A person signing in twice within one 30-second step would wait for their app's
    next code; tests do not wait, so the step last used is forgotten."""
    person = db.session.get(User, user.id)
    if not person.is_moderator:
        return None
    factor = db.session.get(SecondFactor, person.id)
    if factor is None or factor.confirmed_at is None:
        secret = start_enrolment(person).secret
        confirm_enrolment(person, pyotp.TOTP(secret).now())
        factor = db.session.get(SecondFactor, person.id)
    factor.last_step = None
    db.session.commit()
    return factor.secret


_CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the (last) form on a page."""
    tokens = _CSRF_TOKEN.findall(html)
    assert tokens, "no csrf_token on the page"
    return tokens[-1]


@pytest.fixture
def member(make_user):
    return make_user("patient-pat")


@pytest.fixture
def fred(make_user):
    """The bad actor: a signed-up member who tries what a troll would."""
    return make_user("fred")


@pytest.fixture
def moderator(make_user):
    return make_user("mod-maria", role="moderator")


@pytest.fixture
def count_queries(app):
    """Counts SQL statements sent to the database inside the block."""

    @contextmanager
    def counting():
        with app.app_context():
            engine = db.engine
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


# -- viewers and states for the policy's tables (plain objects, no database) --------------

# Viewers, by key. "author" wrote the thread and the post the state is about.
POLICY_VIEWERS = (
    "visitor",
    "anonymous",
    "new_member",
    "member",
    "author",
    "silenced",
    "moderator",
    "admin",
)
POLICY_AUTHOR_ID, POLICY_MODERATOR_ID = 3, 7

# States of a post (and its thread).
POLICY_STATES = (
    "public",  # a visible reply in a public thread
    "opening",  # the visible first post of a public thread
    "members",  # a visible reply in a members-only thread
    "locked",
    "moved",  # a moderator moved the thread to another board
    "pending_thread",  # the first post of a thread awaiting approval
    "rejected_thread",  # the first post of a thread a moderator rejected
    "pending_reply",  # a reply awaiting approval: no position yet
    "rejected_reply",
    "hidden_flags",  # hidden by members' flags, awaiting review
    "hidden_mod",  # hidden by a moderator, with a reason
    "deleted_mod",
    "deleted_author",
)


def policy_viewer(key: str):
    """A viewer of POLICY_VIEWERS: None, the anonymous Visitor, or a User."""
    if key == "visitor":
        return None
    if key == "anonymous":
        return Visitor()
    ids = {"new_member": 1, "member": 2, "author": POLICY_AUTHOR_ID, "silenced": 4}
    ids |= {"moderator": POLICY_MODERATOR_ID, "admin": 8}
    role = key if key in ("moderator", "admin") else "member"
    now = utcnow()
    user = User(
        id=ids[key], display_name=key, role=role, post_count=0 if key == "new_member" else 9
    )
    user.created_at = now if key == "new_member" else now - timedelta(days=90)
    user.banned_at = user.suspended_until = None
    user.silenced_until = now + timedelta(days=3) if key == "silenced" else None
    return user


def post_in_state(state: str) -> Post:
    """A post (with its thread and board) in one of POLICY_STATES, by POLICY_AUTHOR_ID."""
    board = Board(id=1, slug="rfa", name="RFA", family="injection")
    thread = Thread(
        id=10,
        board_id=2 if state == "moved" else 1,
        board=board,
        author_id=POLICY_AUTHOR_ID,
        title="A thread",
        visibility="members" if state == "members" else "public",
        is_hidden=state in ("pending_thread", "rejected_thread"),
        is_locked=state == "locked",
        is_pinned=False,
        post_count=2,
    )
    post = Post(
        id=100,
        thread=thread,
        thread_id=thread.id,
        author_id=POLICY_AUTHOR_ID,
        position=2,
        state="visible",
        body_html="<p>Text.</p>",
        moderation_reason=None,
        deleted_by_id=None,
        report=None,
    )
    if state in ("opening", "pending_thread", "rejected_thread"):
        post.position = 1
    if state in ("pending_thread", "pending_reply"):
        post.state = "pending"
    if state in ("pending_reply", "rejected_reply"):
        post.position = None
    if state in ("rejected_thread", "rejected_reply", "deleted_mod"):
        post.state, post.deleted_by_id = "deleted", POLICY_MODERATOR_ID
        post.moderation_reason = "Not for this forum."
    if state == "deleted_author":
        post.state, post.deleted_by_id = "deleted", POLICY_AUTHOR_ID
    post.deleted_at = utcnow() if post.state == "deleted" else None
    if state == "hidden_flags":
        post.state = "hidden"
    if state == "hidden_mod":
        post.state, post.moderation_reason = "hidden", "Private information."
    return post
