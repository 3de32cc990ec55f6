"""A consistent copy of the whole forum while it runs, and bringing one back.

SQLite: the online backup API copies the database page by page under its own locks, so
the copy is one moment of the forum even while members write (a plain file copy of a WAL
database is not). PostgreSQL: pg_dump (one snapshot) and pg_restore, the server's own
tools, in the custom format. Either way the copy holds every table, the search index and
the counters; not the secret key or anything outside the database (docs/operating.md)."""

import os
import shutil
import sqlite3
import subprocess  # nosec B404 (PostgreSQL's own tools, run without a shell)
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from forum.errors import DomainError


@dataclass(frozen=True)
class Copied:
    path: Path
    bytes: int

    def line(self) -> str:
        return f"{self.path}: {self.bytes:,} bytes"


def back_up(url: sa.URL, path: Path) -> Copied:
    """Write a copy of the database at `url` to `path` (which must not exist yet)."""
    if path.exists():
        raise DomainError(f"{path} exists already: name a new file.")
    if url.get_backend_name() == "sqlite":
        with closing(_sqlite(url.database)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
    else:
        _run("pg_dump", url, "--format=custom", "--no-owner", f"--file={path}")
    return Copied(path, path.stat().st_size)


def restore(url: sa.URL, path: Path) -> Copied:
    """Replace the database at `url` with the copy at `path`. Stop the app hosts and the
    jobs first: what they write meanwhile is lost."""
    if not path.is_file():
        raise DomainError(f"{path} is not a file.")
    if url.get_backend_name() == "sqlite":
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
            if _quick_check(copy) != "ok":
                raise DomainError(f"{path} is not a sound SQLite database.")
            with closing(_sqlite(url.database)) as database:
                copy.backup(database)
    else:
        _run(
            "pg_restore",
            url,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(path),
        )
    return Copied(path, path.stat().st_size)


def _sqlite(path: str) -> sqlite3.Connection:
    # Waits for a writer to finish rather than failing, as the app's connections do.
    return sqlite3.connect(path, timeout=15)


def _quick_check(connection: sqlite3.Connection) -> str:
    try:
        return connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:  # not a database at all
        return str(error)


def _run(tool: str, url: sa.URL, *arguments: str) -> None:
    """Run a PostgreSQL client tool on `url`; the password goes in the environment, not
    the command line that `ps` shows."""
    if shutil.which(tool) is None:
        raise DomainError(f"{tool} is not installed (Debian: postgresql-client).")
    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = url.password
    target = url.set(drivername="postgresql", password=None).render_as_string()
    command = [tool, f"--dbname={target}", *arguments]
    # No shell; the arguments are the configured database and the path the operator typed.
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)  # nosec B603
    if finished.returncode != 0:
        raise DomainError(f"{tool} failed: {finished.stderr.strip()}")
