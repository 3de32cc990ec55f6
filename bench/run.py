"""Load-test the forum's main pages under gunicorn with wrk, against a ceiling app.

    .venv/bin/python -m bench.run --database-url sqlite:////tmp/bench.sqlite3
    .venv/bin/python -m bench.run --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --duration 15 --connections 16 --threads 2 --workers 2 --json results.json

Seed the database first (bench/seed.py). Then this: installs wrk (Debian package) if it is
missing; starts gunicorn (sync workers, bound to 127.0.0.1 on a free port) for the ceiling
app (bench/ceiling.py), then for the forum (wsgi:app, production configuration); waits until
each answers; warms every page up; runs `wrk --latency` against each page with
--connections connections, and again with one connection (its p50 is a page's latency
without queueing); reads the CPU time the workers and PostgreSQL's processes used per
request during the loaded run (steadier than requests/s on a shared machine); counts each
page's SQL statements in-process (Flask test client on the same database) and its bytes;
reads each worker's resident memory after the run; stops every process it started. Prints
one table; --json saves everything. It prints figures; it does not judge them.

Pages are measured for three viewers: a visitor, a signed-in member and a moderator. Their
sessions are made through the forum's own development sign-in (and, for the moderator, the
second-factor code) on a testing app that shares the database and the secret key; wrk then
sends the session cookie with every request, as a browser would.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from math import ceil
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project

from bench.common import count_statements  # noqa: E402
from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.threads.models import slugify  # noqa: E402

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SECRET_KEY = "bench-only-not-a-secret-" + "x" * 40
# All load comes from one address: a limit high enough never to trip, so the limiter's
# own work (in-memory storage, as a single host without Redis runs it) is still measured.
RATE_LIMIT = "1000000000 per minute"
SEARCH = "rhizotomy"


# --- what to request -------------------------------------------------------------------


def forum_app(database_url: str):
    """The forum as gunicorn runs it (production configuration), for counting statements."""
    return create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_DEFAULT": RATE_LIMIT}
    )


def find_pages(app) -> dict[str, str]:
    """Paths of the pages to measure, picked from the seeded data: the busiest board, its
    first and last page; the longest thread a visitor may read, first and last page; a
    search; the outcomes of the board with most reports."""
    from forum.boards.models import Board
    from forum.reports.models import ExperienceReport
    from forum.threads.models import Thread

    config = app.config
    with app.app_context():
        board = db.session.scalar(
            sa.select(Board).order_by(Board.thread_count.desc(), Board.id).limit(1)
        )
        if board is None or not board.thread_count:
            raise SystemExit("The database has no threads: seed it first (bench/seed.py).")
        board_pages = ceil(board.thread_count / config["THREADS_PER_PAGE"])
        readable = [~Thread.is_hidden]
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("threads")}
        if "visibility" in columns:  # members-only threads show visitors no posts
            readable.append(Thread.visibility == "public")
        thread = db.session.scalar(
            sa.select(Thread)
            .where(*readable)
            .order_by(Thread.post_count.desc(), Thread.id)
            .limit(1)
        )
        thread_pages = ceil(thread.post_count / config["POSTS_PER_PAGE"])
        reported = db.session.scalar(
            sa.select(Board.slug)
            .join(ExperienceReport, ExperienceReport.board_id == Board.id)
            .group_by(Board.slug)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        db.session.remove()
    thread_path = f"/t/{thread.id}/{slugify(thread.title)}"
    pages = {
        "home": "/",
        "board, first page": f"/b/{board.slug}",
        f"board, last page ({board_pages})": f"/b/{board.slug}?page={board_pages}",
        "thread, first page": thread_path,
        f"thread, last page ({thread_pages})": f"{thread_path}?page={thread_pages}",
        f"search '{SEARCH}'": f"/search?q={SEARCH}",
    }
    if reported:
        pages["outcomes"] = f"/b/{reported}/outcomes"
    # Signed in: what members load every day, and a moderator's thread (more actions).
    for viewer, name in (("member", "home"), ("member", "board, first page")):
        pages[f"{viewer}: {name}"] = pages[name]
    pages["member: thread, first page"] = thread_path
    pages["moderator: thread, first page"] = thread_path
    # A page with no data of its own: what every member's page pays (session, header,
    # frame) before its content, the floor under the pages above.
    pages["member: guidelines (floor)"] = "/guidelines"
    return pages


# --- signed-in viewers -------------------------------------------------------------------

# The bench's own accounts, made once in the seeded database: here 60 days, 10 posts, so a
# member's pages are an ordinary member's (no approval notices, no new-member limits).
SIGNED_IN = {"member": "bench-member", "moderator": "bench-moderator"}
SESSION_COOKIE = "__Host-firsthand_session"  # the production name of FORUM's session cookie


def signed_in_cookies(database_url: str) -> dict[str, str]:
    """A Cookie header per signed-in viewer, made through the forum's own sign-in on a
    testing app (the development sign-in is refused in production) that shares the
    database and the secret key with the gunicorn being measured."""
    from datetime import timedelta

    import pyotp

    from forum.accounts.models import User
    from forum.accounts.services import create_member, get_user_by_name
    from forum.auth.models import SecondFactor
    from forum.auth.second_factor import confirm_enrolment, start_enrolment
    from forum.extensions import utcnow

    testing = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "TESTING": True,
            "DEV_LOGIN": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    cookies = {}
    with testing.app_context():
        for viewer, name in SIGNED_IN.items():
            user = get_user_by_name(name) or create_member(name, role=viewer, consent=True)
            user.created_at, user.post_count = utcnow() - timedelta(days=60), 10
            db.session.commit()
            if viewer == "moderator" and db.session.get(SecondFactor, user.id) is None:
                confirm_enrolment(user, pyotp.TOTP(start_enrolment(user).secret).now())
            client = testing.test_client()
            signed = client.post("/login/dev", data={"pseudonym": name})
            assert signed.status_code == 302, signed.status_code
            factor = db.session.get(SecondFactor, db.session.get(User, user.id).id)
            if factor is not None:
                factor.last_step = None  # a code from this 30-second step may be typed
                db.session.commit()
                code = pyotp.TOTP(factor.secret).now()
                assert client.post("/second-factor", data={"code": code}).status_code == 302
            # A page with a form puts the CSRF secret in the session, as a browser's first
            # page does; a cookie without it would have every measured page make one and
            # send a new cookie, which a browser keeps but wrk does not. (In an app context
            # of its own: the token is cached in `g`, which the requests above shared.)
            with testing.app_context():
                assert client.get("/").status_code == 200
            with client.session_transaction() as session:
                assert "csrf_token" in session
            value = client.get_cookie(testing.config["SESSION_COOKIE_NAME"]).value
            cookies[viewer] = f"{SESSION_COOKIE}={value}"
        db.session.remove()
        db.engine.dispose()
    return cookies


# --- processes -------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    install = [*sudo, "apt-get", "install", "-y", "-q", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env).returncode:  # stale package lists: update, retry
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn master in its own process group, stopped by its PID."""

    def __init__(self, target: str, workers: int, env: dict[str, str]):
        self.port = free_port()
        self.command = [
            str(GUNICORN),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            target,
        ]
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer on {self.base} within {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:  # no children file: scan for processes whose parent is the master
            children = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    children.append(int(stat.parent.name))
            return children

    def workers_cpu_seconds(self) -> float:
        return cpu_seconds(self.worker_pids())

    def worker_rss_mib(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # its own session: the group id is the master's PID
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait()


# --- measuring -------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15
    return ticks / CLOCK_TICKS


def database_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its backends do a page's queries)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, latency percentiles (ms), errors and non-2xx/3xx answers from wrk."""
    result = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for share in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{share}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{share}_ms"] = to_ms(match.group(1)) if match else None
    requests = re.search(r"(\d+) requests in", output)
    result["requests"] = int(requests.group(1)) if requests else None
    if not result["requests"]:  # nothing finished in time: wrk prints zeros, not latencies
        result.update(dict.fromkeys(("p50_ms", "p75_ms", "p90_ms", "p99_ms")))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx_3xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = errors.group(1).strip() if errors else ""
    return result


def wrk(
    binary: str, url: str, threads: int, connections: int, duration: int, cookie: str | None
) -> dict:
    command = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        *(["--header", f"Cookie: {cookie}"] if cookie else []),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def fetch(url: str, cookie: str | None = None) -> tuple[int, int]:
    """Status and body size of one GET (redirects are not followed: a 301 is a wrong URL,
    a 302 a session the forum did not take)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


def warm_up(server: Server, path: str, requests: int, cookie, seconds: float = 5) -> None:
    """Up to `requests` requests, for at most about `seconds` (slow pages get fewer)."""
    deadline = time.monotonic() + seconds
    for _ in range(requests):
        fetch(server.base + path, cookie)
        if time.monotonic() > deadline:
            break


def settle(server: Server, path: str, workers: int) -> None:
    """Wait for the requests wrk left queued when it stopped: sync workers still serve them,
    and the next run would otherwise start behind them. Requests sent now queue after
    them; once a couple per worker, sent together, have all been answered, the queue is
    empty."""
    with ThreadPoolExecutor(2 * workers) as pool:
        list(pool.map(lambda _: fetch(server.base + path), range(2 * workers)))


def measure(
    server: Server, pages: dict[str, str], args, wrk_binary: str, cookies: dict[str, str]
) -> list[dict]:
    rows = []
    for name, path in pages.items():
        viewer = name.split(": ", 1)[0] if ": " in name else "visitor"
        cookie = cookies.get(viewer)
        status, size = fetch(server.base + path, cookie)
        row = {"page": name, "viewer": viewer, "path": path, "status": status, "bytes": size}
        if status != 200:
            print(f"  {name}: {path} answered {status}; measuring it anyway", file=sys.stderr)
        warm_up(server, path, args.warmup, cookie)
        print(f"  {name}: {args.connections} connections, {args.duration} s", file=sys.stderr)
        # CPU per request, of the workers and of PostgreSQL: on a busy or shared machine
        # requests/s move with the neighbours, the work each request costs much less.
        database = database_pids()
        used = server.workers_cpu_seconds(), cpu_seconds(database)
        row["loaded"] = wrk(
            wrk_binary, server.base + path, args.threads, args.connections, args.duration, cookie
        )
        requests = row["loaded"]["requests"] or 1
        row["loaded"]["app_cpu_ms"] = (server.workers_cpu_seconds() - used[0]) * 1000 / requests
        row["loaded"]["database_cpu_ms"] = (cpu_seconds(database) - used[1]) * 1000 / requests
        settle(server, path, args.workers)
        if not args.no_single:
            print(f"  {name}: 1 connection, {args.duration} s", file=sys.stderr)
            row["single"] = wrk(wrk_binary, server.base + path, 1, 1, args.duration, cookie)
            settle(server, path, args.workers)
        rows.append(row)
    return rows


def statements_per_page(
    app, pages: dict[str, str], cookies: dict[str, str]
) -> dict[str, int | None]:
    clients = {"visitor": app.test_client()}
    for viewer, cookie in cookies.items():
        clients[viewer] = app.test_client()
        clients[viewer].set_cookie(*cookie.split("=", 1))  # the jar's, not a header
    counts = {}
    for name, path in pages.items():
        client = clients[name.split(": ", 1)[0] if ": " in name else "visitor"]
        client.get(path)  # a session's first request notes when it was seen
        try:
            counts[name] = count_statements(app, lambda path=path, client=client: client.get(path))
        except AssertionError:  # not a 200
            counts[name] = None
    return counts


# --- reporting -------------------------------------------------------------------------


def machine(database_url: str) -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    facts = {
        "nproc": os.cpu_count(),
        "ram_gib": round(total_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": os.getloadavg(),
    }
    try:
        cpu = re.search(r"model name\s+: (.*)", Path("/proc/cpuinfo").read_text())
        facts["cpu"] = cpu.group(1) if cpu else platform.processor()
    except OSError:
        pass
    for tool, command in (("gunicorn", [str(GUNICORN), "--version"]), ("wrk", ["wrk", "-v"])):
        shown = subprocess.run(command, capture_output=True, text=True)
        facts[tool] = (shown.stdout or shown.stderr).splitlines()[0].strip()
    if database_url.startswith("postgresql"):
        url = sa.make_url(database_url).set(drivername="postgresql+psycopg")
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            facts["postgresql"] = connection.scalar(sa.text("SHOW server_version"))
        engine.dispose()
    return facts


def fmt(value, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def print_table(results: dict) -> None:
    ceiling = results["pages"][0]["loaded"]["requests_per_s"]
    c = results["config"]
    print()
    print(
        f"{c['workers']} sync workers; wrk -t{c['threads']} -c{c['connections']} "
        f"-d{c['duration']}s; database {results['database']}"
    )
    header = (
        f"{'page':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x ceil':>7} "
        f"{'1-conn p50':>10} {'CPU ms app':>10} {'db':>5} {'bytes':>8} {'SQL':>4} {'status':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in results["pages"]:
        loaded = row["loaded"]
        single = row.get("single") or {}
        bad = loaded["non_2xx_3xx"]
        status = str(row["status"]) + (f" ({bad} bad)" if bad else "")
        print(
            f"{row['page']:<32} {rate(loaded['requests_per_s']):>8} "
            f"{fmt(loaded['p50_ms'], '8.1f')} {fmt(loaded['p99_ms'], '8.1f')} "
            f"{loaded['requests_per_s'] / ceiling:>7.3f} "
            f"{fmt(single.get('p50_ms'), '10.1f')} {fmt(loaded.get('app_cpu_ms'), '10.2f')} "
            f"{fmt(loaded.get('database_cpu_ms'), '5.2f')} {row['bytes']:>8,} "
            f"{fmt(row.get('statements'), '4d')} {status:>6}"
        )
    for name, sizes in results["worker_rss_mib"].items():
        shown = ", ".join(f"{size:.0f}" for size in sizes)
        print(f"worker RSS after the run, {name}: {shown} MiB")


# --- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a database seeded by bench/seed.py")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--warmup", type=int, default=20, help="requests per page before wrk")
    parser.add_argument("--no-single", action="store_true", help="skip the 1-connection runs")
    parser.add_argument(
        "--visitors-only", action="store_true", help="no signed-in member or moderator pages"
    )
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument("--json", type=Path, help="save the results here")
    args = parser.parse_args()

    url = args.database_url
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("Benchmarks only ever target 127.0.0.1.")
    wrk_binary = ensure_wrk()
    app = forum_app(url)
    pages = find_pages(app)
    cookies = {} if args.visitors_only else signed_in_cookies(url)
    if args.visitors_only:
        pages = {name: path for name, path in pages.items() if ": " not in name}
    if args.only:
        pages = {name: path for name, path in pages.items() if args.only in name}
    results = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": parsed.render_as_string(hide_password=True),
        "machine": machine(url),
        "config": {
            "workers": args.workers,
            "connections": args.connections,
            "threads": args.threads,
            "duration": args.duration,
            "warmup_requests": args.warmup,
            "rate_limit": RATE_LIMIT,
        },
        "pages": [],
        "worker_rss_mib": {},
    }
    env = {
        "FORUM_DATABASE_URL": url,
        "FORUM_SECRET_KEY": SECRET_KEY,
        "FORUM_RATELIMIT_DEFAULT": RATE_LIMIT,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name, target, measured in (
        ("ceiling", "bench.ceiling:app", {"ceiling": "/"}),
        ("forum", "wsgi:app", pages),
    ):
        server = Server(target, args.workers, env)
        results["config"][f"gunicorn_{name}"] = " ".join(server.command[1:])
        print(f"{name}: {' '.join(server.command)}", file=sys.stderr)
        try:
            server.start()
            results["pages"] += measure(server, measured, args, wrk_binary, cookies)
            results["worker_rss_mib"][name] = server.worker_rss_mib()
        finally:
            server.stop()

    counts = statements_per_page(app, pages, cookies)
    for row in results["pages"]:
        row["statements"] = counts.get(row["page"], 0 if row["page"] == "ceiling" else None)
    with app.app_context():
        db.engine.dispose()
    results["machine"]["load_average_after"] = os.getloadavg()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"saved {args.json}")


if __name__ == "__main__":
    main()
