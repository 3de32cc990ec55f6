"""The periodic work: each due run happens once however many hosts run the jobs at the same
moment, a failure is recorded and retried later and later, a host that died holding a job
is outlived, SIGTERM stops the process cleanly, and admins read it all on /jobs."""

import re
import signal
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.extensions import db, utcnow
from forum.jobs import runner, services
from forum.jobs.models import Job, JobRun
from forum.jobs.runner import PeriodicJob
from tests.conftest import login
from tests.jobs.conftest import host_environment, start_jobs_process


@pytest.fixture
def fake_jobs(monkeypatch):
    """Two jobs that record each run, and one that fails until told otherwise."""
    done: list[str] = []
    lock = threading.Lock()
    failing = {"now": True}

    def job(name):
        def run():
            with lock:
                done.append(name)
            time.sleep(0.05)  # long enough for the other hosts to try at the same time
            return f"{name} did its work"

        return run

    def flaky():
        if failing["now"]:
            raise RuntimeError("the SMTP server said no")
        return "flaky worked"

    monkeypatch.setattr(
        runner,
        "JOBS",
        {
            "often": PeriodicJob(timedelta(minutes=1), job("often")),
            "daily": PeriodicJob(timedelta(days=1), job("daily")),
            "flaky": PeriodicJob(timedelta(hours=1), flaky),
        },
    )
    return done, failing


def _runs(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (run.job, run.outcome)
            for run in db.session.scalars(sa.select(JobRun).order_by(JobRun.job, JobRun.id))
        ]


def _job(app, name) -> Job:
    with app.app_context():
        job = db.session.get(Job, name)
        db.session.expunge(job)
        return job


def test_each_due_job_runs_once_however_many_hosts_run_them(app, fake_jobs):
    done, _ = fake_jobs
    hosts = [f"host-{n}" for n in range(4)]
    start = threading.Barrier(len(hosts))
    errors = []

    def host(name):
        try:
            with app.app_context():
                runner.schedule()
                start.wait()
                runner.run_due_jobs(name)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=host, args=(name,)) for name in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(done) == ["daily", "often"]
    assert _runs(app) == [("daily", "succeeded"), ("flaky", "failed"), ("often", "succeeded")]


def test_a_job_runs_again_when_it_is_due_again(app, fake_jobs):
    done, _ = fake_jobs
    with app.app_context():
        runner.schedule()
        assert sorted(runner.run_due_jobs("host-a")) == ["daily", "flaky", "often"]
        assert runner.run_due_jobs("host-b") == []  # nothing due yet

        db.session.execute(sa.update(Job).where(Job.name == "often").values(next_run_at=utcnow()))
        db.session.commit()
        assert runner.run_due_jobs("host-b") == ["often"]

    assert done == ["often", "daily", "often"]
    often = _job(app, "often")
    assert often.claimed_by is None
    assert often.next_run_at > utcnow() + timedelta(seconds=50)


def test_a_failed_run_is_recorded_and_tried_again_later_and_later(app, fake_jobs):
    _, failing = fake_jobs
    waits = []
    with app.app_context():
        runner.schedule()
        for _ in range(3):
            db.session.execute(
                sa.update(Job).where(Job.name == "flaky").values(next_run_at=utcnow())
            )
            db.session.commit()
            before = utcnow()
            assert "flaky" in runner.run_due_jobs("host-a")
            waits.append(round((_job(app, "flaky").next_run_at - before).total_seconds()))

        failing["now"] = False
        db.session.execute(sa.update(Job).where(Job.name == "flaky").values(next_run_at=utcnow()))
        db.session.commit()
        runner.run_due_jobs("host-a")
        failures = services.list_runs(failed_only=True)

    assert waits == [30, 60, 120]
    assert _job(app, "flaky").failures == 0  # a success starts the count again
    assert len(failures) == 3
    assert failures[0].error == "RuntimeError: the SMTP server said no"
    assert failures[0].host == "host-a"
    assert [outcome for job, outcome in _runs(app) if job == "flaky"] == ["failed"] * 3 + [
        "succeeded"
    ]


def test_a_host_that_died_holding_a_job_is_outlived(app, fake_jobs):
    done, _ = fake_jobs
    with app.app_context():
        runner.schedule()
        assert services.claim_job("often", "host-that-dies", utcnow()) is not None
        assert "often" not in runner.run_due_jobs("host-b")  # still held

        later = utcnow() + services.CLAIM_FOR + timedelta(seconds=1)
        assert services.claim_job("often", "host-b", later) is not None

    assert "often" not in done  # the dead host never ran it; host-b now holds it


def test_jobs_once_runs_the_real_jobs_and_records_them(app):
    cli = app.test_cli_runner()

    first = cli.invoke(args=["forum", "jobs", "--once"])
    again = cli.invoke(args=["forum", "jobs", "--once"])

    assert first.exit_code == 0, first.output
    # E-mail is not configured in the tests, so send-mail does not run.
    assert first.output.strip() == (
        "Ran 4 due jobs: build-exports, release-outcomes, send-followups, purge-expired."
    )
    assert again.output.strip() == "Ran 0 due jobs: none."
    assert sorted(_runs(app)) == [
        ("build-exports", "succeeded"),
        ("purge-expired", "succeeded"),
        ("release-outcomes", "succeeded"),
        ("send-followups", "succeeded"),
    ]


def test_sigterm_lets_the_jobs_process_finish_and_exit(app, database_url, tmp_path):
    process = start_jobs_process(host_environment(database_url, tmp_path / "host"), poll=0.2)
    try:
        deadline = time.monotonic() + 60
        while len(_runs(app)) < 4 and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert "Jobs stopped." in output
    assert len(_runs(app)) == 4
    assert all(outcome == "succeeded" for _, outcome in _runs(app))


def test_purge_expired_forgets_old_runs(app, fake_jobs):
    with app.app_context():
        runner.schedule()
        runner.run_due_jobs("host-a")
        db.session.execute(
            sa.update(JobRun)
            .where(JobRun.job == "daily")
            .values(started_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()
        purged = services.purge_job_runs(utcnow() - timedelta(days=30))
        db.session.commit()

    assert purged == 1
    assert [job for job, _ in _runs(app)] == ["flaky", "often"]


def test_admins_see_the_jobs_their_latest_runs_and_failures(
    app, client, fake_jobs, make_user, count_queries
):
    with app.app_context():
        runner.schedule()
        runner.run_due_jobs("host-a.example:4242")
        # How long each run took, as a person reads it: a quick run is not "0.0 s".
        took = {"often": timedelta(milliseconds=20), "flaky": timedelta(seconds=2.5)}
        for run in db.session.scalars(sa.select(JobRun).where(JobRun.job.in_(took))):
            run.finished_at = run.started_at + took[run.job]
        db.session.commit()
    admin = make_user("ada-admin", role="admin")
    login(client, admin)

    with count_queries() as statements:
        page = client.get("/jobs")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "every day" in text and "every minute" in text  # each job's schedule
    assert "often did its work" in text
    assert "RuntimeError: the SMTP server said no" in text
    assert "host-a.example:4242" in text
    runs = re.sub(r"<[^>]+>", "", text[text.index("Latest runs") :])
    assert "often succeeded just now on host-a.example:4242, in under 0.1 s" in runs
    assert "flaky failed just now on host-a.example:4242, in 2.5 s" in runs
    assert len(statements) <= 6


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_only_admins_see_the_jobs(client, make_user, role):
    login(client, make_user(f"not-admin-{role}", role=role))

    assert client.get("/jobs").status_code == 403
