"""What a load balancer and monitoring ask a host: is the process alive (/healthz), can it
serve pages, its database answering (/readyz), and its figures (/metrics, for Prometheus,
to the addresses in METRICS_ALLOW only). None counts against the rate limits."""

from ipaddress import ip_address, ip_network

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from forum.extensions import db, limiter, utcnow, without_session
from forum.jobs import services as jobs
from forum.metrics import exposition

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@without_session
@limiter.exempt
def live():
    """The process answers: nothing else is asked, so a slow database never gets a
    healthy host restarted."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
@without_session  # it asks the database on a connection of its own, and says if it fails
@limiter.exempt
def ready():
    """200 while the database answers; 503 when it does not, so the load balancer sends
    pages to another host. Without Redis the host still serves (each worker counts the
    rate limits on its own, forum/ratelimit.py): "degraded", still 200."""
    checks = {"database": "ok" if _database_answers() else "down"}
    shared = limiter.shared_counters_answer()
    if shared is not None:
        checks["redis"] = "ok" if shared else "down: rate limits counted by each worker"
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif shared is False:
        status, code = "degraded", 200
    else:
        status, code = "ready", 200
    return _no_store(jsonify(status=status, checks=checks)), code


@bp.get("/metrics")
@without_session  # the figures from the database are read on a connection of their own
@limiter.exempt
def metrics():
    """404 to anyone not in METRICS_ALLOW: the figures say how busy the forum is and which
    jobs fail, which is nobody else's business."""
    if not _allowed(request.remote_addr):
        abort(404)
    body, content_type = exposition(_DatabaseFigures())
    return _no_store(current_app.response_class(body, content_type=content_type))


def _allowed(address: str | None) -> bool:
    if address is None:
        return False
    networks = current_app.config["METRICS_ALLOW"]
    try:
        return any(ip_address(address) in ip_network(net, strict=False) for net in networks)
    except ValueError:
        return False


class _DatabaseFigures(Collector):
    """The jobs and their backlogs, read from the database at each scrape: any host may
    have done the work, so no host's own counters would say."""

    def collect(self):
        now = utcnow()
        failures = GaugeMetricFamily(
            "forum_job_failures_in_a_row", "Failed runs in a row, by job", labels=["job"]
        )
        since = GaugeMetricFamily(
            "forum_job_last_run_age_seconds", "Seconds since each job last ended", labels=["job"]
        )
        overdue = GaugeMetricFamily(
            "forum_job_overdue_seconds",
            "Seconds a job is past its due time (0 when not due)",
            labels=["job"],
        )
        outcomes = GaugeMetricFamily(
            "forum_job_runs_recorded",
            "Runs on record (the last JOB_RUNS_KEEP_DAYS), by job and outcome",
            labels=["job", "outcome"],
        )
        waiting = GaugeMetricFamily(
            "forum_backlog_items", "Items waiting for a job", labels=["backlog"]
        )
        oldest = GaugeMetricFamily(
            "forum_backlog_oldest_seconds", "Age of the oldest waiting item", labels=["backlog"]
        )
        try:
            for job, last in jobs.list_jobs():
                failures.add_metric([job.name], job.failures)
                overdue.add_metric([job.name], max(0.0, (now - job.next_run_at).total_seconds()))
                if last is not None and last.finished_at is not None:
                    since.add_metric([job.name], (now - last.finished_at).total_seconds())
            for (job, outcome), count in jobs.count_runs().items():
                outcomes.add_metric([job, outcome], count)
            for backlog in jobs.list_backlogs(now):
                waiting.add_metric([backlog.name], backlog.waiting)
                oldest.add_metric([backlog.name], backlog.oldest_seconds)
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            return  # /readyz says the database is down; the process figures still go out
        finally:
            db.session.remove()
        yield from (failures, since, overdue, outcomes, waiting, oldest)


def _database_answers() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
