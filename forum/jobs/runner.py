"""The forum's periodic work and the process that runs it (`flask forum jobs`).

Each job is one function returning the line it reports, on a schedule. Any number of hosts
may run `flask forum jobs` at once: a due job runs on whichever host claims it first
(forum/jobs/services.py). A failed run is recorded and tried again with a growing delay; a
SIGTERM lets the job under way finish, then the process ends."""

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from forum.export.services import build_exports
from forum.extensions import db, utcnow
from forum.jobs import services
from forum.mail.sender import send_mail
from forum.mail.services import mail_enabled
from forum.reports.followups import send_followups
from forum.reports.releases import refresh_all
from forum.retention import purge_expired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    every: timedelta
    run: Callable[[], str]  # does the work; returns what it did, in one line
    # Why it does not run here now (e-mail not configured, say); None when it does.
    off: Callable[[], str | None] = lambda: None


def _send_mail() -> str:
    return send_mail().line()


def _mail_off() -> str | None:
    if mail_enabled():
        return None
    return "E-mail is off: set FORUM_MAIL_HOST and FORUM_MAIL_FROM to send it."


def _build_exports() -> str:
    return build_exports().line()


def _release_outcomes() -> str:
    return f"Outcome releases: {len(refresh_all())} new."


def _send_followups() -> str:
    return send_followups(utcnow()).line()


def _purge_expired() -> str:
    return purge_expired(utcnow()).line()


JOBS: dict[str, PeriodicJob] = {
    "send-mail": PeriodicJob(timedelta(minutes=2), _send_mail, off=_mail_off),
    "build-exports": PeriodicJob(timedelta(minutes=1), _build_exports),
    "release-outcomes": PeriodicJob(timedelta(hours=1), _release_outcomes),
    "send-followups": PeriodicJob(timedelta(days=1), _send_followups),
    "purge-expired": PeriodicJob(timedelta(days=1), _purge_expired),
}


def this_host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def runnable_jobs() -> dict[str, PeriodicJob]:
    return {name: job for name, job in JOBS.items() if job.off() is None}


def schedule() -> None:
    """Give every job this host runs its row and the schedule this code says."""
    services.schedule_jobs({name: job.every for name, job in runnable_jobs().items()}, utcnow())


def run_due_jobs(host: str, stop: threading.Event | None = None) -> list[str]:
    """Run every job that is due and that this host claims; returns their names."""
    ran = []
    for name, job in runnable_jobs().items():
        if stop is not None and stop.is_set():
            break
        claim = services.claim_job(name, host, utcnow())
        if claim is None:
            continue
        run_id = services.start_run(claim, host, utcnow())
        try:
            summary = job.run()
        except Exception as error:
            db.session.rollback()
            log.exception("Job %s failed", name)
            services.finish_run(claim, run_id, utcnow(), error=_describe(error))
        else:
            services.finish_run(claim, run_id, utcnow(), summary=summary)
        ran.append(name)
    db.session.remove()
    return ran


def serve(host: str, stop: threading.Event, poll_seconds: float) -> None:
    """Run due jobs until `stop` is set, looking every `poll_seconds`. A database that does
    not answer is logged and tried again at the next look, never the end of the process."""
    scheduled = False
    while not stop.is_set():
        try:
            if not scheduled:
                schedule()
                scheduled = True
            run_due_jobs(host, stop)
        except Exception:
            db.session.rollback()
            db.session.remove()
            log.exception("Jobs: could not look for due jobs; trying again")
        stop.wait(poll_seconds)


def _describe(error: Exception) -> str:
    last = traceback.format_exception_only(error)[-1].strip()
    return last[:2000]
