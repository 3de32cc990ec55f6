"""Search latency over a large forum.

    .venv/bin/python bench/search.py                          # 200,000 posts, SQLite
    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1/bench
    .venv/bin/python bench/search.py --database-url ... --reuse   # searches only

Builds a fresh database with the migrations (a temporary SQLite file unless a URL is
given; a PostgreSQL database is emptied first, so only point it at a scratch database),
bulk-inserts threads and posts of realistic length on every board (the search triggers
index them as they go), then runs a set of searches through the app and prints latency
percentiles with the SQL statements each page ran. It prints figures; it does not judge.
"""

import argparse
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project

from bench.common import benchmark_app, build_timed, count_statements, report, timed  # noqa: E402
from forum.accounts.models import User  # noqa: E402
from forum.boards.models import Board  # noqa: E402
from forum.boards.services import seed_boards  # noqa: E402
from forum.extensions import db, utcnow  # noqa: E402
from forum.threads.models import Post, Thread  # noqa: E402

WORDS = (
    "pain relief weeks months injection nerve back leg knee hip neck flare numbness sleep "
    "walking doctor clinic steroid burning tingling sciatica disc facet joint spine lumbar "
    "cervical stimulator trial leads battery pump dose morphine ketamine infusion block "
    "ablation heat freeze needle sedation recovery worse better again second third first "
    "insurance cost appointment physio exercise swelling headache fluoroscopy results "
    "honestly tried hoping still worth because after before during since every"
).split()
NAMES = ["RFA", "ESI", "SCS", "rhizotomy", "epidural", "DRG", "SI joint", "medial branch"]
QUERIES = {
    "one word": {"q": "sciatica"},
    "synonyms (rhizotomy)": {"q": "rhizotomy"},
    # Fewer matches than the candidates among the newest posts: PostgreSQL looks further.
    "synonyms and a word": {"q": "rhizotomy knee"},
    "a board's alias phrases": {"q": "morphine pump"},
    "two words": {"q": "flare sleep"},
    "phrase": {"q": '"nerve pain"'},
    "rare word": {"q": "fluoroscopy honestly"},
    "newest first": {"q": "stimulator battery", "sort": "newest"},
    "one board": {"q": "relief", "board": "radiofrequency-ablation"},
}


# Word frequencies in real text follow Zipf's law: a few words are everywhere, most are
# rare. The treatment vocabulary is spread through a long tail of filler terms, so a word
# like "sciatica" is in a few percent of posts, not in most of them.
FILLER = 20_000
VOCABULARY = [f"w{n}" for n in range(FILLER)]
for _rank, _word in enumerate(WORDS):
    VOCABULARY.insert(_rank * 12, _word)
CUMULATIVE = []
_total = 0.0
for _rank in range(len(VOCABULARY)):
    _total += 1 / (_rank + 1)
    CUMULATIVE.append(_total)


def sentence(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=rng.randint(6, 18))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(NAMES))
    return " ".join(words).capitalize() + "."


def build(posts: int, batch: int = 5000) -> None:
    seed_boards()
    boards = list(db.session.scalars(sa.select(Board.id)))
    db.session.execute(
        sa.insert(User),
        [{"display_name": f"bench{n}", "display_name_key": f"bench{n}"} for n in range(2000)],
    )
    users = list(db.session.scalars(sa.select(User.id)))
    rng, now, made = random.Random(6), utcnow(), 0
    started = time.perf_counter()
    while made < posts:
        size = min(batch, posts - made)
        # A long tail: most threads are short, a few run to hundreds of posts.
        lengths = []
        while sum(lengths) < size:
            lengths.append(min(int(rng.paretovariate(1.2)) * 3, size - sum(lengths)))
        authors = [rng.choice(users) for _ in lengths]
        threads = db.session.scalars(
            sa.insert(Thread).returning(Thread.id),
            [
                {
                    "board_id": rng.choice(boards),
                    "author_id": author,
                    "title": sentence(rng)[:140],
                    "last_poster_id": author,
                    "post_count": length,
                    "created_at": now,
                    "last_post_at": now,
                    "visibility": "public",
                }
                for author, length in zip(authors, lengths, strict=True)
            ],
        ).all()
        rows = []
        for thread_id, length in zip(threads, lengths, strict=True):
            for position in range(1, length + 1):
                body = "\n\n".join(
                    " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
                    for _ in range(rng.randint(1, 3))
                )
                rows.append(
                    {
                        "thread_id": thread_id,
                        "author_id": rng.choice(users),
                        "position": position,
                        "body_source": body,
                        "body_html": f"<p>{body}</p>",
                        "created_at": now,
                    }
                )
        db.session.execute(sa.insert(Post), rows)
        db.session.commit()
        made += size
        rate = made / (time.perf_counter() - started)
        print(f"\r  {made:,} / {posts:,} posts ({rate:,.0f}/s)", end="", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="search the database an earlier run built, migrated to the latest schema first",
    )
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs the --database-url of an earlier run")
    with benchmark_app(args.database_url, reuse=args.reuse) as app:
        if not args.reuse:
            build_timed(app, build, args.posts, "posts")
        client = app.test_client()
        for name, params in QUERIES.items():
            statements = count_statements(
                app, lambda p=params: client.get("/search", query_string=p)
            )
            durations = timed(lambda p=params: client.get("/search", query_string=p), args.runs)
            report(f"search: {name}", durations, statements)


if __name__ == "__main__":
    main()
