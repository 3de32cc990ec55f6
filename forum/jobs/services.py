"""Claiming, recording and reading the periodic work (forum/jobs/runner.py runs it).

A host runs a due job only once it has claimed the job's row: on PostgreSQL the row is
picked with SELECT ... FOR UPDATE SKIP LOCKED, so hosts never wait on each other; on SQLite
the UPDATE takes the database's write lock. The claim and the "next run" time are one row,
so however many hosts run the jobs at the same moment, each due run happens once. The
jobs' own items (a mail, an export) are claimed one by one as well (forum/mail/sender.py,
forum/export/services.py), so even a run that overlaps a `flask forum send-mail` from cron
does each item once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from forum.export.models import DataExport
from forum.extensions import db
from forum.jobs.models import Job, JobRun, Outcome
from forum.notifications.models import OutgoingMail

# Longer than any run takes: a host that dies holding a job holds it this long at most.
CLAIM_FOR = timedelta(minutes=15)
# A failed run is tried again after this, then twice as long after each failure in a row,
# but never later than the job's own schedule.
FIRST_RETRY = timedelta(seconds=30)


def schedule_jobs(schedules: dict[str, timedelta], now: datetime) -> None:
    """A row for every job the code runs, due now when new; the schedule the code says."""
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    for name, every in schedules.items():
        seconds = int(every.total_seconds())
        db.session.execute(
            insert(Job)
            .values(name=name, every_seconds=seconds, next_run_at=now, failures=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        db.session.execute(
            sa.update(Job)
            .where(Job.name == name, Job.every_seconds != seconds)
            .values(every_seconds=seconds)
        )
    db.session.commit()


@dataclass(frozen=True)
class Claim:
    """A job this host holds, as its row was when claimed."""

    name: str
    every: timedelta
    failures: int


def claim_job(name: str, host: str, now: datetime) -> Claim | None:
    """Take the job for this host if it is due and nobody holds it; None when not taken.
    Every write here is one statement that starts its transaction, so on SQLite it waits
    for the write lock instead of failing on a snapshot another host has changed."""
    due = (
        sa.select(Job.name)
        .where(
            Job.name == name,
            Job.next_run_at <= now,
            sa.or_(Job.claimed_until.is_(None), Job.claimed_until <= now),
        )
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.name.in_(due.scalar_subquery()))
        .values(claimed_by=host, claimed_until=now + CLAIM_FOR)
        .returning(Job.every_seconds, Job.failures)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    if claimed is None:
        return None
    return Claim(name, timedelta(seconds=claimed.every_seconds), claimed.failures)


def start_run(claim: Claim, host: str, now: datetime) -> int:
    run_id = db.session.execute(
        sa.insert(JobRun)
        .values(job=claim.name, host=host, started_at=now, outcome=Outcome.RUNNING)
        .returning(JobRun.id)
    ).scalar_one()
    db.session.commit()
    return run_id


def finish_run(
    claim: Claim, run_id: int, now: datetime, summary: str | None = None, error: str | None = None
) -> None:
    """Record how the run ended and give the job back: due again after its interval, or,
    after a failure, after the backoff."""
    if error is None:
        ended = {"outcome": Outcome.SUCCEEDED, "summary": (summary or "")[:500]}
        job = {"failures": 0, "next_run_at": now + claim.every}
    else:
        failures = claim.failures + 1
        ended = {"outcome": Outcome.FAILED, "error": error[:2000]}
        job = {"failures": failures, "next_run_at": now + retry_after(failures, claim.every)}
    db.session.execute(
        sa.update(JobRun).where(JobRun.id == run_id).values(finished_at=now, **ended)
    )
    db.session.execute(
        sa.update(Job)
        .where(Job.name == claim.name)
        .values(claimed_by=None, claimed_until=None, **job)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def retry_after(failures: int, every: timedelta) -> timedelta:
    return min(every, FIRST_RETRY * 2 ** min(failures - 1, 20))


def list_jobs() -> list[tuple[Job, JobRun | None]]:
    """Every job with its latest run, by name."""
    latest = (
        sa.select(JobRun.job, sa.func.max(JobRun.id).label("run_id"))
        .group_by(JobRun.job)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Job, JobRun)
        .outerjoin(latest, latest.c.job == Job.name)
        .outerjoin(JobRun, JobRun.id == latest.c.run_id)
        .order_by(Job.name)
    )
    return [(job, run) for job, run in rows]


def list_runs(limit: int = 50, failed_only: bool = False) -> list[JobRun]:
    """The latest runs, newest first."""
    query = sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if failed_only:
        query = query.where(JobRun.outcome == Outcome.FAILED)
    return list(db.session.scalars(query))


def purge_job_runs(before: datetime) -> int:
    """Runs started before `before` (forum/retention.py)."""
    result = db.session.execute(sa.delete(JobRun).where(JobRun.started_at < before))
    return result.rowcount or 0


@dataclass(frozen=True)
class Backlog:
    """What waits for the jobs, for /metrics: how many items, and the oldest one's age."""

    name: str
    waiting: int
    oldest_seconds: float


def list_backlogs(now: datetime) -> list[Backlog]:
    """Mail due to be sent and exports waiting to be built."""
    waiting = {
        "mail": sa.select(sa.func.count(), sa.func.min(OutgoingMail.next_attempt_at)).where(
            OutgoingMail.due(now, current_app.config["MAIL_MAX_ATTEMPTS"])
        ),
        "exports": sa.select(sa.func.count(), sa.func.min(DataExport.created_at)).where(
            DataExport.status == "queued"
        ),
    }
    backlogs = []
    for name, query in waiting.items():
        count, oldest = db.session.execute(query).one()
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        backlogs.append(Backlog(name, count, age))
    return backlogs


def count_runs() -> dict[tuple[str, str], int]:
    """Runs on record, by job and outcome."""
    rows = db.session.execute(
        sa.select(JobRun.job, JobRun.outcome, sa.func.count()).group_by(JobRun.job, JobRun.outcome)
    )
    return {(job, outcome): count for job, outcome, count in rows}
