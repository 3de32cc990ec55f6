"""The in-process rate-limit counters: they count, start again with each window, forget
what has expired, and start no thread as they go."""

import threading
import time

import pytest

from forum import ratelimit_storage
from forum.extensions import limiter
from forum.ratelimit_storage import InProcessStorage


@pytest.fixture
def clock(monkeypatch):
    """The storage's time, moved by hand."""
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit_storage.time, "time", lambda: now[0])
    return now


def test_counts_within_a_window_and_starts_again_after_it(clock):
    storage = InProcessStorage()
    assert [storage.incr("address", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("address") == 3

    clock[0] += 60
    assert storage.incr("address", 60) == 1


def test_expired_counters_are_dropped_by_the_next_sweep(clock):
    storage = InProcessStorage()
    storage.incr("gone quiet", 60)
    clock[0] += ratelimit_storage.SWEEP_EVERY_SECONDS
    storage.incr("still busy", 60)

    assert "gone quiet" not in storage.storage
    assert storage.get("still busy") == 1


def test_counting_starts_no_thread():
    """MemoryStorage starts a timer thread to expire counters whenever its last has ended."""
    storage = InProcessStorage()
    time.sleep(0.05)  # the thread MemoryStorage starts once, when created, has ended
    threads = threading.active_count()
    counted = []
    for _ in range(5):
        storage.incr("address", 60)
        counted.append(threading.active_count())
        time.sleep(0.02)
    assert counted == [threads] * 5


def test_without_redis_the_app_counts_in_process(make_app):
    """The limits themselves (429 past them) are tested in tests/test_app.py and elsewhere,
    on these counters: the tests run without Redis."""
    app = make_app(REDIS_URL=None, RATELIMIT_ENABLED=True)

    assert app.config["RATELIMIT_STORAGE_URI"] == "in-process://"
    with app.app_context():
        assert isinstance(limiter.storage, InProcessStorage)
