"""Two app hosts behind HAProxy, on 127.0.0.1, proving the forum runs on several machines.

    .venv/bin/python -m bench.cluster \\
        --database-url postgresql://postgres@127.0.0.1:5432/firsthand_cluster

Seeds a small forum (bench/seed.py) in that PostgreSQL database, then starts: a real
OpenID provider, an SMTP server, and two app hosts (gunicorn and `flask forum jobs` each,
in working directories of their own, as two machines would have) sharing the database
and Redis (127.0.0.1:6379), behind HAProxy run with deploy/haproxy.cfg (for plain http on
127.0.0.1, these two hosts, health checks every 500 ms). Then, through the balancer:

- the load test of bench/load.py (members sign in through the OpenID provider and reply,
  each client from an address of its own, 127.0.0.x); host 1 is killed with SIGKILL at
  --kill-at and started again at --restart-at, and Redis is stopped for 10 s from
  --redis-stop-at. Every acknowledged reply must be in the database exactly once, the
  counters must match the rows, and no request may fail but those in flight on the host
  when it was killed;
- a member signed in through one host is signed in on the other; a reply made on one host
  shows on the other's next view of the thread; the per-address sign-in limit trips at its
  limit across both hosts; with both hosts' jobs running, every due mail reaches the SMTP
  server once, and an export built by one host downloads from both; /readyz goes 503
  while PostgreSQL is stopped and 200 after.

Prints one table and exits 1 when anything does not hold. Only 127.0.0.1 is a target.
Stopping PostgreSQL and Redis needs the rights to (root, as CI runs it).
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project

from bench.load import (  # noqa: E402
    GRACE,
    NEVER,
    PROVIDER,
    Client,
    OpenIDProvider,
    Run,
    check_counters,
    check_posts,
    cluster_version,
    csrf_token,
    engine_for,
    replyable_threads,
)
from bench.run import GUNICORN, SECRET_KEY, free_port  # noqa: E402
from forum.ratelimit import RETRY_SHARED_AFTER_SECONDS  # noqa: E402

FLASK = ROOT / ".venv" / "bin" / "flask"
DEPLOY = ROOT / "deploy" / "haproxy.cfg"
REDIS_PORT = 6379
# The sign-in limit keeps its production value; the others never trip (all the load comes
# from a few addresses).
LIMITS = {
    "FORUM_RATELIMIT_DEFAULT": NEVER,
    "FORUM_RATELIMIT_POSTS": NEVER,
    "FORUM_RATELIMIT_POSTS_NEW": NEVER,  # the clients' accounts are new
    "FORUM_RATELIMIT_THREADS": NEVER,
    "FORUM_RATELIMIT_SIGN_IN": "20 per minute",
}
SIGN_IN_LIMIT = 20
MAILS = 30


def balancer_configuration(port: int, servers: list[int], inter: str = "2s") -> str:
    """deploy/haproxy.cfg as it is, but for plain http on 127.0.0.1:`port`, the app hosts
    on `servers` (ports on 127.0.0.1), health checks every `inter`, and each answer naming
    the host that gave it (X-Served-By)."""
    lines = []
    for line in DEPLOY.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith(("bind :443", "http-request redirect scheme", "log /dev/log")):
            continue
        if stripped.startswith("server app"):
            continue
        if stripped == "bind :80":
            line = f"    bind 127.0.0.1:{port}"
        lines.append(line.replace("inter 2s", f"inter {inter}"))
        if stripped == "default_backend app":
            lines.insert(-1, "    http-response set-header X-Served-By %s")
    lines += [f"    server app{n} 127.0.0.1:{p}" for n, p in enumerate(servers, 1)]
    return "\n".join(lines) + "\n"


# --- the pieces ----------------------------------------------------------------------------


class Host:
    """One app host: gunicorn and the jobs process, in a working directory of its own."""

    def __init__(self, name: str, env: dict[str, str], home: Path, logs: Path):
        self.name, self.home, self.logs = name, home / name, logs
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "HOME": str(self.home)}
        self.web: subprocess.Popen | None = None
        self.jobs: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, command: list[str], log: str) -> subprocess.Popen:
        with open(self.logs / f"firsthand-cluster-{self.name}-{log}.log", "a") as out:
            return subprocess.Popen(
                command,
                cwd=self.home,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self, timeout: float = 60) -> None:
        self.web = self._spawn(
            [
                str(GUNICORN),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
                "--chdir",
                str(self.home),
                "wsgi:app",
            ],
            "gunicorn",
        )
        self.jobs = self._spawn(
            [str(FLASK), "--app", "wsgi", "forum", "jobs", "--poll", "0.5"], "jobs"
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn exited; see {self.logs}")
            try:
                if requests.get(self.base + "/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s")

    def kill(self) -> None:
        """What a machine that dies does: everything stops at once."""
        for process in (self.web, self.jobs):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop(self) -> None:
        for process in (self.jobs, self.web):
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Balancer:
    def __init__(self, hosts: list[Host], home: Path, logs: Path):
        self.port = free_port()
        self.config = home / "haproxy.cfg"
        self.config.write_text(balancer_configuration(self.port, [h.port for h in hosts], "500ms"))
        self.log = logs / "firsthand-cluster-haproxy.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: answers(self.base + "/healthz"), "HAProxy to answer", 20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


class Inbox:
    """An SMTP server on 127.0.0.1 that keeps the subject of every mail it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.subjects: list[str] = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                match = re.search(rb"^Subject: (.*)$", envelope.content, re.M)
                inbox.subjects.append(match.group(1).decode().strip() if match else "")
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class SourceAdapter(HTTPAdapter):
    """Connections from a loopback address of the client's own (127.0.0.x), so the
    balancer, and so the rate limits, see each client as the address it is."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class ClusterClient(Client):
    def __init__(self, run: Run, index: int):
        super().__init__(run, index)
        self.http.mount("http://", SourceAdapter(f"127.0.0.{10 + index}"))

    def fetch(self, method: str, url: str, **kwargs) -> requests.Response:
        """A request straight to one host, keeping the cookies as bench/load.py's send does
        (127.0.0.1 is a secure context to browsers: they send it Secure cookies)."""
        response = self.http.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        for cookie in self.http.cookies:
            cookie.secure = False
        return response


@dataclass
class Check:
    name: str
    held: bool
    detail: str


# --- helpers -----------------------------------------------------------------------------


def answers(url: str, status: int = 200, **kwargs) -> bool:
    try:
        return requests.get(url, timeout=5, **kwargs).status_code == status
    except requests.RequestException:
        return False


def wait_for(condition, what: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    print(f"waited {seconds:.0f} s for {what}", file=sys.stderr)
    return False


def redis_stop() -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "shutdown", "nosave"],
        capture_output=True,
    )


def redis_start() -> None:
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tempfile.gettempdir(),
        ],
        check=True,
        capture_output=True,
    )
    wait_for(
        lambda: (
            subprocess.run(
                ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True
            ).returncode
            == 0
        ),
        "Redis to start",
        20,
    )


def postgres(action: str, url: sa.URL) -> None:
    version = cluster_version(url.port or 5432)
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if os.geteuid() != 0:
        command = ["sudo", *command]
    subprocess.run(command, check=True, capture_output=True)


def sql(url: str, statement: str, **values):
    engine = engine_for(url)
    with engine.begin() as connection:
        result = connection.execute(sa.text(statement), values)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


# --- the run -----------------------------------------------------------------------------


def load(args, balancer: Balancer, hosts: list[Host], url: str, readiness: list) -> Run:
    """The load test through the balancer, with host 1 killed and Redis stopped."""
    run = Run(args, balancer.base, replyable_threads(url))
    clients = [ClusterClient(run, i) for i in range(args.clients)]
    for client in clients:
        client.thread.start()
    run.signed_in.wait()
    print(f"{args.clients} clients signed in; replying for {args.duration} s", file=sys.stderr)

    def at(seconds, action):
        timer = threading.Timer(max(0.0, run.t0 + seconds - time.monotonic()), action)
        timer.start()
        return timer

    def kill():
        run.kill_at = time.monotonic() - run.t0
        hosts[0].kill()

    def restart():
        hosts[0].start()
        run.restarted_at = time.monotonic() - run.t0

    def redis_outage():
        run.redis_stopped_at = time.monotonic() - run.t0
        redis_stop()
        time.sleep(2)
        readiness.append(("redis down", requests.get(hosts[1].base + "/readyz", timeout=5)))
        time.sleep(8)
        redis_start()
        run.redis_started_at = time.monotonic() - run.t0
        time.sleep(1)
        readiness.append(("redis back", requests.get(hosts[1].base + "/readyz", timeout=5)))

    timers = [
        at(args.kill_at, kill),
        at(args.restart_at, restart),
        at(args.redis_stop_at, redis_outage),
    ]
    for client in clients:
        client.thread.join(args.duration + GRACE + 60)
    for timer in timers:
        timer.join()
    run.clients = clients
    return run


def failed_requests(run: Run) -> tuple[list, list]:
    """Requests that got no answer or a 5xx: those in flight on host 1 when it was killed
    (started before, answered after), and all others."""
    in_flight, others = [], []
    kill = getattr(run, "kill_at", None)
    for event in run.events:
        if event.status is not None and event.status < 500:
            continue
        if kill is not None and event.at <= kill + 0.05 and event.at + event.seconds >= kill - 0.05:
            in_flight.append(event)
        else:
            others.append(event)
    return in_flight, others


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to fill")
    parser.add_argument("--posts", type=int, default=2000, help="posts to seed")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=30, help="seconds of replying")
    parser.add_argument("--kill-at", type=float, default=10)
    parser.add_argument("--restart-at", type=float, default=15)
    parser.add_argument("--redis-stop-at", type=float, default=18)
    parser.add_argument("--retry-pause", type=float, default=1.0)
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--json", type=Path, help="save the checks here")
    args = parser.parse_args()

    url = sa.make_url(args.database_url)
    if url.get_backend_name() != "postgresql" or url.host not in ("127.0.0.1", "localhost"):
        raise SystemExit("The cluster runs on a PostgreSQL database on 127.0.0.1.")
    for tool in ("haproxy", "redis-server", "redis-cli", "pg_ctlcluster"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is not installed (Debian packages haproxy, redis-server, "
                "postgresql-common)."
            )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.seed",
            "--database-url",
            args.database_url,
            "--posts",
            str(args.posts),
            "--replace",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    database = args.database_url
    tag = secrets.token_hex(3)
    checks: list[Check] = []
    home = Path(tempfile.mkdtemp(prefix="firsthand-cluster-"))
    provider = OpenIDProvider(args.logs / "firsthand-cluster-oidc.log")
    inbox = Inbox()
    hosts: list[Host] = []
    balancer = None
    try:
        provider.start()
        inbox.start()
        env = {
            "FORUM_DATABASE_URL": database,
            "FORUM_SECRET_KEY": SECRET_KEY,
            "FORUM_REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "FORUM_RATELIMIT_KEY_PREFIX": f"cluster-{tag}",
            "FORUM_PROXY_FIX": "true",
            "FORUM_OIDC_PROVIDERS": json.dumps(
                [
                    {
                        "name": PROVIDER,
                        "title": "Cluster test ID",
                        "discovery_url": f"{provider.url}/.well-known/openid-configuration",
                        "client_id": "firsthand-cluster",
                        "client_secret": "not-checked-by-the-mock",
                    }
                ]
            ),
            "FORUM_MAIL_HOST": "127.0.0.1",
            "FORUM_MAIL_PORT": str(inbox.port),
            "FORUM_MAIL_USE_TLS": "false",
            "FORUM_MAIL_FROM": "Firsthand <notifications@forum.test>",
            "FORUM_NEW_MEMBER_APPROVAL_POSTS": "0",
            "FORUM_EXPORT_INLINE_MAX_POSTS": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            **LIMITS,
        }
        hosts = [Host(f"host{n}", env, home, args.logs) for n in (1, 2)]
        balancer = Balancer(hosts, home, args.logs)
        for host in hosts:
            host.env["FORUM_BASE_URL"] = balancer.base
            host.start()
        balancer.start()

        # 1. Load, a host killed and started again, Redis stopped for 10 s.
        readiness: list = []
        run = load(SimpleNamespace(**vars(args)), balancer, hosts, database, readiness)
        posts = check_posts(database, run)
        wrong, checked = check_counters(database, run.tag)
        in_flight, others = failed_requests(run)
        failed_clients = [c.failure for c in run.clients if c.failure]
        checks.append(
            Check(
                "every acknowledged reply stored once",
                posts["acknowledged"] > 0
                and posts["missing"] == 0
                and posts["duplicates"] == 0
                and posts["acknowledged_as_another_post"] == 0
                and not failed_clients,
                f"{posts['acknowledged']} acknowledged, {posts['in_database']} found once, "
                f"{posts['missing']} missing, {posts['duplicates']} twice"
                + (f"; clients failed: {failed_clients}" if failed_clients else ""),
            )
        )
        checks.append(
            Check(
                "counters match the rows",
                not any(wrong.values()),
                f"{sum(checked.values())} values checked; wrong: "
                + (", ".join(f"{k} {len(v)}" for k, v in wrong.items() if v) or "none"),
            )
        )
        checks.append(
            Check(
                "no request failed but those in flight on the killed host",
                not others,
                f"{len(run.events)} requests; {len(in_flight)} in flight at the kill "
                f"(+{getattr(run, 'kill_at', 0):.1f} s); others failed: {len(others)}"
                + "".join(f"; +{e.at:.1f}s {e.kind} {e.status}" for e in others[:5]),
            )
        )
        served_by = {
            requests.get(balancer.base + "/guidelines", timeout=10).headers.get("X-Served-By")
            for _ in range(20)
        }
        checks.append(
            Check(
                "the killed host is back in the balancer",
                served_by == {"app1", "app2"},
                f"after the restart (+{getattr(run, 'restarted_at', 0):.1f} s) pages came from "
                f"{sorted(s for s in served_by if s)}",
            )
        )
        redis = dict((name, r) for name, r in readiness)
        down, back = redis.get("redis down"), redis.get("redis back")
        checks.append(
            Check(
                "Redis stopped for 10 s stops nothing; /readyz says degraded, then ready",
                down is not None
                and down.status_code == 200
                and down.json().get("status") == "degraded"
                and back is not None
                and back.json().get("status") == "ready",
                f"/readyz while down: {down.status_code if down is not None else '-'} "
                f"{down.json().get('status') if down is not None else ''}; after: "
                f"{back.json().get('status') if back is not None else '-'}",
            )
        )

        # 2. One member, two hosts.
        member = ClusterClient(run, 99)
        member.member = f"load-{run.tag}-shared"
        member.sign_in(first=True)
        seen = [member.member in member.fetch("GET", h.base + "/").text for h in hosts]
        checks.append(
            Check(
                "signed in through one host, signed in on the other",
                all(seen),
                f"pseudonym on host1's page: {seen[0]}, on host2's: {seen[1]}",
            )
        )

        thread_id, path = run.threads[0]
        [(count,)] = sql(database, "SELECT post_count FROM threads WHERE id = :id", id=thread_id)
        last = f"{path}?page={count // 20 + 1}"  # where the next reply goes
        before = requests.get(hosts[1].base + last, timeout=10).text  # host2 keeps it
        page = member.fetch("GET", hosts[0].base + path).text
        body = f"Seen from the other host? ({tag})"
        sent = member.fetch(
            "POST",
            hosts[0].base + f"/t/{thread_id}/reply",
            data={"csrf_token": csrf_token(page), "body": body, "submission_key": f"x-{tag}"},
        )
        after = requests.get(hosts[1].base + last, timeout=10).text
        checks.append(
            Check(
                "a reply made on one host shows on the other's next view",
                sent.status_code == 302 and body not in before and body in after,
                f"reply {sent.status_code}; on host2 before: {body in before}, "
                f"after: {body in after}",
            )
        )

        # 3. The per-address limit, counted across hosts (an address of its own). A worker
        # that found Redis down counts on its own for up to RETRY_SHARED_AFTER_SECONDS
        # after it returns (forum/ratelimit.py): past that, all count in Redis again.
        back_since = time.monotonic() - run.t0 - getattr(run, "redis_started_at", 0)
        time.sleep(max(0.0, RETRY_SHARED_AFTER_SECONDS + 1 - back_since))
        statuses = []
        for n in range(SIGN_IN_LIMIT + 2):
            statuses.append(
                requests.get(
                    hosts[n % 2].base + f"/login/{PROVIDER}",
                    allow_redirects=False,
                    timeout=10,
                    headers={"X-Forwarded-For": "10.77.0.9"},
                ).status_code
            )
        checks.append(
            Check(
                f"the sign-in limit ({SIGN_IN_LIMIT} a minute) trips across both hosts",
                statuses[:SIGN_IN_LIMIT] == [302] * SIGN_IN_LIMIT
                and statuses[SIGN_IN_LIMIT:] == [429, 429],
                f"answers, alternating hosts: {SIGN_IN_LIMIT} × 302 then {statuses[SIGN_IN_LIMIT:]}"
                if statuses[:SIGN_IN_LIMIT] == [302] * SIGN_IN_LIMIT
                else f"answers: {statuses}",
            )
        )

        # 4. Mail, with both hosts' jobs running: made due, each sent once.
        for n in range(MAILS):
            sql(
                database,
                "INSERT INTO outgoing_mail (to_address, subject, body_text, kind,"
                " dedupe_key, created_at, attempts, next_attempt_at) VALUES (:to, :subject,"
                " 'Hello.', 'instant', :key, now(), 0, now())",
                to=f"reader{n}@example.org",
                subject=f"Cluster mail {tag} {n}",
                key=f"cluster-{tag}-{n}",
            )
        sql(database, "UPDATE jobs SET next_run_at = now() WHERE name = 'send-mail'")
        mine = [f"Cluster mail {tag} {n}" for n in range(MAILS)]
        wait_for(lambda: sum(s in mine for s in inbox.subjects) >= MAILS, "the mail", 60)
        time.sleep(3)  # long enough for any second sending to arrive
        got = [s for s in inbox.subjects if s in mine]
        checks.append(
            Check(
                "every due mail reaches the SMTP server exactly once",
                sorted(got) == sorted(mine),
                f"{MAILS} due, {len(got)} received, {len(set(got))} different",
            )
        )

        # 5. An export built by whichever host's jobs took it, downloaded from both.
        settings = member.fetch("GET", hosts[0].base + "/settings/export").text
        asked = member.fetch(
            "POST", hosts[0].base + "/settings/export", data={"csrf_token": csrf_token(settings)}
        )
        export_id = int(asked.headers.get("Location", "/0").rsplit("/", 1)[-1] or 0)
        sql(database, "UPDATE jobs SET next_run_at = now() WHERE name = 'build-exports'")
        wait_for(
            lambda: (
                sql(database, "SELECT status FROM data_exports WHERE id = :id", id=export_id)
                == [("ready",)]
            ),
            "the export",
            60,
        )
        builder = sql(
            database,
            "SELECT host FROM job_runs WHERE job = 'build-exports' ORDER BY id DESC LIMIT 1",
        )
        downloads = [
            member.fetch("GET", h.base + f"/settings/export/{export_id}/download") for h in hosts
        ]
        checks.append(
            Check(
                "an export built on one host downloads from the other",
                all(d.status_code == 200 and d.content[:2] == b"PK" for d in downloads),
                f"built by {builder[0][0] if builder else '-'}; downloads: "
                + ", ".join(f"{d.status_code} ({len(d.content):,} bytes)" for d in downloads),
            )
        )

        # 6. PostgreSQL stopped: both hosts say so; then they are ready again.
        postgres("stop", url)
        try:
            stopped = [requests.get(h.base + "/readyz", timeout=10).status_code for h in hosts]
        finally:
            postgres("start", url)
        ready = wait_for(
            lambda: all(answers(h.base + "/readyz") for h in hosts),
            "the hosts to be ready again",
            30,
        )
        checks.append(
            Check(
                "/readyz is 503 while PostgreSQL is stopped, 200 after",
                stopped == [503, 503] and ready,
                f"while stopped: {stopped}; ready again: {ready}",
            )
        )
    finally:
        if balancer is not None:
            balancer.stop()
        for host in hosts:
            host.stop()
        inbox.stop()
        provider.stop()
        shutil.rmtree(home, ignore_errors=True)

    width = max(len(c.name) for c in checks)
    print(f"\n{'check':{width}}  held  detail")
    print("-" * (width + 60))
    for check in checks:
        print(f"{check.name:{width}}  {'yes ' if check.held else 'NO  '}  {check.detail}")
    if args.json:
        args.json.write_text(json.dumps([vars(c) for c in checks], indent=1) + "\n")
    if not all(c.held for c in checks):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
