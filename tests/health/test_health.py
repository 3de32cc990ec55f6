"""What a load balancer asks each host: /healthz (the process answers) and /readyz (the
database answers; Redis down is "degraded" and still serves)."""

import logging
import os
import shutil
import socket
import subprocess
import time

import pytest
import redis

from forum import create_app, ratelimit
from tests.conftest import base_config

NOBODY_LISTENS = "127.0.0.1:1"  # a port nothing listens on: connections are refused


def test_healthz_answers_without_asking_the_database(app, client, count_queries):
    with count_queries() as statements:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []


def test_readyz_is_ready_while_the_database_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def database_down(database_url, tmp_path):
    """The app, with its database not answering."""
    if database_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'forum.sqlite3'}"
    else:
        unreachable = f"postgresql://postgres@{NOBODY_LISTENS}/forum"
    return create_app(base_config(unreachable))


def test_readyz_is_503_when_the_database_does_not_answer(database_down):
    response = database_down.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {"database": "down"}}


def test_healthz_answers_while_the_database_does_not(database_down):
    """A host is alive though its database is down: restarting it would not help."""
    response = database_down.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_health_checks_never_use_up_the_rate_limit(make_app):
    """A load balancer asks every second or two, from one address."""
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()

    checks = [client.get(path).status_code for _ in range(5) for path in ("/healthz", "/readyz")]
    pages = [client.get("/guidelines").status_code for _ in range(3)]

    assert checks == [200] * 10
    assert pages == [200, 200, 429]


# -- Redis, for the shared rate limits ------------------------------------------------------


def test_with_redis_down_pages_are_served_and_limits_still_hold(make_app, caplog):
    """Each worker counts on its own while Redis does not answer, and says so once."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="3 per minute",
        REDIS_URL=f"redis://{NOBODY_LISTENS}/0",
    )
    client = app.test_client()

    with caplog.at_level(logging.WARNING, logger="forum.ratelimit"):
        statuses = [client.get("/guidelines").status_code for _ in range(4)]
    ready = client.get("/readyz")

    assert statuses == [200, 200, 200, 429]
    warnings = [record.message for record in caplog.records if record.name == "forum.ratelimit"]
    assert len(warnings) == 1
    assert "does not answer" in warnings[0]
    assert ready.status_code == 200
    assert ready.json == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "down: rate limits counted by each worker"},
    }


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of the test's own, on a free port, that the test may stop and start."""
    server = shutil.which("redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    processes = []

    def start():
        process = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
            stdout=subprocess.DEVNULL,
        )
        processes.append(process)
        client = redis.Redis(port=port, socket_timeout=1)
        for _ in range(100):
            try:
                if client.ping():
                    return client
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop():
        processes[-1].terminate()
        processes[-1].wait(10)

    yield port, start, stop
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.skipif(
    shutil.which("redis-server") is None and os.environ.get("CI") != "true",
    reason="redis-server is not installed (under CI=true this test runs and fails)",
)
def test_limits_go_back_to_redis_when_it_answers_again(make_app, own_redis, monkeypatch, caplog):
    port, start, stop = own_redis
    keys = start()
    monkeypatch.setattr(ratelimit, "RETRY_SHARED_AFTER_SECONDS", 0)
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="100 per minute",
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
    )
    client = app.test_client()
    assert client.get("/guidelines").status_code == 200
    assert len(keys.keys("*")) == 1  # counted in Redis

    stop()
    with caplog.at_level(logging.WARNING, logger="forum.ratelimit"):
        assert [client.get("/guidelines").status_code for _ in range(3)] == [200] * 3
        assert client.get("/readyz").json["status"] == "degraded"
        keys = start()  # an empty Redis, as after a restart without persistence
        assert client.get("/guidelines").status_code == 200

    assert client.get("/readyz").json["status"] == "ready"
    assert len(keys.keys("*")) == 1  # counting in Redis again
    messages = [record.message for record in caplog.records if record.name == "forum.ratelimit"]
    assert len(messages) == 2
    assert "does not answer" in messages[0]
    assert "answers again" in messages[1]
