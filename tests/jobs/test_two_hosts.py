"""Two hosts' `flask forum jobs` processes at the same moment, with a cron-style
`flask forum send-mail` beside them, against one database and a real SMTP server on
127.0.0.1: every due mail arrives exactly once."""

import signal
import subprocess
import time

import sqlalchemy as sa

from forum.extensions import db, utcnow
from forum.jobs.models import JobRun
from forum.notifications.models import OutgoingMail
from tests.jobs.conftest import FLASK, ROOT, host_environment, start_jobs_process
from tests.notifications.test_mail_smtp import SENDER, smtp_server

MAILS = 40


def _sent(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutgoingMail)
            .where(OutgoingMail.sent_at.is_not(None))
        )


def test_every_due_mail_is_sent_once_by_two_hosts_and_cron_at_once(app, database_url, tmp_path):
    with app.app_context():
        for number in range(MAILS):
            db.session.add(
                OutgoingMail(
                    user_id=None,
                    to_address=f"reader{number}@example.org",
                    subject=f"Mail {number}",
                    body_text=f"Mail number {number}.",
                    kind="instant",
                    dedupe_key=f"two-hosts-{number}",
                    next_attempt_at=utcnow(),
                )
            )
        db.session.commit()

    with smtp_server() as inbox:
        mail_settings = {
            "FORUM_BASE_URL": "https://forum.test",
            "FORUM_MAIL_HOST": "127.0.0.1",
            "FORUM_MAIL_PORT": str(inbox.port),
            "FORUM_MAIL_USE_TLS": "false",
            "FORUM_MAIL_FROM": f"Firsthand <{SENDER}>",
        }
        hosts = [
            start_jobs_process(
                host_environment(database_url, tmp_path / name, **mail_settings), poll=0.1
            )
            for name in ("host-a", "host-b")
        ]
        cron = subprocess.run(
            [FLASK, "--app", "wsgi", "forum", "send-mail"],
            cwd=ROOT,
            env=host_environment(database_url, tmp_path / "cron", **mail_settings),
            capture_output=True,
            text=True,
            timeout=120,
        )
        try:
            deadline = time.monotonic() + 60
            while _sent(app) < MAILS and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # time for a second sending, were there to be one
        finally:
            outputs = []
            for host in hosts:
                host.send_signal(signal.SIGTERM)
                outputs.append(host.communicate(timeout=60)[0])

    assert cron.returncode == 0, cron.stdout + cron.stderr
    assert [host.returncode for host in hosts] == [0, 0], outputs
    subjects = sorted(message.subject for message in inbox.messages)
    assert subjects == sorted(f"Mail {number}" for number in range(MAILS))
    assert _sent(app) == MAILS
    with app.app_context():
        runs = db.session.scalars(sa.select(JobRun).where(JobRun.job == "send-mail")).all()
    # The jobs ran on both hosts at once; send-mail ran once in all, on one of them.
    assert len(runs) == 1
    assert runs[0].outcome == "succeeded"
