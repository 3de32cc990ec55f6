"""Small helpers shared by the benchmark scripts: timing, percentiles, SQL statement counts."""

import statistics
import tempfile
import time
from contextlib import contextmanager

import sqlalchemy as sa

from forum import create_app
from forum.extensions import db


def timed(action, runs: int) -> list[float]:
    """Milliseconds each of `runs` calls of `action` took."""
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def percentile(ordered: list[float], share: float) -> float:
    return ordered[max(0, round(share * len(ordered)) - 1)]


def report(name: str, durations: list[float], statements: int | None = None) -> None:
    ordered = sorted(durations)
    extra = f"  {statements} SQL statements" if statements is not None else ""
    print(
        f"{name:<34} p50 {statistics.median(ordered):7.1f} ms   "
        f"p95 {percentile(ordered, 0.95):7.1f} ms   p99 {percentile(ordered, 0.99):7.1f} ms"
        f"{extra}"
    )


def count_statements(app, action) -> int:
    """SQL statements one call of `action` sends (its response must be a 200)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert action().status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def fresh_schema(app) -> None:
    """Build the benchmark database with the migrations, as production does. A PostgreSQL
    database is emptied first (only ever point this at a scratch database)."""
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()


@contextmanager
def benchmark_app(database_url: str | None, reuse: bool = False):
    """An app on a freshly migrated database: a temporary SQLite file unless a URL is given.
    With `reuse`, the database at the URL keeps what an earlier run built and is only
    migrated to the latest schema (what a deployment does), timed."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
        if reuse:
            migrate_timed(app)
        else:
            fresh_schema(app)
        yield app


def migrate_timed(app) -> None:
    """Bring a database built by an earlier run up to the latest migration."""
    from flask_migrate import upgrade

    with app.app_context():
        started = time.perf_counter()
        upgrade()
        print(f"Migrated to the latest schema in {time.perf_counter() - started:.1f} s")


def build_timed(app, build, count: int, noun: str) -> None:
    """Run `build(count)`, refresh the planner's statistics, and say how long it took."""
    with app.app_context():
        started = time.perf_counter()
        build(count)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(
            f"Built {count:,} {noun} in {time.perf_counter() - started:.1f} s "
            f"on {db.engine.dialect.name}"
        )
