"""How long a board's outcomes release takes to make, and its pages to read, with many
reports.

    .venv/bin/python bench/outcomes.py                      # 10,000 reports, SQLite
    .venv/bin/python bench/outcomes.py --reports 50000
    .venv/bin/python bench/outcomes.py --database-url postgresql://postgres@127.0.0.1/bench

Builds a fresh database (a temporary SQLite file unless a URL is given; a PostgreSQL
database is emptied first), bulk-inserts visible reports on one board by members who
joined a year ago, then times making a release (loading the reports, every view's
figures, storing them) and the outcomes page, JSON and CSV through the app, with the
rendered-page cache on and off, and prints the figures with the SQL statements each page
ran. Not a test: it prints, it does not judge.
"""

import argparse
import random
import sys
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project

from datetime import timedelta  # noqa: E402

from bench.common import benchmark_app, build_timed, count_statements, report, timed  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.boards.models import Board  # noqa: E402
from forum.boards.services import seed_boards  # noqa: E402
from forum.extensions import db, utcnow  # noqa: E402
from forum.reports.models import (
    ExperienceReport,  # noqa: E402
    OutcomeRelease,  # noqa: E402
)
from forum.reports.releases import refresh_boards  # noqa: E402
from forum.reports.vocab import FAMILY_SIDE_EFFECTS, STOP_REASONS  # noqa: E402
from forum.threads.models import Post, Thread  # noqa: E402

BOARD = "radiofrequency-ablation"


def build(reports: int) -> None:
    """Insert `reports` reports, each on its own thread, into a freshly migrated database."""
    seed_boards()
    board = db.session.scalar(sa.select(Board).where(Board.slug == BOARD))
    rng, now = random.Random(1), utcnow()
    members = 500
    db.session.execute(
        sa.insert(User),
        [
            {
                "display_name": f"bench{n}",
                "display_name_key": f"bench{n}",
                "role": "member",
                "created_at": now - timedelta(days=365),  # past the first week: reports count
            }
            for n in range(members)
        ],
    )
    user_ids = list(db.session.scalars(sa.select(User.id)))
    effects = FAMILY_SIDE_EFFECTS[board.family]
    batch = 5000
    for start in range(0, reports, batch):
        size = min(batch, reports - start)
        authors = [rng.choice(user_ids) for _ in range(size)]
        threads = db.session.scalars(
            sa.insert(Thread).returning(Thread.id),
            [
                {
                    "board_id": board.id,
                    "author_id": a,
                    "title": f"Report {start + i}",
                    "last_poster_id": a,
                    "post_count": 1,
                    "created_at": now,
                    "last_post_at": now,
                    "visibility": "public",
                }
                for i, a in enumerate(authors)
            ],
        ).all()
        posts = db.session.scalars(
            sa.insert(Post).returning(Post.id),
            [
                {
                    "thread_id": t,
                    "author_id": a,
                    "position": 1,
                    "body_source": "text",
                    "body_html": "<p>text</p>",
                    "state": "visible",
                    "created_at": now,
                }
                for t, a in zip(threads, authors, strict=True)
            ],
        ).all()
        rows = []
        for post_id, author in zip(posts, authors, strict=True):
            before = rng.randint(3, 10)
            rows.append(
                {
                    "post_id": post_id,
                    "author_id": author,
                    "board_id": board.id,
                    "created_at": now,
                    "pain_before": before,
                    "pain_best": rng.randint(0, before),
                    "pgic": rng.randint(1, 7),
                    "times_had": rng.randint(1, 12),
                    "procedure_year": rng.randint(2018, 2025),
                    "procedure_month": rng.randint(1, 12),
                    "percent_relief": rng.randint(0, 100),
                    "relief_weeks": rng.randint(0, 104),
                    "relief_ongoing": rng.random() < 0.3,
                    "side_effects": {
                        code: rng.choice(["mild", "moderate", "severe"])
                        for code in rng.sample(effects, rng.randint(0, 2))
                    },
                    "complications": ["emergency"] if rng.random() < 0.03 else [],
                    "stop_reason": rng.choice(list(STOP_REASONS)),
                    "would_repeat": rng.choice(["yes", "no", "unsure"]),
                    "has_conflict": False,
                }
            )
        db.session.execute(sa.insert(ExperienceReport), rows)
        db.session.commit()


def make_release(board_id: int) -> None:
    """A new release from scratch: the current one is dropped first, so each run does all
    the work (the first release of a board is always made)."""
    db.session.execute(sa.delete(OutcomeRelease).where(OutcomeRelease.board_id == board_id))
    db.session.commit()
    refresh_boards([board_id])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with benchmark_app(args.database_url) as app:
        build_timed(app, build, args.reports, "reports")
        with app.app_context():
            board = db.session.scalar(sa.select(Board).where(Board.slug == BOARD))
            other = db.session.scalar(sa.select(Board.id).where(Board.slug == "epidural-steroid"))
            refresh_boards([other])
            report("make a release", timed(lambda: make_release(board.id), max(3, args.runs // 4)))
            # What every write to a report adds when no release is due.
            report("check for changes", timed(lambda: refresh_boards([board.id]), args.runs))
            db.session.remove()
        pages = {
            "outcomes page": f"/b/{BOARD}/outcomes",
            "outcomes page, filtered": f"/b/{BOARD}/outcomes?since=3&episode=repeat",
            "outcomes.json": f"/b/{BOARD}/outcomes.json",
            "outcomes.csv": f"/b/{BOARD}/outcomes.csv",
            "compare (2 boards)": f"/outcomes?boards={BOARD},epidural-steroid",
        }
        client = app.test_client()
        for cache in ("on", "off"):
            if cache == "off":
                app.extensions["forum.rendered_pages"] = None
            for name, path in pages.items():
                statements = count_statements(app, lambda path=path: client.get(path))
                report(
                    f"{name} (rendered-page cache {cache})",
                    timed(lambda path=path: client.get(path), args.runs),
                    statements,
                )


if __name__ == "__main__":
    main()
