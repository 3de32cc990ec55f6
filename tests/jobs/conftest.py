"""What the jobs tests share: a host's `flask forum` commands, run as its service runs them
(production configuration, the test's database)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"


def host_environment(database_url: str, home: Path, **settings: str) -> dict[str, str]:
    """A host of its own: its home folder, the shared database, and `settings`."""
    home.mkdir(exist_ok=True)
    return {
        **os.environ,
        "FORUM_DATABASE_URL": database_url,
        "FORUM_SECRET_KEY": "jobs-test-" + "x" * 40,
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(home),
        **settings,
    }


def start_jobs_process(environment: dict[str, str], poll: float) -> subprocess.Popen:
    """`flask forum jobs` in the background, as a host's jobs service; its output as text."""
    return subprocess.Popen(
        [FLASK, "--app", "wsgi", "forum", "jobs", "--poll", str(poll)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
