"""deploy/: HAProxy accepts the load balancer's configuration and, run in front of two app
hosts on 127.0.0.1, spreads the pages, sets the client's address and the request id, and
loses no request when a host goes away; the systemd units run commands the forum has, with
settings it reads."""

import configparser
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from bench.cluster import balancer_configuration
from forum import config as forum_config
from forum.cli import forum_cli

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNDER_CI = os.environ.get("CI") == "true"


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys keep their case
    unit.read_string((DEPLOY / name).read_text().replace("\\\n", " "))
    return unit


NEEDS_HAPROXY = pytest.mark.skipif(
    not UNDER_CI and shutil.which("haproxy") is None,
    reason="HAProxy is not installed (under CI=true, .ci/run installs it)",
)


@NEEDS_HAPROXY
def test_haproxy_accepts_the_configuration(tmp_path):
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=forum.example", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    bundle = tmp_path / "forum.pem"
    bundle.write_text(certificate.read_text() + key.read_text())
    configuration = tmp_path / "haproxy.cfg"
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "/etc/haproxy/certs/forum.pem" in text
    configuration.write_text(text.replace("/etc/haproxy/certs/forum.pem", str(bundle)))

    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(configuration)], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "WARNING" not in checked.stdout + checked.stderr


def test_the_balancer_sets_the_forwarded_address_and_checks_readiness():
    text = (DEPLOY / "haproxy.cfg").read_text()

    assert "http-request set-header X-Forwarded-For %[src]" in text
    assert "option forwardfor" not in text  # it appends to what the client sent
    assert "http-check send meth GET uri /readyz" in text


def test_the_app_unit_serves_the_forum_and_adds_up_its_workers_metrics():
    service = _unit("firsthand.service")["Service"]

    assert service["ExecStart"].split()[-1] == "wsgi:app"
    assert "gunicorn" in service["ExecStart"]
    assert service["Environment"] == f"PROMETHEUS_MULTIPROC_DIR=/run/{service['RuntimeDirectory']}"


def test_the_jobs_unit_runs_the_jobs_command_and_waits_for_the_job_under_way():
    service = _unit("firsthand-jobs.service")["Service"]
    words = service["ExecStart"].split()

    assert words[1:] == ["--app", "wsgi", "forum", "jobs"]
    assert forum_cli.get_command(None, "jobs") is not None
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 60


def test_the_units_settings_are_ones_the_forum_reads():
    """The environment file the units name holds FORUM_* settings: each unit's own
    Environment= lines name only settings some code reads."""
    for name in ("firsthand.service", "firsthand-jobs.service"):
        service = _unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/firsthand/forum.env"
        for assignment in service.get("Environment", "").split():
            key = assignment.split("=", 1)[0]
            assert key == "PROMETHEUS_MULTIPROC_DIR" or hasattr(
                forum_config, key.removeprefix("FORUM_")
            ), key


# -- the balancer in front of two app hosts, on 127.0.0.1 ----------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Host:
    """An app host: the forum under a threaded WSGI server on a port of its own, counting
    the requests it answers."""

    def __init__(self, app, port: int):
        self.app, self.port, self.answered = app, port, 0
        self.server = None

    def __call__(self, environ, start_response):
        self.answered += 1
        return self.app(environ, start_response)

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def balancer(make_app, tmp_path):
    hosts = []
    for _ in range(2):
        app = make_app(PROXY_FIX=True, METRICS_ALLOW=["203.0.113.9"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
        hosts.append(_Host(app, _free_port()))
    for host in hosts:
        host.start()
    port = _free_port()
    configuration = tmp_path / "haproxy.cfg"
    configuration.write_text(balancer_configuration(port, [h.port for h in hosts], "200ms"))
    log = tmp_path / "haproxy.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["haproxy", "-db", "-f", str(configuration)], stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get(base + "/healthz").status == 200, f"HAProxy to answer ({log})")
        yield base, hosts
    finally:
        process.terminate()
        process.wait(10)
        for host in hosts:
            if host.server is not None:
                try:
                    host.stop()
                except OSError:
                    pass


def _get(url: str, headers: dict | None = None):
    """The status and headers of a GET (status None: no answer)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return SimpleNamespace(status=response.status, headers=response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return SimpleNamespace(status=error.code, headers=error.headers)
    except OSError:
        return SimpleNamespace(status=None, headers={})


def _wait_for(condition, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


@NEEDS_HAPROXY
def test_the_balancer_spreads_pages_and_names_each_request(balancer):
    base, hosts = balancer

    statuses = [_get(base + "/guidelines").status for _ in range(10)]
    answer = _get(base + "/guidelines")

    assert statuses == [200] * 10
    assert all(host.answered >= 4 for host in hosts)  # round robin, plus health checks
    # The balancer's id reached the app, which sent it back (not one of its own).
    reference = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9A-F]+(-[0-9A-F]+){4}", reference), reference


@NEEDS_HAPROXY
def test_the_client_cannot_choose_its_address_behind_the_balancer(balancer):
    """The app trusts X-Forwarded-For (FORUM_PROXY_FIX); the balancer sets it to the real
    client, so a client's own header changes nothing. Here /metrics is open to 203.0.113.9
    only: sent straight to a host, the forged header would pass."""
    base, hosts = balancer
    forged = {"X-Forwarded-For": "203.0.113.9"}

    through_the_balancer = _get(base + "/metrics", forged)
    straight_to_a_host = _get(f"http://127.0.0.1:{hosts[0].port}/metrics", forged)

    assert through_the_balancer.status == 404
    assert straight_to_a_host.status == 200


@NEEDS_HAPROXY
def test_a_host_that_goes_away_costs_no_request_and_comes_back(balancer):
    base, hosts = balancer
    gone, staying = hosts
    gone.stop()

    # At once, before the health checks notice: refused connections go to the other host.
    statuses = [_get(base + "/guidelines").status for _ in range(20)]
    assert statuses == [200] * 20

    gone.start()
    before = gone.answered
    _wait_for(
        lambda: _get(base + "/guidelines").status == 200 and gone.answered > before + 2,
        "the host to be sent pages again",
    )
