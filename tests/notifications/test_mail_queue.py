"""`flask forum send-mail`: who gets which mail, how often, and never twice."""

import asyncio
import smtplib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.mail.sender import _claim_mail
from forum.mail.sender import send_mail as run_send_mail
from forum.notifications.models import Notification, OutgoingMail
from tests.notifications.test_mail_smtp import (
    Inbox,
    give_address,
    mail_config,
    mailed_at,
    notify,
    outgoing,
    send_mail,
    smtp_server,
)


@pytest.fixture
def thread(make_thread):
    return make_thread(title="Spinal cord stimulator trial week")


@pytest.fixture
def other_thread(make_thread):
    return make_thread(title="Radiofrequency ablation, second round")


# -- how often ---------------------------------------------------------------------------


def test_instant_daily_and_none(mail_app, inbox, make_user, thread, other_thread):
    instant, daily, never = make_user("instant-ida"), make_user("daily-dan"), make_user("no-nora")
    give_address(mail_app, instant, "ida@example.org", "instant")
    give_address(mail_app, daily, "dan@example.org", "daily")
    give_address(mail_app, never, "nora@example.org", "none")
    for user in (instant, daily, never):
        notify(mail_app, user, thread, kind="mention")
        notify(mail_app, user, other_thread, kind="quote")

    output = send_mail(mail_app)

    assert "Mail: 2 instant and 1 digest queued; 3 sent" in output
    ida = inbox.to("ida@example.org")
    assert len(ida) == 2
    assert any("Spinal cord stimulator trial week" in m.subject for m in ida)
    assert any("Radiofrequency ablation, second round" in m.subject for m in ida)
    [digest] = inbox.to("dan@example.org")
    assert digest.subject == "Firsthand: 2 new notifications"
    assert "mentioned you in “Spinal cord stimulator trial week”" in digest.body
    assert "quoted your post in “Radiofrequency ablation, second round”" in digest.body
    assert sum("https://forum.test/p/" in link for link in digest.links) == 2
    assert digest.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert digest.header("List-Unsubscribe").startswith("<https://forum.test/email/unsubscribe/")
    assert inbox.to("nora@example.org") == []
    with mail_app.app_context():
        unmailed = db.session.scalars(
            sa.select(Notification.user_id).where(Notification.mailed_at.is_(None))
        ).all()
    assert unmailed == [never.id, never.id]


def test_one_digest_a_day(mail_app, inbox, member, thread, other_thread):
    give_address(mail_app, member, "pat@example.org", "daily")
    notify(mail_app, member, thread)
    assert "1 digest queued; 1 sent" in send_mail(mail_app)
    [digest] = outgoing(mail_app, kind="digest")
    assert digest.dedupe_key == f"digest:{member.id}:{utcnow():%Y-%m-%d}"

    notify(mail_app, member, other_thread)
    assert "0 digest queued; 0 sent" in send_mail(mail_app)

    with time_machine.travel(utcnow() + timedelta(hours=23)):
        assert "0 digest queued" in send_mail(mail_app)
    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1)):
        assert "1 digest queued; 1 sent" in send_mail(mail_app)

    first, second = inbox.to("pat@example.org")
    assert "Spinal cord stimulator" in first.body and "Radiofrequency" not in first.body
    assert "Radiofrequency" in second.body and "Spinal cord stimulator" not in second.body
    assert second.subject == "Firsthand: 1 new notification"


def test_a_long_digest_sums_up_the_rest(mail_app, inbox, member, make_thread, monkeypatch):
    monkeypatch.setattr("forum.mail.queue.DIGEST_LIMIT", 2)
    give_address(mail_app, member, "pat@example.org", "daily")
    for number in range(4):
        notify(mail_app, member, make_thread(title=f"Thread number {number}"))

    send_mail(mail_app)

    [digest] = inbox.messages
    assert digest.subject == "Firsthand: 4 new notifications"
    assert digest.body.count("https://forum.test/p/") == 2
    assert "... and 2 more: https://forum.test/notifications" in digest.body


# -- only to a confirmed address, only what is new -----------------------------------------


def test_nothing_but_the_confirmation_goes_to_an_unconfirmed_address(
    mail_app, inbox, member, thread
):
    give_address(mail_app, member, "pat@example.org", "instant", confirmed=False)
    notification_id = notify(mail_app, member, thread)

    assert "0 instant and 0 digest queued; 0 sent" in send_mail(mail_app)
    assert inbox.messages == []
    assert mailed_at(mail_app, notification_id) is None


def test_read_and_old_notifications_are_not_mailed(mail_app, inbox, member, thread, other_thread):
    give_address(mail_app, member, "pat@example.org")
    read = notify(mail_app, member, thread, kind="mention", read_at=utcnow())
    before_confirming = notify(
        mail_app, member, other_thread, updated_at=utcnow() - timedelta(hours=1)
    )

    assert "0 instant" in send_mail(mail_app)
    assert inbox.messages == []
    assert mailed_at(mail_app, read) is None and mailed_at(mail_app, before_confirming) is None


def test_deleted_members_get_nothing(mail_app, inbox, member, thread):
    give_address(mail_app, member, "pat@example.org")
    notify(mail_app, member, thread)
    with mail_app.app_context():
        db.session.execute(sa.update(User).values(deleted_at=utcnow()))
        db.session.commit()

    assert "0 instant" in send_mail(mail_app)
    assert inbox.messages == []


@pytest.mark.parametrize(
    "change",
    [
        {"email_frequency": "none"},
        {"notify_email": "new@example.org", "notify_email_confirmed_at": None},
        {"notify_email": None, "notify_email_confirmed_at": None},
    ],
    ids=["unsubscribed", "changed address", "removed address"],
)
def test_queued_mail_is_dropped_when_the_member_changes_their_mind(
    mail_app, inbox, member, thread, monkeypatch, change
):
    give_address(mail_app, member, "pat@example.org")
    notify(mail_app, member, thread)
    # Queue only, as if the member changed the settings between queueing and sending.
    monkeypatch.setattr("forum.mail.sender.send_due_mail", lambda summary: None)
    assert "1 instant" in send_mail(mail_app)
    monkeypatch.undo()
    with mail_app.app_context():
        db.session.execute(sa.update(User).where(User.id == member.id).values(**change))
        db.session.commit()

    assert "0 sent, 0 to retry, 0 given up, 1 no longer wanted" in send_mail(mail_app)
    assert inbox.messages == []
    assert outgoing(mail_app) == []


# -- never twice -----------------------------------------------------------------------


def test_running_twice_sends_once(mail_app, inbox, member, make_user, thread):
    daily = make_user("daily-dan")
    give_address(mail_app, member, "pat@example.org", "instant")
    give_address(mail_app, daily, "dan@example.org", "daily")
    notify(mail_app, member, thread)
    notify(mail_app, daily, thread)

    assert "1 instant and 1 digest queued; 2 sent" in send_mail(mail_app)
    assert "0 instant and 0 digest queued; 0 sent" in send_mail(mail_app)

    assert len(inbox.to("pat@example.org")) == 1
    assert len(inbox.to("dan@example.org")) == 1


class Crash(Exception):
    """The sender dying mid-run (killed, out of memory, a bug)."""


def test_a_crashed_run_sends_nothing_twice(mail_app, inbox, member, thread, monkeypatch):
    give_address(mail_app, member, "pat@example.org")
    for kind in ("mention", "quote", "thread"):
        notify(mail_app, member, thread, kind=kind)
    real_send = smtplib.SMTP.send_message
    calls = []

    def dies_on_the_second(self, message, *args, **kwargs):
        calls.append(message["Subject"])
        if len(calls) == 2:
            raise Crash
        return real_send(self, message, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", dies_on_the_second)
    result = mail_app.test_cli_runner().invoke(args=["forum", "send-mail"])
    assert isinstance(result.exception, Crash)
    monkeypatch.undo()
    assert len(inbox.messages) == 1
    sent, leased, untouched = outgoing(mail_app)
    assert sent.sent_at is not None
    assert leased.sent_at is None and leased.attempts == 1 and leased.next_attempt_at > utcnow()
    assert untouched.sent_at is None and untouched.attempts == 0

    # The next run sends what nobody tried; the leased one waits for its lease to end.
    assert "1 sent" in send_mail(mail_app)
    with time_machine.travel(utcnow() + timedelta(minutes=11)):
        assert "1 sent" in send_mail(mail_app)
        assert "0 sent" in send_mail(mail_app)

    subjects = sorted(m.subject for m in inbox.messages)
    assert len(subjects) == 3 and len(set(subjects)) == 3
    assert all(row.sent_at is not None for row in outgoing(mail_app))


def test_a_mail_leased_by_another_run_is_left_alone(mail_app, inbox, member, thread, monkeypatch):
    give_address(mail_app, member, "pat@example.org")
    notify(mail_app, member, thread)
    monkeypatch.setattr("forum.mail.sender.send_due_mail", lambda summary: None)
    send_mail(mail_app)
    monkeypatch.undo()
    with mail_app.app_context():
        [mail_id] = db.session.scalars(sa.select(OutgoingMail.id)).all()
        assert _claim_mail(mail_id)  # another run holds it
        assert not _claim_mail(mail_id)

    assert "0 sent" in send_mail(mail_app)
    assert inbox.messages == []


def test_concurrent_runs_send_each_mail_once(make_app, make_user, thread):
    class SlowInbox(Inbox):
        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(0.02)
            return await super().handle_DATA(server, session, envelope)

    with smtp_server(SlowInbox()) as inbox:
        app = make_app(**mail_config(inbox.port))
        members = [make_user(f"reader{number}") for number in range(4)]
        for number, user in enumerate(members):
            give_address(app, user, f"reader{number}@example.org")
            for kind in ("mention", "quote", "thread"):
                notify(app, user, thread, kind=kind)
        summaries, errors = [], []

        def run():
            # The sender itself, not the CLI runner: that swaps sys.stdout, which threads share.
            try:
                with app.app_context():
                    summaries.append(run_send_mail())
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)

        runners = [threading.Thread(target=run) for _ in range(3)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()

    assert errors == []
    assert sum(s.instant for s in summaries) == 12
    assert sum(s.sent for s in summaries) == 12
    assert len(inbox.messages) == 12
    assert len({m.header("Message-ID") for m in inbox.messages}) == 12
    rows = outgoing(app)
    assert len(rows) == 12 and all(row.sent_at is not None for row in rows)


# -- mail off or half configured ------------------------------------------------------------


def test_send_mail_says_mail_is_off_without_smtp_settings(app, member, thread):
    give_address(app, member, "pat@example.org")
    notify(app, member, thread)

    output = send_mail(app)

    assert output.startswith("E-mail is off")
    assert outgoing(app) == []


def test_a_mail_host_without_a_sender_refuses_to_start(make_app):
    with pytest.raises(RuntimeError, match="FORUM_MAIL_FROM"):
        make_app(MAIL_HOST="127.0.0.1")


def test_mail_outside_debug_needs_the_base_url(make_app):
    with pytest.raises(RuntimeError, match="FORUM_BASE_URL"):
        make_app(
            TESTING=False,
            DEV_LOGIN=False,
            MAIL_HOST="127.0.0.1",
            MAIL_FROM="notifications@forum.test",
        )
