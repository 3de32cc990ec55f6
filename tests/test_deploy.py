"""deploy/: HAProxy accepts the load balancer's configuration, and the systemd units run
commands the forum has, with settings it reads."""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from forum import config as forum_config
from forum.cli import forum_cli

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNDER_CI = os.environ.get("CI") == "true"


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys keep their case
    unit.read_string((DEPLOY / name).read_text().replace("\\\n", " "))
    return unit


@pytest.mark.skipif(
    not UNDER_CI and shutil.which("haproxy") is None,
    reason="HAProxy is not installed (under CI=true, .ci/run installs it)",
)
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
