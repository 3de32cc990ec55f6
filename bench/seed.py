"""Bulk-seed a scratch database with a forum of realistic volume and shape.

    .venv/bin/python -m bench.seed --database-url sqlite:////tmp/bench.sqlite3 --posts 10000
    .venv/bin/python -m bench.seed --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --posts 1000000

The schema is built by running the migrations, as production does. The target must be a
scratch database: a SQLite file is deleted first, a PostgreSQL database is created if missing
and its public schema emptied (both only with --replace when the database already holds
posts). Then, with Core bulk inserts in batches:

- every board from boards.toml (the `flask forum seed-boards` service);
- members (about posts / 20; a few moderators);
- threads whose lengths follow a long tail (Pareto: most have 1-10 posts, a few thousands),
  spread over boards by a Zipf-like popularity, some pinned or locked, about 10% members-only
  once threads have a visibility column, a few awaiting approval;
- posts of 50-400 words of Markdown (paragraphs, lists, links, quotes), each one of a pool
  of bodies rendered once by forum.content.render_markdown plus a closing sentence of its own;
- experience reports on about 5% of opening posts on treatment boards.

Thread counters are written with the thread (they are known when it is generated); board and
member counters are set at the end with UPDATE ... FROM aggregates; the search index (FTS5 on
SQLite, tsvector + GIN on PostgreSQL) is built once at the end with its triggers off during the
load (--index-with-triggers leaves them on instead, to compare). Progress goes to stderr.
"""

import argparse
import html
import math
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project

from bench.common import fresh_schema  # noqa: E402
from forum import create_app  # noqa: E402
from forum.content import render_markdown  # noqa: E402
from forum.extensions import db, utcnow  # noqa: E402
from forum.reports import vocab  # noqa: E402
from forum.search.schema import FTS_TABLE, RECENT_FTS_TABLE, RECENT_POSTS  # noqa: E402

BATCH = 5000
BODY_POOL = 200
YEARS = 3

# --- text ------------------------------------------------------------------------------

OPENERS = [
    "I had {proc} about {n} weeks ago and wanted to write down how it went.",
    "Long-time reader, first post. My pain clinic has suggested {proc} for my {where}.",
    "Quick update after {proc}: things are moving, slowly.",
    "Has anyone else had {proc} after a failed round of physio?",
    "Thanks everyone who replied last time, it really helped me decide about {proc}.",
    "I keep going back and forth on whether {proc} is worth it for {where} pain.",
    "Following up from my thread last month about {proc}.",
    "My consultant finally agreed to try {proc} for the {where} pain.",
]
SENTENCES = [
    "The procedure itself took about {n} minutes and the sedation was lighter than I expected.",
    "For the first {n} days the pain was honestly worse, which the nurse said is a normal flare.",
    "By week {n} I was sleeping through the night for the first time in months.",
    "The numbness down my {where} faded after a couple of days.",
    "My pain went from about a {a} to a {b} on a good day, which is not nothing.",
    "I still need my usual medication on bad days, but I take less of it.",
    "Walking the dog is possible again, though I pace myself.",
    "The clinic used fluoroscopy to guide the needle, so I could see it on the screen.",
    "Insurance covered most of it after two rounds of appeals.",
    "I would say the relief was real but not life-changing.",
    "The burning feeling afterwards was the worst part, a bit like sunburn from the inside.",
    "Sitting at my desk for more than an hour still sets it off.",
    "My physio thinks the exercises are helping as much as the injection did.",
    "I was nervous beforehand, but the team talked me through every step.",
    "It wore off after roughly {n} months and I am on the waiting list to have it repeated.",
    "The second time worked better than the first, which surprised me.",
    "Driving home was fine, although I was told not to drive myself.",
    "I kept a pain diary, which made the follow-up appointment much easier.",
    "Some mornings are still rough, and I have learned not to expect a cure.",
    "Heat and gentle stretching help more than I expected in between treatments.",
    "My neighbour had a spinal cord stimulator trial and swears by it.",
    "The steroid made my face flush for a day and I slept badly for two nights.",
    "I found the waiting room more stressful than the procedure.",
    "Honestly the hardest part is explaining to people why I still have bad days.",
    "The sciatica down my {where} is about half of what it was.",
    "Every clinic seems to do it slightly differently, so ask lots of questions.",
]
# Words a search looks for: each in a few percent of posts, not in most of them.
RARE_SENTENCES = [
    "The rhizotomy on the left side lasted longer than the right one, no idea why.",
    "The ketamine infusion left me feeling floaty for a few hours afterwards.",
    "A dorsal root ganglion stimulator was mentioned but the waiting list is a year.",
    "The intrathecal pump refill appointments are the main hassle.",
]
PROCEDURES = [
    "an epidural steroid injection",
    "radiofrequency ablation",
    "a medial branch block",
    "a facet joint injection",
    "a spinal cord stimulator trial",
    "an SI joint injection",
    "a genicular nerve block",
    "a ketamine infusion",
    "a DRG stimulator",
    "pulsed RF",
]
PLACES = ["left leg", "right leg", "lower back", "neck", "hip", "knee", "shoulder", "foot"]
LIST_ITEMS = [
    "ice for twenty minutes at a time",
    "no heavy lifting for a week",
    "short walks twice a day",
    "sleep with a pillow between the knees",
    "keep a pain diary from day one",
    "ask for the imaging report",
    "bring someone to drive you home",
    "write your questions down before the appointment",
    "check what the insurance will cover first",
]
LINKS = [
    ("NHS page on this", "https://www.nhs.uk/conditions/"),
    ("the Cochrane review", "https://doi.org/10.1002/14651858.CD013577"),
    ("British Pain Society leaflet", "https://www.britishpainsociety.org/"),
    ("NICE guidance", "https://www.nice.org.uk/guidance/ng59"),
]
CLOSERS = [
    "Day {n} update: still {mood}.",
    "Will post again after the follow-up in {n} weeks, {mood} so far.",
    "Edit: {n} days later and still {mood}.",
    "Pain today about a {a} out of ten, feeling {mood}.",
]
MOODS = ["hopeful", "cautious", "tired but okay", "better than last week", "frustrated", "fine"]
TITLES = [
    "{proc} experience, {n} weeks in",
    "Is {proc} worth it for {where} pain?",
    "Questions before {proc}",
    "{proc}: what recovery was like",
    "Flare after {proc}, normal?",
    "Second round of {proc}",
    "Waiting list for {proc}",
    "Finally had {proc}",
]
ADJECTIVES = "quiet brave slow sunny patient steady gentle windy rainy stubborn calm".split()
NOUNS = "heron otter maple river willow fern badger sparrow harbour cedar lantern".split()


def fill(rng: random.Random, template: str) -> str:
    a = rng.randint(3, 9)
    return template.format(
        proc=rng.choice(PROCEDURES),
        where=rng.choice(PLACES),
        n=rng.randint(2, 14),
        a=a,
        b=rng.randint(0, a),
        mood=rng.choice(MOODS),
    )


def markdown_body(rng: random.Random, words: int) -> str:
    """Markdown of about `words` words: paragraphs, and now and then a list, link or quote."""
    blocks, count = [fill(rng, rng.choice(OPENERS))], 0
    while count < words:
        roll = rng.random()
        if roll < 0.1:
            items = rng.sample(LIST_ITEMS, rng.randint(2, 4))
            block = "What helped:\n\n" + "\n".join(f"- {item}" for item in items)
        elif roll < 0.17:
            block = "> " + fill(rng, rng.choice(SENTENCES)) + "\n\nSame here, **exactly** this."
        elif roll < 0.23:
            text, url = rng.choice(LINKS)
            block = f"There is more in the [{text}]({url}) if anyone is curious."
        else:
            block = " ".join(
                fill(rng, rng.choice(RARE_SENTENCES if rng.random() < 0.01 else SENTENCES))
                for _ in range(rng.randint(2, 5))
            )
        blocks.append(block)
        count += len(block.split())
    return "\n\n".join(blocks)


class BodyPool:
    """Bodies rendered once each; a post takes one and adds a closing sentence of its own,
    rendered by string concatenation (checked against render_markdown for every body)."""

    def __init__(self, rng: random.Random, size: int = BODY_POOL):
        self.bodies = []
        probe = "Day 3 update: still fine."
        for _ in range(size):
            # Lengths: most posts short, some long (a lognormal clipped to 50-400 words).
            words = min(400, max(50, int(rng.lognormvariate(math.log(110), 0.55))))
            source = markdown_body(rng, words)
            rendered = render_markdown(source)
            if render_markdown(f"{source}\n\n{probe}") != self._join(rendered, probe):
                raise RuntimeError(f"appending a paragraph changes the rendering of:\n{source}")
            self.bodies.append((source, rendered))

    @staticmethod
    def _join(rendered: str, closer: str) -> str:
        return f"{rendered}\n<p>{html.escape(closer, quote=False)}</p>"

    def take(self, rng: random.Random) -> tuple[str, str]:
        source, rendered = rng.choice(self.bodies)
        closer = fill(rng, rng.choice(CLOSERS))
        return f"{source}\n\n{closer}", self._join(rendered, closer)


# --- database --------------------------------------------------------------------------


def prepare_database(url: str, replace: bool) -> str:
    """Make sure the target exists and is empty (or refuse); returns the URL to use."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise SystemExit("Give SQLite a file: sqlite:////tmp/bench.sqlite3")
        if path.exists():
            if not replace and _has_posts(url):
                raise SystemExit(f"{path} already holds posts: pass --replace to rebuild it.")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("Only sqlite:/// and postgresql:// URLs are supported.")
    if parsed.host not in (None, "127.0.0.1", "localhost"):
        raise SystemExit("Benchmarks only ever target 127.0.0.1.")
    driver = parsed.set(drivername="postgresql+psycopg")
    admin = sa.create_engine(driver.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()
    if exists and not replace and _has_posts(url):
        raise SystemExit(f"{parsed.database} already holds posts: pass --replace to rebuild it.")
    return url


def _has_posts(url: str) -> bool:
    engine = sa.create_engine(sa.make_url(url).set(drivername=_driver(url)))
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("posts"):
                return False
            return bool(connection.scalar(sa.text("SELECT count(*) FROM posts")))
    finally:
        engine.dispose()


def _driver(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql+psycopg"


def existing_tables(connection) -> dict[str, sa.Table]:
    """The models' tables cut down to the columns the migrated database has: the models may
    run ahead of the migrations while a feature is being built."""
    inspector = sa.inspect(connection)
    metadata = sa.MetaData()
    tables = {}
    for name in ("users", "boards", "threads", "posts", "experience_reports"):
        present = {column["name"] for column in inspector.get_columns(name)}
        model = db.metadata.tables[name]
        columns = [column._copy() for column in model.columns if column.name in present]
        tables[name] = sa.Table(name, metadata, *columns)
    return tables


class Progress:
    def __init__(self, total: int, noun: str):
        self.total, self.noun, self.started, self.shown = total, noun, time.perf_counter(), 0.0

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.shown < 0.5 and done < self.total:
            return
        self.shown = now
        rate = done / max(now - self.started, 1e-9)
        left = (self.total - done) / rate if rate else 0
        sys.stderr.write(
            f"\r  {done:>11,} / {self.total:,} {self.noun}  {rate:9,.0f}/s  ~{left:5.0f} s left "
        )
        sys.stderr.flush()

    def done(self) -> None:
        self.update(self.total)
        sys.stderr.write("\n")


def step(name: str):
    """Print how long a phase took."""

    class Step:
        def __enter__(self):
            self.started = time.perf_counter()
            sys.stderr.write(f"{name}...\n")

        def __exit__(self, *exc):
            if exc[0] is None:
                sys.stderr.write(f"  {name}: {time.perf_counter() - self.started:.1f} s\n")

    return Step()


# --- search index ----------------------------------------------------------------------


def suspend_search_index(connection) -> list[str]:
    """Turn off the per-row search indexing; returns what restores it."""
    if connection.dialect.name == "sqlite":
        triggers = connection.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'posts'"
            )
        ).all()
        for name, _sql in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        return [sql for _name, sql in triggers]
    for trigger in ("posts_search_vector", "posts_search_board"):
        connection.exec_driver_sql(f"ALTER TABLE posts DISABLE TRIGGER {trigger}")
    # The rebuild's one UPDATE fills in the board too; NOT NULL is checked again after it.
    connection.exec_driver_sql("ALTER TABLE posts ALTER COLUMN search_board_id DROP NOT NULL")
    for index in ("ix_posts_search_terms", "ix_posts_search_board"):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
    return [
        "ALTER TABLE posts ALTER COLUMN search_board_id SET NOT NULL",
        "ALTER TABLE posts ENABLE TRIGGER posts_search_vector",
        "ALTER TABLE posts ENABLE TRIGGER posts_search_board",
        "CREATE INDEX ix_posts_search_terms ON posts USING gin (search_terms)",
        "CREATE INDEX ix_posts_search_board ON posts (search_board_id, id)",
    ]


RECENT_ONLY = f"WHERE posts.id > (SELECT max(id) FROM posts) - {RECENT_POSTS}"


def rebuild_search_index(connection, restore: list[str]) -> None:
    """Index every post in one statement (what migrations 0006, 0015, 0017 and 0018 do),
    then restore the triggers and indexes."""
    if connection.dialect.name == "sqlite":
        for table, newest in ((FTS_TABLE, ""), (RECENT_FTS_TABLE, RECENT_ONLY)):
            connection.exec_driver_sql(f"DELETE FROM {table}")
            connection.exec_driver_sql(
                f"""INSERT INTO {table} (rowid, title, body)
                SELECT posts.id, CASE WHEN posts.position = 1 THEN threads.title ELSE '' END,
                       posts.body_source
                FROM posts JOIN threads ON threads.id = posts.thread_id {newest}"""
            )
    else:
        # SET on columns the trigger does not watch, so nothing fires row by row.
        connection.exec_driver_sql(
            """UPDATE posts SET search_vector = indexed.vector,
            search_terms = search_terms(indexed.vector), search_board_id = indexed.board_id
            FROM (SELECT posts.id, threads.board_id,
                setweight(to_tsvector('english', CASE WHEN posts.position = 1
                                                 THEN threads.title ELSE '' END), 'A')
                || setweight(to_tsvector('english', posts.body_source), 'B') AS vector
                FROM posts JOIN threads ON threads.id = posts.thread_id) AS indexed
            WHERE posts.id = indexed.id"""
        )
    for statement in restore:
        connection.exec_driver_sql(statement)


# --- counters --------------------------------------------------------------------------

BOARD_COUNTERS = """
UPDATE boards SET thread_count = agg.threads, post_count = agg.posts, last_post_at = agg.latest
FROM (SELECT board_id, count(*) AS threads, sum(post_count) AS posts,
             max(last_post_at) AS latest
      FROM threads WHERE is_hidden = false GROUP BY board_id) AS agg
WHERE boards.id = agg.board_id
"""
BOARD_LATEST = """
UPDATE boards SET last_thread_id = (
    SELECT id FROM threads WHERE threads.board_id = boards.id AND is_hidden = false
    ORDER BY last_post_at DESC, id DESC LIMIT 1)
"""
# A member's count goes up when a post of theirs is published (pending posts count later);
# hiding or deleting it afterwards does not take it back.
USER_COUNTERS = """
UPDATE users SET post_count = agg.posts
FROM (SELECT posts.author_id, count(*) AS posts FROM posts
      JOIN threads ON threads.id = posts.thread_id
      WHERE posts.state <> 'pending' AND threads.is_hidden = false
      GROUP BY posts.author_id) AS agg
WHERE users.id = agg.author_id
"""
THREAD_CHECK = """
SELECT count(*) FROM threads JOIN (
    SELECT thread_id, count(position) AS posts, max(created_at) AS latest
    FROM posts GROUP BY thread_id) AS agg ON agg.thread_id = threads.id
WHERE threads.post_count <> agg.posts OR threads.last_post_at <> agg.latest
"""


# --- generation ------------------------------------------------------------------------


def thread_lengths(rng: random.Random, posts: int) -> list[int]:
    """A long tail of thread lengths adding up to `posts`: Pareto(1.2) gives a median of
    one or two posts, about 6% over ten, a few in the thousands at a million posts; the
    longest is stretched to the cap so every scale has one thread of many pages."""
    cap = max(60, posts // 100)
    lengths, total = [], 0
    while total < posts:
        length = min(int(rng.paretovariate(1.2)), cap, posts - total)
        lengths.append(length)
        total += length
    longest = max(range(len(lengths)), key=lengths.__getitem__)
    extra = min(cap, posts // 4) - lengths[longest]
    # Take the extra posts from the short threads at the end so the total stays exact.
    while extra > 0 and len(lengths) > longest + 1:
        last = lengths.pop()
        taken = min(last, extra)
        lengths[longest] += taken
        extra -= taken
        if last > taken:
            lengths.append(last - taken)
    rng.shuffle(lengths)
    return lengths


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def pseudonym(rng: random.Random, n: int) -> str:
    return f"{rng.choice(ADJECTIVES).title()}{rng.choice(NOUNS).title()}{n}"


def make_report(rng, report_id, post_id, author_id, board, created_at) -> dict:
    before = rng.randint(4, 10)
    best = rng.randint(0, before)
    ongoing = rng.random() < 0.25
    dated = rng.random() < 0.8
    family = board["family"]
    effects = vocab.FAMILY_SIDE_EFFECTS[family]
    return {
        "id": report_id,
        "post_id": post_id,
        "author_id": author_id,
        "board_id": board["id"],
        "created_at": created_at,
        "pain_before": before,
        "pain_best": best,
        "pgic": rng.choices(range(1, 8), weights=[10, 20, 20, 25, 10, 10, 5])[0],
        "times_had": rng.choice([1, 1, 1, 2, 2, 3, 4, 6, 12]),
        "procedure_year": rng.randint(created_at.year - 2, created_at.year) if dated else None,
        "procedure_month": rng.randint(1, 12) if dated else None,
        "body_region": rng.choice(list(vocab.BODY_REGIONS)) if rng.random() < 0.9 else None,
        "percent_relief": round(100 * (before - best) / before),
        "onset_days": rng.choice([0, 1, 2, 3, 7, 14, 21]) if rng.random() < 0.7 else None,
        "relief_weeks": rng.randint(0, 104) if rng.random() < 0.8 else None,
        "relief_ongoing": ongoing,
        "side_effects": {
            code: rng.choice(list(vocab.SEVERITIES))
            for code in rng.sample(effects, rng.choice([0, 0, 1, 1, 2]))
        },
        "complications": ["emergency"] if rng.random() < 0.03 else [],
        "recovery_days": rng.randint(0, 30) if rng.random() < 0.7 else None,
        "sedation": rng.choice(list(vocab.SEDATION)),
        "imaging": rng.choice(list(vocab.IMAGING)),
        "trial_result": rng.choice(["passed", "failed"]) if family == "implant" else None,
        "cost_bracket": rng.choice(list(vocab.COST_BRACKETS)) if rng.random() < 0.5 else None,
        "currency": rng.choice(list(vocab.CURRENCIES)) if rng.random() < 0.5 else None,
        "stop_reason": "ongoing" if ongoing else rng.choice(list(vocab.STOP_REASONS)[:-1]),
        "would_repeat": rng.choice(list(vocab.YES_NO_UNSURE)),
        "would_recommend": rng.choice(list(vocab.YES_NO_UNSURE)),
        "has_conflict": False,
    }


def seed(app, posts: int, seed_value: int, with_triggers: bool) -> dict[str, int]:
    from forum.boards.services import seed_boards

    rng = random.Random(seed_value)
    now = utcnow().replace(microsecond=0)
    start_of_time = now - timedelta(days=365 * YEARS)

    with app.app_context(), step("boards"):
        seed_boards()
        engine = db.engine

    with step(f"rendering {BODY_POOL} bodies"):
        pool = BodyPool(rng)

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # On the driver's connection, outside any transaction (SQLAlchemy would begin
            # one): no foreign-key checks or fsyncs during the bulk load.
            raw = connection.connection.driver_connection
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-262144"):
                raw.execute(f"PRAGMA {pragma}")
        tables = existing_tables(connection)
        has_visibility = "visibility" in tables["threads"].c
        boards = [
            dict(row._mapping)
            for row in connection.execute(
                sa.text("SELECT id, slug, family FROM boards ORDER BY id")
            )
        ]
        connection.commit()

        restore = []
        if not with_triggers:
            with connection.begin():
                restore = suspend_search_index(connection)

        counts = {"boards": len(boards)}
        members = max(50, posts // 20)
        with step(f"{members:,} members"):
            rows = []
            for n in range(1, members + 1):
                name = pseudonym(rng, n)
                joined = start_of_time - timedelta(days=rng.randint(1, 365))
                rows.append(
                    {
                        "id": n,
                        "display_name": name,
                        "display_name_key": name.casefold(),
                        "role": "moderator" if n <= 5 else "member",
                        "created_at": joined,
                        "last_seen_at": now - timedelta(hours=rng.randint(0, 24 * 90)),
                        "guidelines_accepted_at": joined,
                    }
                )
            _insert(connection, tables["users"], rows)
            counts["users"] = members
        # A few prolific members write much of the forum, as on every forum.
        authors = list(range(1, members + 1))
        author_weights = [1 / (rank + 1) ** 0.8 for rank in range(members)]
        rng.shuffle(authors)
        cumulative = []
        total_weight = 0.0
        for weight in author_weights:
            total_weight += weight
            cumulative.append(total_weight)

        board_weights = [1 / (rank + 1) for rank in range(len(boards))]
        rng.shuffle(board_weights)
        # About 5% of all opening posts carry a report, all of them on treatment boards.
        treatment_share = sum(
            w for w, b in zip(board_weights, boards, strict=True) if b["family"]
        ) / sum(board_weights)
        report_chance = min(1.0, 0.05 / treatment_share)

        lengths = thread_lengths(rng, posts)
        progress = Progress(posts, "posts")
        thread_rows, post_rows, report_rows = [], [], []
        post_id = report_id = made = 0
        counts.update(threads=len(lengths), posts=0, experience_reports=0)
        for thread_id, length in enumerate(lengths, start=1):
            board = rng.choices(boards, weights=board_weights)[0]
            started = start_of_time + timedelta(
                seconds=rng.randint(0, int((now - start_of_time).total_seconds()))
            )
            # Replies come at intervals that fit before now, long threads more densely.
            span = (now - started).total_seconds()
            gap = min(6 * 3600, span / max(length, 1))
            hidden = length == 1 and rng.random() < 0.002  # a new member's, awaiting approval
            created, last_author = started, None
            for position in range(1, length + 1):
                post_id += 1
                author = rng.choices(authors, cum_weights=cumulative)[0]
                if position == 1:
                    opener = author
                source, rendered = pool.take(rng)
                roll = rng.random()
                state = "pending" if hidden else "visible"
                row = {
                    "id": post_id,
                    "thread_id": thread_id,
                    "author_id": author,
                    "position": position,
                    "body_source": source,
                    "body_html": rendered,
                    "created_at": created,
                    "state": state,
                    "version": 1,
                    "edited_at": None,
                    "edited_by_id": None,
                    "deleted_by_id": None,
                    "moderation_reason": None,
                }
                if not hidden and roll < 0.004:
                    row.update(state="deleted", deleted_by_id=author)
                elif not hidden and roll < 0.006:
                    row.update(state="hidden", moderation_reason="Off-topic advertising.")
                elif roll < 0.04:
                    row.update(
                        version=2,
                        edited_at=created + timedelta(minutes=rng.randint(1, 90)),
                        edited_by_id=author,
                    )
                post_rows.append(row)
                if (
                    position == 1
                    and board["family"]
                    and not hidden
                    and rng.random() < report_chance
                ):
                    report_id += 1
                    report_rows.append(make_report(rng, report_id, post_id, author, board, created))
                last_author = author
                if position < length:
                    created = min(now, created + timedelta(seconds=rng.expovariate(1 / gap)))
            thread = {
                "id": thread_id,
                "board_id": board["id"],
                "author_id": opener,
                "title": _sentence_case(fill(rng, rng.choice(TITLES))[:150]),
                "created_at": started,
                "last_post_at": created,
                "last_poster_id": last_author,
                "post_count": length,
                "is_pinned": thread_id <= len(boards) * 2 and rng.random() < 0.5,
                "is_locked": rng.random() < 0.01,
                "is_hidden": hidden,
            }
            if has_visibility:
                thread["visibility"] = "members" if rng.random() < 0.1 else "public"
            thread_rows.append(thread)
            if len(post_rows) >= BATCH:
                made += _flush(connection, tables, thread_rows, post_rows, report_rows, counts)
                progress.update(made)
        made += _flush(connection, tables, thread_rows, post_rows, report_rows, counts)
        progress.done()

        with step("board and member counters"), connection.begin():
            connection.exec_driver_sql(BOARD_COUNTERS)
            connection.exec_driver_sql(BOARD_LATEST)
            connection.exec_driver_sql(USER_COUNTERS)
        if not with_triggers:
            with step("search index"), connection.begin():
                rebuild_search_index(connection, restore)
        if not sqlite:
            with step("sequences"), connection.begin():
                for table in ("users", "threads", "posts", "experience_reports"):
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
        else:
            raw.execute("PRAGMA foreign_keys=ON")
    if not sqlite:
        with step("VACUUM ANALYZE"):
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with step("WAL checkpoint"), engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return counts


def _insert(connection, table: sa.Table, rows: list[dict]) -> None:
    if rows:
        with connection.begin():
            for start in range(0, len(rows), BATCH):
                connection.execute(table.insert(), rows[start : start + BATCH])


def _flush(connection, tables, thread_rows, post_rows, report_rows, counts) -> int:
    """Insert and forget what has been generated; returns the number of posts written."""
    made = len(post_rows)
    with connection.begin():
        if thread_rows:
            connection.execute(tables["threads"].insert(), thread_rows)
        if post_rows:
            connection.execute(tables["posts"].insert(), post_rows)
        if report_rows:
            connection.execute(tables["experience_reports"].insert(), report_rows)
    counts["posts"] += made
    counts["experience_reports"] += len(report_rows)
    thread_rows.clear()
    post_rows.clear()
    report_rows.clear()
    return made


def verify(app) -> None:
    """Check the counters against the posts themselves (a full scan: slow at scale)."""
    with app.app_context(), db.engine.connect() as connection:
        wrong = connection.scalar(sa.text(THREAD_CHECK))
        boards_wrong = connection.scalar(
            sa.text(
                """SELECT count(*) FROM boards LEFT JOIN (
                SELECT board_id, count(*) AS threads, sum(post_count) AS posts FROM threads
                WHERE is_hidden = false GROUP BY board_id) AS agg ON agg.board_id = boards.id
                WHERE boards.thread_count <> coalesce(agg.threads, 0)
                   OR boards.post_count <> coalesce(agg.posts, 0)"""
            )
        )
        search = connection.scalar(
            sa.text(
                "SELECT count(*) FROM post_search"
                if connection.dialect.name == "sqlite"
                else "SELECT count(*) FROM posts WHERE search_vector IS NOT NULL"
            )
        )
        posts = connection.scalar(sa.text("SELECT count(*) FROM posts"))
    print(
        f"verify: threads with wrong counters {wrong}, boards {boards_wrong}, "
        f"indexed posts {search:,} of {posts:,}"
    )
    if wrong or boards_wrong or search != posts:
        raise SystemExit("verify failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same forum)")
    parser.add_argument("--replace", action="store_true", help="rebuild a database with posts")
    parser.add_argument(
        "--index-with-triggers",
        action="store_true",
        help="let the search triggers index each row as it is inserted (to compare)",
    )
    parser.add_argument("--verify", action="store_true", help="check counters and index after")
    args = parser.parse_args()

    started = time.perf_counter()
    url = prepare_database(args.database_url, args.replace)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    with step("migrations"):
        fresh_schema(app)
    counts = seed(app, args.posts, args.seed, args.index_with_triggers)
    elapsed = time.perf_counter() - started
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    print(f"Seeded {dialect} in {elapsed:.1f} s ({counts['posts'] / elapsed:,.0f} posts/s overall)")
    for table, rows in counts.items():
        print(f"  {table:<20} {rows:>11,}")
    if args.verify:
        verify(app)


if __name__ == "__main__":
    main()
