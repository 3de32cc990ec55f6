"""What a host reports to Prometheus at /metrics (forum/health/views.py): requests and their
latency by endpoint and status, SQL statements per request, the database pool, the
rendered-page cache. The jobs' runs and the queues' ages are read from the database when
asked, since any host may have done the work.

Under gunicorn each worker is a process with its own counters: with PROMETHEUS_MULTIPROC_DIR
set (an empty folder per host, emptied when the service starts; deploy/), a scrape adds up
every worker's, as prometheus_client's multiprocess mode does. Without it, a scrape reports
the worker that answered it."""

import os
import time
from functools import cache

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import REGISTRY, Collector

from forum.extensions import db

REQUESTS = Counter("forum_requests", "Requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "forum_request_seconds",
    "Time to answer a request, by endpoint",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
STATEMENTS = Histogram(
    "forum_request_statements",
    "SQL statements a request ran, by endpoint",
    ["endpoint"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34),
)
RENDERED_PAGES = Counter(
    "forum_rendered_pages", "Visitors' pages asked of the rendered-page cache", ["result"]
)
POOL_CHECKED_OUT = Gauge(
    "forum_db_connections_in_use",
    "Database connections checked out of the pool",
    multiprocess_mode="livesum",
)

# Requests whose numbers say nothing about the pages (the checks themselves, static files).
UNMEASURED = frozenset({None, "static", "health.live", "health.ready", "health.metrics"})


def register_metrics(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    # One listener for every engine the process makes (tests make many apps).
    if not sa.event.contains(sa.engine.Engine, "before_cursor_execute", _count_statement):
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", _count_statement)


def _start() -> None:
    g.metrics_started = time.perf_counter()
    g.metrics_statements = 0


def _count_statement(conn, cursor, statement: str, *args) -> None:
    # The statements a request asked for; not the transaction's own BEGIN (SQLite's).
    if has_request_context() and "metrics_statements" in g and not statement.startswith(_FRAMING):
        g.metrics_statements += 1


_FRAMING = ("BEGIN", "COMMIT", "ROLLBACK")


def _finish(response):
    endpoint = request.endpoint
    if endpoint in UNMEASURED:
        return response
    requests, latency, statements = _series(endpoint, request.method, response.status_code)
    requests.inc()
    # A request refused before _start ran (a rate limit's 429) is counted, not timed.
    if "metrics_started" in g:
        latency.observe(time.perf_counter() - g.metrics_started)
        statements.observe(g.metrics_statements)
    POOL_CHECKED_OUT.set(_checked_out(db.engine.pool))
    return response


@cache
def _series(endpoint: str, method: str, status: int):
    """The labelled series of one kind of request, looked up once: labels() takes a lock
    and checks its arguments on every call."""
    return (
        REQUESTS.labels(endpoint, method, str(status)),
        LATENCY.labels(endpoint),
        STATEMENTS.labels(endpoint),
    )


def _checked_out(pool) -> int:
    checked_out = getattr(pool, "checkedout", None)
    return checked_out() if checked_out else 0


_HIT, _MISS = RENDERED_PAGES.labels("hit"), RENDERED_PAGES.labels("miss")


def rendered_page(hit: bool) -> None:
    (_HIT if hit else _MISS).inc()


def exposition(*collectors: Collector) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format: every worker's (multiprocess mode) or this
    process's, then those of `collectors`, read now."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    now = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        now.register(collector)
    return generate_latest(registry) + generate_latest(now), CONTENT_TYPE_LATEST
