"""The forum's periodic work, shared by every host that runs `flask forum jobs`: when each
job is next due and which host holds it (Job), and what each run did (JobRun)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import UTCDateTime, db


class Outcome(StrEnum):
    """How a run ended. The CHECK on job_runs.outcome is made from these."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_OUTCOMES_SQL = ", ".join(f"'{outcome}'" for outcome in Outcome)


class Job(db.Model):
    """One row per job. A host runs a job only after claiming its row, so however many hosts
    run the jobs, each due run happens once."""

    __tablename__ = "jobs"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    every_seconds: Mapped[int]  # how often it is due, as the running code says
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The host running it, until when: a host that died holding it is outlived by the
    # claim, and another host takes the job over.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failed runs in a row: the next try waits longer after each (forum/jobs/services.py).
    failures: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Job {self.name} next {self.next_run_at}>"


class JobRun(db.Model):
    """A run of a job, kept for JOB_RUNS_KEEP_DAYS: what admins read on the jobs page."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40), index=True)
    host: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(sa.String(16), default=Outcome.RUNNING)
    summary: Mapped[str | None] = mapped_column(sa.String(500))  # the job's own line
    error: Mapped[str | None] = mapped_column(sa.String(2000))

    __table_args__ = (sa.CheckConstraint(f"outcome IN ({_OUTCOMES_SQL})", name="outcome"),)

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job} {self.outcome}>"
