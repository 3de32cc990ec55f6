"""What a load balancer asks a host: is the process alive (/healthz), and can it serve
pages, its database answering (/readyz). Neither counts against the rate limits."""

import sqlalchemy as sa
from flask import Blueprint, jsonify

from forum.extensions import db, limiter, without_session

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
