"""What the jobs tests share: the environment of a `flask forum jobs` process, as a host's
service runs it (production configuration, the test's database)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
