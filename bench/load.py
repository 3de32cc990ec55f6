"""Reliability under load: members post replies concurrently; nothing acknowledged is lost.

    .venv/bin/python -m bench.seed --database-url sqlite:////tmp/load.sqlite3 --posts 10000
    .venv/bin/python -m bench.load --database-url sqlite:////tmp/load.sqlite3
    .venv/bin/python -m bench.load \\
        --database-url postgresql://postgres@127.0.0.1:5432/firsthand_load \\
        --clients 16 --duration 30 --workers 4 --restart-postgres-at 10

Starts a real OpenID provider (oidc-provider-mock, on 127.0.0.1) and gunicorn for wsgi:app
with the production configuration (no debug, no testing, no development sign-in; only the
rate limits raised so one address is not throttled, and new members' posts published at
once). Each client (a thread with its own cookie jar) signs in through the provider and
onboards (pseudonym, guidelines, health-data consent, CSRF tokens read from the pages); then,
until --duration is up, reads a random thread and replies to it with a submission key of its
own. A 503 (or a dropped connection) is answered as a person would: "Send again" with the
fields the error page kept, after --retry-pause seconds. Once during the run each client
signs out and in again (a returning member). --restart-postgres-at restarts the PostgreSQL
cluster that many seconds in and measures how long the forum takes to post again.

Afterwards it compares its log of acknowledged replies (302 to the post) with the database
(every one there exactly once, matched on author and submission key) and checks every
counter the services keep against the rows themselves. Prints figures; --json saves them.
Every process it starts is stopped by its PID (its own process group), in a `finally`.
"""

import argparse
import html
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project

from bench.run import SECRET_KEY, Server, free_port  # noqa: E402
from forum.threads.models import slugify  # noqa: E402

OIDC_MOCK = ROOT / ".venv" / "bin" / "oidc-provider-mock"
PROVIDER = "loadtest"
# All clients share one address: limits that never trip (the limiter still does its work).
NEVER = "1000000000 per minute"
RATE_LIMITS = {
    "FORUM_RATELIMIT_DEFAULT": NEVER,
    "FORUM_RATELIMIT_POSTS": NEVER,
    "FORUM_RATELIMIT_POSTS_NEW": NEVER,  # the clients' accounts are new
    "FORUM_RATELIMIT_THREADS": NEVER,
    "FORUM_RATELIMIT_SIGN_IN": NEVER,
}
GRACE = 20.0  # seconds after --duration for a reply caught in an outage to get through
BODIES = [
    "Day {n} after the procedure: I walked to the shops and back without stopping.",
    "My pain clinic suggested the same. Sleep has been better for about a week now.",
    "For what it is worth, the second session helped more than the first one did.",
    "I kept a diary for a month before deciding; it made the appointment much easier.",
]


# --- one client ------------------------------------------------------------------------


@dataclass
class Event:
    at: float  # seconds since posting started (negative: while signing in)
    client: int
    kind: str  # sign-in, read, reply, sign-out
    status: int | None  # None: no HTTP answer (connection refused or reset, timeout)
    seconds: float
    error: str = ""


@dataclass
class Attempt:
    key: str
    client: int
    member: str
    thread_id: int
    first_sent: float
    tries: int = 0
    statuses: list = field(default_factory=list)
    acknowledged_at: float | None = None
    acknowledged_sent: float | None = None  # when the try that was acknowledged was sent
    post_id: int | None = None


class Trouble(Exception):
    """A step of the flow got an answer it should not have."""


def csrf_token(page: str) -> str | None:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    return match.group(1) if match else None


def kept_form(page: str) -> dict[str, str]:
    """The fields an error page gives back in its "Send again" form."""
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    for name, value in re.findall(
        r'<textarea id="kept-\w+" name="(\w+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = html.unescape(value)
    return fields


class Client:
    """A member with a browser: signs in, then reads and replies until the run ends."""

    def __init__(self, run: "Run", index: int):
        self.run, self.index = run, index
        self.thread = threading.Thread(target=self.main, name=f"client-{index}", daemon=True)
        self.http = requests.Session()
        self.member = f"load-{run.tag}-{index}"
        self.subject = f"subject-{run.tag}-{index}"
        self.rng = random.Random(f"{run.tag}-{index}")
        self.sign_in_again_at = self.rng.uniform(0.2, 0.8) * run.args.duration
        self.failure: str | None = None

    # HTTP, recorded
    def send(self, method: str, url: str, kind: str, **kwargs) -> requests.Response | None:
        url = url if url.startswith("http") else self.run.base + url
        started = time.monotonic()
        try:
            response = self.http.request(method, url, allow_redirects=False, timeout=30, **kwargs)
            # Browsers treat 127.0.0.1 as a secure context and send it Secure cookies over
            # plain http, so the production __Host- cookies work without a TLS proxy;
            # requests would keep them for https.
            for cookie in self.http.cookies:
                cookie.secure = False
        except requests.RequestException as error:
            self.run.record(
                Event(
                    started - self.run.t0,
                    self.index,
                    kind,
                    None,
                    time.monotonic() - started,
                    type(error).__name__,
                )
            )
            return None
        self.run.record(
            Event(
                started - self.run.t0,
                self.index,
                kind,
                response.status_code,
                time.monotonic() - started,
            )
        )
        if response.status_code >= 500 and url.startswith(self.run.base):
            self.run.check_error_page(response, started - self.run.t0)
        return response

    def expect(self, response, status: int, step: str) -> requests.Response:
        if response is None or response.status_code != status:
            got = "no answer" if response is None else response.status_code
            raise Trouble(f"{step}: expected {status}, got {got}")
        return response

    # signing in
    def sign_in(self, first: bool) -> None:
        start = self.expect(self.send("GET", f"/login/{PROVIDER}", "sign-in"), 302, "start")
        authorize = start.headers["Location"]
        self.expect(self.send("GET", authorize, "sign-in"), 200, "provider page")
        back = self.expect(
            self.send("POST", authorize, "sign-in", data={"sub": self.subject}), 302, "provider"
        )
        callback = self.expect(
            self.send("GET", back.headers["Location"], "sign-in"), 302, "callback"
        )
        if not first:
            return  # a returning member is signed in by the callback
        if urlsplit(callback.headers["Location"]).path != "/onboarding":
            raise Trouble(f"callback sent a newcomer to {callback.headers['Location']}")
        page = self.expect(self.send("GET", "/onboarding", "sign-in"), 200, "onboarding page")
        form = {
            "csrf_token": csrf_token(page.text),
            "pseudonym": self.member,
            "accept_guidelines": "y",
            "accept_health_data": "y",
        }
        self.expect(self.send("POST", "/onboarding", "sign-in", data=form), 302, "onboarding")

    def sign_out_and_in(self) -> None:
        page = self.send("GET", "/", "sign-out")
        token = csrf_token(page.text) if page is not None and page.status_code == 200 else None
        if token is None:
            return  # try again later in the run
        self.sign_in_again_at = float("inf")
        try:
            self.expect(
                self.send("POST", "/logout", "sign-out", data={"csrf_token": token}),
                302,
                "sign out",
            )
            self.sign_in(first=False)
        except Trouble as error:
            self.run.note(f"client {self.index}: signing in again failed: {error}")
            self.sign_in_with_retries(first=False)

    def sign_in_with_retries(self, first: bool) -> None:
        for _ in range(5):
            try:
                self.sign_in(first)
                return
            except Trouble as error:
                self.run.note(f"client {self.index}: sign-in: {error}")
                time.sleep(1)
        raise Trouble("could not sign in")

    # replying
    def reply_once(self, number: int) -> None:
        thread_id, path = self.rng.choice(self.run.threads)
        page = self.send("GET", path, "read")
        if page is None or page.status_code != 200:
            time.sleep(self.run.args.retry_pause)
            return
        token = csrf_token(page.text)
        key = f"{self.run.tag}-{self.index}-{number}"
        body = self.rng.choice(BODIES).format(n=number) + f" (ref {key})"
        attempt = Attempt(key, self.index, self.member, thread_id, time.monotonic() - self.run.t0)
        self.run.attempts.append(attempt)
        fields = {"csrf_token": token, "body": body, "submission_key": key}
        give_up = self.run.deadline + GRACE
        while True:
            sent = time.monotonic() - self.run.t0
            response = self.send("POST", f"/t/{thread_id}/reply", "reply", data=fields)
            attempt.tries += 1
            attempt.statuses.append(None if response is None else response.status_code)
            if response is not None and response.status_code == 302:
                location = response.headers.get("Location", "")
                match = re.search(rf"^/t/{thread_id}/[^#]*#p(\d+)$", location)
                if match:
                    attempt.acknowledged_at = time.monotonic() - self.run.t0
                    attempt.acknowledged_sent = sent
                    attempt.post_id = int(match.group(1))
                else:
                    self.run.note(f"client {self.index}: reply redirected to {location}")
                return
            retry = response is None or response.status_code == 503
            if not retry or time.monotonic() > give_up:
                return
            if response is not None:
                # "Send again": exactly what the error page kept.
                kept = kept_form(response.text)
                if kept.get("body") != body or kept.get("submission_key") != key:
                    self.run.note(f"client {self.index}: the 503 page lost the reply {key}")
                    with self.run.lock:
                        self.run.lost_text += 1
                fields = {**fields, **kept}
            time.sleep(self.run.args.retry_pause)

    def run_client(self) -> None:
        try:
            self.sign_in_with_retries(first=True)
        except Trouble as error:
            self.failure = str(error)
        finally:
            self.run.signed_in.wait()
        if self.failure:
            return
        number = 0
        while time.monotonic() < self.run.deadline:
            if time.monotonic() - self.run.t0 > self.sign_in_again_at:
                self.sign_out_and_in()
            number += 1
            self.reply_once(number)

    def main(self) -> None:
        try:
            self.run_client()
        except Exception as error:  # a bug in this script: say so, never hang the run
            self.failure = f"{type(error).__name__}: {error}"


# --- the run -----------------------------------------------------------------------------


class Run:
    def __init__(self, args, base: str, threads: list[tuple[int, str]]):
        self.args, self.base, self.threads = args, base, threads
        self.tag = secrets.token_hex(3)
        self.events: list[Event] = []
        self.attempts: list[Attempt] = []
        self.notes: list[str] = []
        self.bad_error_pages: list[str] = []
        self.lost_text = 0
        self.lock = threading.Lock()
        self.t0 = time.monotonic() + 3600  # set when every client has signed in
        self.deadline = self.t0 + args.duration
        self.signed_in = threading.Barrier(args.clients + 1, action=self.begin)
        self.restart: dict = {}

    def begin(self) -> None:
        """Every client has signed in (or given up): replying starts now, for all."""
        self.t0 = time.monotonic()
        self.deadline = self.t0 + self.args.duration

    def record(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def note(self, text: str) -> None:
        with self.lock:
            self.notes.append(text)

    def check_error_page(self, response: requests.Response, at: float) -> None:
        """A 5xx must be a calm 503: Retry-After, an HTML page, no traceback."""
        problems = []
        if response.status_code != 503:
            problems.append(f"status {response.status_code}")
        if not response.headers.get("Retry-After"):
            problems.append("no Retry-After")
        if "Traceback" in response.text or "sqlalchemy" in response.text.lower():
            problems.append("traceback or library name in the page")
        if "text/html" not in response.headers.get("Content-Type", ""):
            problems.append(f"content type {response.headers.get('Content-Type')}")
        if problems:
            with self.lock:
                self.bad_error_pages.append(f"+{at:.1f}s {response.url}: {', '.join(problems)}")


def restart_postgres(run: Run, url: sa.URL) -> None:
    """`pg_ctlcluster <version> main restart` for the cluster on the URL's port."""
    version = cluster_version(url.port or 5432)
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]
    if os.geteuid() != 0:
        command = ["sudo", *command]
    run.restart["command"] = " ".join(command)
    started, wall = time.monotonic(), time.time()
    run.restart["at"] = started - run.t0
    done = subprocess.run(command, capture_output=True, text=True)
    run.restart["took"] = time.monotonic() - started
    run.restart["returncode"] = done.returncode
    if done.returncode:
        run.restart["stderr"] = done.stderr.strip()[-500:]
    run.restart.update(server_log_moments(version, wall))


# What the server logs as it goes down and comes back (Debian's log_line_prefix starts
# with the time: "2026-11-25 20:41:50.123 UTC [123] LOG:  ...").
MOMENTS = {
    "shutdown_requested": "received fast shutdown request",
    "shut_down": "database system is shut down",
    "ready": "database system is ready to accept connections",
}


def server_log_moments(version: str, since: float) -> dict:
    """Seconds after `since` (wall clock) at which PostgreSQL logged going down and up."""
    log = Path(f"/var/log/postgresql/postgresql-{version}-main.log")
    found = {}
    try:
        lines = log.read_text(errors="replace").splitlines()[-400:]
    except OSError:
        return found
    for line in lines:
        match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (\w+)", line)
        if not match or match.group(2) != "UTC":
            continue
        moment = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f")
        moment = moment.replace(tzinfo=UTC).timestamp() - since
        for name, text in MOMENTS.items():
            if text in line and moment > -1 and f"postgres_{name}" not in found:
                found[f"postgres_{name}"] = moment
    return found


def cluster_version(port: int) -> str:
    for version in sorted(
        os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")]
    ):
        conf = Path("/etc/postgresql") / version / "main" / "postgresql.conf"
        if conf.exists() and re.search(rf"^\s*port\s*=\s*{port}\b", conf.read_text(), re.M):
            return version
    raise SystemExit(f"No cluster under /etc/postgresql listens on port {port}.")


class OpenIDProvider:
    """oidc-provider-mock on 127.0.0.1, in its own process group, stopped by its PID."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [
                    str(OIDC_MOCK),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--require-nonce",
                    "true",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"oidc-provider-mock exited: see {self.log}")
            try:
                requests.get(self.url + "/.well-known/openid-configuration", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit("oidc-provider-mock did not answer")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class LoggedServer(Server):
    """bench.run's gunicorn, with a worker class of choice and its output kept in a file."""

    def __init__(self, target, workers, env, worker_class: str, threads: int, log: Path):
        super().__init__(target, workers, env)
        at = self.command.index("--worker-class")
        self.command[at + 1] = worker_class
        if worker_class == "gthread":
            self.command[at + 2 : at + 2] = ["--threads", str(threads)]
        self.log = log

    def start(self, timeout: float = 60) -> None:
        """Server.start, with the output going to the log."""
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}: see {self.log}")
            try:
                if requests.get(self.base + "/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer on {self.base} within {timeout:.0f} s")


# --- checking the database ---------------------------------------------------------------


def engine_for(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed)


def replyable_threads(url: str) -> list[tuple[int, str]]:
    engine = engine_for(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, title FROM threads WHERE is_hidden = false AND is_locked = false")
        ).all()
    engine.dispose()
    if not rows:
        raise SystemExit("The database has no threads: seed it first (bench/seed.py).")
    return [(id_, f"/t/{id_}/{slugify(title)}") for id_, title in rows]


THREAD_TRUTH = """
SELECT t.id, t.post_count, t.last_post_at, t.last_poster_id,
       coalesce(a.n, 0), a.top, a.latest, last.author_id
FROM threads t
LEFT JOIN (SELECT thread_id, count(position) AS n, max(position) AS top,
                  max(CASE WHEN position IS NOT NULL THEN created_at END) AS latest
           FROM posts GROUP BY thread_id) a ON a.thread_id = t.id
LEFT JOIN posts last ON last.thread_id = t.id AND last.position = t.post_count
"""
BOARD_TRUTH = """
SELECT b.id, b.thread_count, b.post_count, b.last_post_at, lt.last_post_at,
       coalesce(v.threads, 0), coalesce(p.posts, 0), v.latest
FROM boards b
LEFT JOIN (SELECT board_id, count(*) AS threads, max(last_post_at) AS latest FROM threads
           WHERE is_hidden = false GROUP BY board_id) v ON v.board_id = b.id
LEFT JOIN (SELECT threads.board_id, count(posts.position) AS posts FROM posts
           JOIN threads ON threads.id = posts.thread_id WHERE threads.is_hidden = false
           GROUP BY threads.board_id) p ON p.board_id = b.id
LEFT JOIN threads lt ON lt.id = b.last_thread_id
"""
# A member's count goes up when a post of theirs is published and stays (bench/seed.py).
USER_TRUTH = """
SELECT u.id, u.post_count, coalesce(a.posts, 0) FROM users u
LEFT JOIN (SELECT posts.author_id, count(*) AS posts FROM posts
           JOIN threads ON threads.id = posts.thread_id
           WHERE posts.state <> 'pending' AND threads.is_hidden = false
           GROUP BY posts.author_id) a ON a.author_id = u.id
"""
# "Reply" notifications count the replies by others after the watcher's first post in the
# thread (a reply watches the thread; the seed watches nothing). Read or not: a member who
# opens the thread again reads them, and the next reply starts a new one.
NOTIFICATION_TRUTH = """
SELECT w.author_id, w.thread_id, n.count,
       (SELECT count(*) FROM posts o WHERE o.thread_id = w.thread_id
          AND o.position > w.first AND o.author_id <> w.author_id)
FROM (SELECT author_id, thread_id, min(position) AS first FROM posts
      WHERE submission_key LIKE :pattern GROUP BY author_id, thread_id) w
LEFT JOIN (SELECT user_id, thread_id, sum(count) AS count FROM notifications
           WHERE kind = 'reply' GROUP BY user_id, thread_id) n
     ON n.user_id = w.author_id AND n.thread_id = w.thread_id
"""


def check_counters(url: str, tag: str | None) -> tuple[dict, Counter]:
    """Every counter the services keep, against the rows. Returns the mismatches by kind
    and how many values of each kind were checked."""
    engine = engine_for(url)
    checked: Counter = Counter()
    wrong: dict[str, list] = {
        "threads.post_count": [],
        "threads.positions": [],
        "threads.last_post_at": [],
        "threads.last_poster_id": [],
        "boards.thread_count": [],
        "boards.post_count": [],
        "boards.last_post_at": [],
        "boards.last_thread_id": [],
        "users.post_count": [],
        "notifications.count": [],
        "search index": [],
    }
    with engine.connect() as c:
        for tid, count, last_at, poster, n, top, latest, last_author in c.execute(
            sa.text(THREAD_TRUTH)
        ):
            checked.update(("threads.post_count", "threads.positions"))
            checked.update(("threads.last_post_at", "threads.last_poster_id") if n else ())
            if count != n:
                wrong["threads.post_count"].append((tid, count, n))
            if (top or 0) != n:
                wrong["threads.positions"].append((tid, top, n))
            if n and last_at != latest:
                wrong["threads.last_post_at"].append((tid, str(last_at), str(latest)))
            if n and poster != last_author:
                wrong["threads.last_poster_id"].append((tid, poster, last_author))
        for (
            bid,
            threads,
            posts,
            last_at,
            last_thread_at,
            true_threads,
            true_posts,
            latest,
        ) in c.execute(sa.text(BOARD_TRUTH)):
            checked.update(("boards.thread_count", "boards.post_count"))
            checked.update(("boards.last_post_at", "boards.last_thread_id") if latest else ())
            if threads != true_threads:
                wrong["boards.thread_count"].append((bid, threads, true_threads))
            if posts != true_posts:
                wrong["boards.post_count"].append((bid, posts, true_posts))
            if latest is not None and last_at != latest:
                wrong["boards.last_post_at"].append((bid, str(last_at), str(latest)))
            if latest is not None and last_thread_at != latest:
                wrong["boards.last_thread_id"].append((bid, str(last_thread_at), str(latest)))
        for uid, count, true in c.execute(sa.text(USER_TRUTH)):
            checked["users.post_count"] += 1
            if count != true:
                wrong["users.post_count"].append((uid, count, true))
        if tag:
            rows = c.execute(sa.text(NOTIFICATION_TRUTH), {"pattern": f"{tag}-%"})
            for uid, tid, count, true in rows:
                checked["notifications.count"] += 1 if true or count else 0
                if (count or 0) != true:
                    wrong["notifications.count"].append((uid, tid, count, true))
        posts = c.scalar(sa.text("SELECT count(*) FROM posts"))
        if c.dialect.name == "sqlite":
            indexed = c.scalar(sa.text("SELECT count(*) FROM post_search"))
        else:
            indexed = c.scalar(
                sa.text("SELECT count(*) FROM posts WHERE search_vector IS NOT NULL")
            )
        checked["search index"] = posts
        if indexed != posts:
            wrong["search index"].append((indexed, posts))
    engine.dispose()
    return wrong, checked


def check_posts(url: str, run: Run) -> dict:
    """The acknowledged replies against the posts table."""
    engine = engine_for(url)
    with engine.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT users.display_name, posts.submission_key, posts.id, posts.thread_id, "
                "posts.body_source FROM posts JOIN users ON users.id = posts.author_id "
                "WHERE users.display_name LIKE :members"
            ),
            {"members": f"load-{run.tag}-%"},
        ).all()
    engine.dispose()
    stored: dict[tuple[str, str], list] = {}
    for member, key, post_id, thread_id, _body in rows:
        stored.setdefault((member, key), []).append((post_id, thread_id))
    bodies = Counter(re.search(r"\(ref ([^)]+)\)$", row[4]).group(1) for row in rows)
    attempts = {(a.member, a.key): a for a in run.attempts}
    acknowledged = [a for a in run.attempts if a.acknowledged_at is not None]
    found = [a for a in acknowledged if len(stored.get((a.member, a.key), [])) == 1]
    wrong_post = [a for a in found if stored[(a.member, a.key)][0] != (a.post_id, a.thread_id)]
    return {
        "acknowledged": len(acknowledged),
        "in_database": len(found),
        "missing": len([a for a in acknowledged if (a.member, a.key) not in stored]),
        "duplicates": sum(len(v) - 1 for v in stored.values())
        + sum(n - 1 for n in bodies.values() if n > 1),
        "acknowledged_as_another_post": len(wrong_post),
        "stored_not_acknowledged": len(
            [k for k in stored if k in attempts and attempts[k].acknowledged_at is None]
        ),
        "stored_never_sent": len([k for k in stored if k not in attempts]),
        "not_stored_not_acknowledged": len(
            [
                a
                for a in run.attempts
                if a.acknowledged_at is None and (a.member, a.key) not in stored
            ]
        ),
    }


# --- reporting ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else float("nan")


def server_log_facts(log: Path) -> dict:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "tracebacks": text.count("Traceback"),
        "database_unavailable_lines": text.count("database unavailable:"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "errors_logged": len(re.findall(r"\bERROR\b", text)),
    }


def recovery(run: Run) -> dict:
    """When requests failed around the restart, and when replies went through again.
    Times are seconds after the restart command started; a failure counts when its
    answer came, a reply when it was sent and when it was acknowledged."""
    if not run.restart:
        return {}
    at = run.restart["at"]
    failed = sorted(
        e.at + e.seconds
        for e in run.events
        if e.at + e.seconds >= at and (e.status is None or e.status >= 500)
    )
    facts = {**run.restart, "failed_requests": len(failed)}
    # Replies sent once the outage had begun (or once the restart began, if nothing failed)
    # that the forum acknowledged: the first of them is the forum writing again.
    since = failed[0] if failed else at
    if failed:
        facts.update(first_failure=failed[0] - at, last_failure=failed[-1] - at)
    acks = sorted(
        (a.acknowledged_at, a.acknowledged_sent)
        for a in run.attempts
        if a.acknowledged_at is not None and a.acknowledged_sent >= since
    )
    if acks:
        facts["recovered_after"] = acks[0][0] - at
        facts["recovering_reply_sent_after"] = acks[0][1] - at
    failed_after = [t for t in failed if acks and t > acks[0][0]]
    facts["failures_after_recovery"] = len(failed_after)
    return facts


def summarise(run: Run, posts: dict, counters: tuple, before: tuple, server_log: Path) -> dict:
    counters, checked = counters
    statuses = Counter("no answer" if e.status is None else e.status for e in run.events)
    replies = [e for e in run.events if e.kind == "reply"]
    reads = [e for e in run.events if e.kind == "read"]
    window = (
        run.restart.get("at", 0) - 1,
        run.restart.get("at", 0) + run.restart.get("took", 0) + 10,
    )
    five = [e for e in run.events if e.status is not None and e.status >= 500]
    return {
        "requests": len(run.events),
        "by_kind": dict(Counter(e.kind for e in run.events)),
        "by_status": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "5xx": len(five),
        "500": len([e for e in five if e.status == 500]),
        "503": len([e for e in five if e.status == 503]),
        "503_by_kind": dict(Counter(e.kind for e in five if e.status == 503)),
        "503_outside_restart_window": len(
            [e for e in five if not (run.restart and window[0] <= e.at <= window[1])]
        ),
        "bad_error_pages": run.bad_error_pages,
        "kept_text_lost": run.lost_text,
        "other_errors": {
            "no_answer": statuses.get("no answer", 0),
            "4xx": sum(v for k, v in statuses.items() if isinstance(k, int) and 400 <= k < 500),
            "clients_failed": [],
        },
        "attempts": len(run.attempts),
        **posts,
        "replies_per_s": posts["acknowledged"] / run.args.duration,
        "reply_ms": {
            "p50": 1000 * percentile([e.seconds for e in replies if e.status == 302], 0.5),
            "p99": 1000 * percentile([e.seconds for e in replies if e.status == 302], 0.99),
        },
        "read_ms": {
            "p50": 1000 * percentile([e.seconds for e in reads if e.status == 200], 0.5),
            "p99": 1000 * percentile([e.seconds for e in reads if e.status == 200], 0.99),
        },
        "sign_ins": len([e for e in run.events if e.kind == "sign-in"]),
        "counter_mismatches": {k: len(v) for k, v in counters.items()},
        "counter_examples": {k: v[:3] for k, v in counters.items() if v},
        "counter_values_checked": dict(checked),
        "counter_mismatches_before": sum(len(v) for v in before[0].values()),
        "restart": recovery(run),
        "server_log": server_log_facts(server_log),
        "notes": run.notes[:20],
    }


def print_summary(config: dict, s: dict) -> None:
    print()
    print(f"configuration: {config['gunicorn']}")
    print(
        f"  database {config['database']}; {config['clients']} clients, {config['duration']} s; "
        f"retry pause {config['retry_pause']} s"
    )
    print("  env: " + " ".join(f"{k}={v!r}" for k, v in config["env"].items()))
    print(f"requests:             {s['requests']:,}  {s['by_kind']}")
    print(f"  by status:          {s['by_status']}")
    print(f"reply attempts:       {s['attempts']:,}")
    print(
        f"acknowledged:         {s['acknowledged']:,}  ({s['replies_per_s']:.1f}/s; "
        f"p50 {s['reply_ms']['p50']:.0f} ms, p99 {s['reply_ms']['p99']:.0f} ms)"
    )
    print(f"in database:          {s['in_database']:,}  (exactly once, same post and thread)")
    print(f"duplicates:           {s['duplicates']}")
    print(f"missing:              {s['missing']}")
    print(
        f"  stored, not acknowledged: {s['stored_not_acknowledged']}; "
        f"neither: {s['not_stored_not_acknowledged']}; "
        f"acknowledged as another post: {s['acknowledged_as_another_post']}"
    )
    print(
        f"5xx:                  {s['5xx']}  (500: {s['500']}, 503: {s['503']}, "
        f"503 outside the restart window: {s['503_outside_restart_window']})"
        + (f"; 503 by request: {s['503_by_kind']}" if s["503"] else "")
    )
    print(
        f"  bad error pages:    {len(s['bad_error_pages'])}; typed text not kept: "
        f"{s['kept_text_lost']}"
    )
    other = s["other_errors"]
    print(
        f"other errors:         no answer {other['no_answer']}, 4xx {other['4xx']}, "
        f"clients that failed {len(other['clients_failed'])}"
    )
    total = sum(s["counter_mismatches"].values())
    print(f"counter mismatches:   {total}  (before the run: {s['counter_mismatches_before']})")
    for name, count in s["counter_mismatches"].items():
        checked = s["counter_values_checked"].get(name, 0)
        example = f"  e.g. {s['counter_examples'][name]}" if count else ""
        print(f"  {name:<24} {count:>3} of {checked:>6,} checked{example}")
    log = s["server_log"]
    print(
        f"server log:           {log['tracebacks']} tracebacks, "
        f"{log['database_unavailable_lines']} 'database unavailable' lines, "
        f"{log['worker_timeouts']} worker timeouts"
    )
    r = s["restart"]
    if r:
        print(
            f"restart:              {r['command']} at +{r['at']:.1f} s, took {r['took']:.1f} s "
            f"(exit {r['returncode']})"
        )
        moments = [
            f"{name.removeprefix('postgres_').replace('_', ' ')} +{r[name]:.2f} s"
            for name in ("postgres_shutdown_requested", "postgres_shut_down", "postgres_ready")
            if name in r
        ]
        if moments:
            print("  PostgreSQL's log: " + ", ".join(moments))
        if "first_failure" in r:
            print(
                f"  failed requests {r['failed_requests']}, answered from "
                f"+{r['first_failure']:.2f} s to +{r['last_failure']:.2f} s after the restart began"
            )
        if "recovered_after" in r:
            print(
                "  recovery: first reply sent during the outage and acknowledged: "
                f"+{r['recovered_after']:.2f} s "
                f"(sent at +{r['recovering_reply_sent_after']:.2f} s); "
                f"failures after it: {r['failures_after_recovery']}"
            )
    for line in s["notes"]:
        print(f"note: {line}")


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench/seed.py")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=30, help="seconds of replying")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--restart-postgres-at", type=float, help="seconds into the run")
    parser.add_argument(
        "--retry-pause",
        type=float,
        default=1.0,
        help="seconds before 'Send again' after a 503 (the page says 5)",
    )
    parser.add_argument("--logs", type=Path, default=Path("/tmp"), help="where server logs go")
    parser.add_argument("--json", type=Path, help="save the results here")
    args = parser.parse_args()

    url = sa.make_url(args.database_url)
    backend = url.get_backend_name()
    if backend == "postgresql" and url.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("Load tests only ever target 127.0.0.1.")
    if args.restart_postgres_at is not None and backend != "postgresql":
        raise SystemExit("--restart-postgres-at needs a PostgreSQL database.")

    before = check_counters(args.database_url, None)
    threads = replyable_threads(args.database_url)
    provider = OpenIDProvider(args.logs / "firsthand-load-oidc.log")
    server_log = args.logs / f"firsthand-load-gunicorn-{backend}.log"
    server = None
    try:
        provider.start()
        env = {
            "FORUM_DATABASE_URL": args.database_url,
            "FORUM_SECRET_KEY": SECRET_KEY,
            "FORUM_OIDC_PROVIDERS": json.dumps(
                [
                    {
                        "name": PROVIDER,
                        "title": "Load test ID",
                        "discovery_url": f"{provider.url}/.well-known/openid-configuration",
                        "client_id": "firsthand-load",
                        "client_secret": "not-checked-by-the-mock",
                    }
                ]
            ),
            **RATE_LIMITS,
            "FORUM_NEW_MEMBER_APPROVAL_POSTS": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        server = LoggedServer(
            "wsgi:app", args.workers, env, args.worker_class, args.threads, server_log
        )
        server.env["FORUM_BASE_URL"] = server.base
        shown_env = {
            k: v
            for k, v in env.items()
            if k.startswith("FORUM_RATELIMIT") or k == "FORUM_NEW_MEMBER_APPROVAL_POSTS"
        }
        config = {
            "gunicorn": " ".join(server.command[1:]),
            "database": url.render_as_string(hide_password=True),
            "clients": args.clients,
            "duration": args.duration,
            "retry_pause": args.retry_pause,
            "restart_postgres_at": args.restart_postgres_at,
            "env": shown_env,
            "oidc_provider": f"oidc-provider-mock on {provider.url}",
            "load_average_before": os.getloadavg(),
        }
        print(f"gunicorn: {config['gunicorn']}", file=sys.stderr)
        print("env: " + " ".join(f"{k}={v}" for k, v in shown_env.items()), file=sys.stderr)
        server.start()

        run = Run(args, server.base, threads)
        clients = [Client(run, i) for i in range(args.clients)]
        for client in clients:
            client.thread.start()
        run.signed_in.wait()  # every client has signed in (or given up)
        print(f"{args.clients} clients signed in; replying for {args.duration} s", file=sys.stderr)
        restarter = None
        if args.restart_postgres_at is not None:
            restarter = threading.Timer(args.restart_postgres_at, restart_postgres, (run, url))
            restarter.start()
        for client in clients:
            client.thread.join(args.duration + GRACE + 60)
        if restarter:
            restarter.join()
        config["load_average_after"] = os.getloadavg()
    finally:
        if server is not None:
            server.stop()
        provider.stop()

    posts = check_posts(args.database_url, run)
    counters = check_counters(args.database_url, run.tag)
    summary = summarise(run, posts, counters, before, server_log)
    summary["other_errors"]["clients_failed"] = [
        f"client {c.index}: {c.failure}" for c in clients if c.failure
    ]
    print_summary(config, summary)
    print(f"server log: {server_log}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "config": config,
                    "summary": summary,
                    "attempts": [asdict(a) for a in run.attempts],
                    "events": [asdict(e) for e in run.events],
                },
                indent=1,
                default=str,
            )
            + "\n"
        )
        print(f"saved {args.json}")


if __name__ == "__main__":
    main()
