"""Notification e-mail over a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, and
what happens when the server says "later", "never", or is not there.

The server and the helpers here are shared by the other test_mail_* modules."""

import email
import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.notifications.models import Notification, OutgoingMail
from forum.threads.models import Post, Thread

SENDER = "notifications@forum.test"
BASE_URL = "https://forum.test"
LINK = re.compile(r"https?://\S+")


# -- the SMTP server ---------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    @property
    def body(self) -> str:
        return self.message.get_content()

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.body)

    def header(self, name: str) -> str | None:
        return self.message[name]


class Inbox:
    """aiosmtpd handler: keeps what it accepts; `replies` scripts answers to DATA first."""

    def __init__(self, replies=()):
        self.messages: list[Received] = []
        self.replies = list(replies)

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


class _Controller(Controller):
    """Listens on a port the system picks (port 0), then learns which one it got."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(inbox: Inbox | None = None, **smtp_options):
    inbox = inbox or Inbox()
    controller = _Controller(inbox, hostname="127.0.0.1", port=0, **smtp_options)
    controller.start()
    try:
        inbox.port = controller.port
        yield inbox
    finally:
        controller.stop()


def closed_port() -> int:
    """A port nothing listens on: the SMTP server is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mail_config(port: int, **overrides) -> dict:
    return {
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_FROM": f"Firsthand <{SENDER}>",
        "BASE_URL": BASE_URL,
        "MAIL_RETRY_SECONDS": 0,
        "MAIL_MAX_ATTEMPTS": 3,
        **overrides,
    }


# -- the forum side ----------------------------------------------------------------------


def send_mail(app) -> str:
    """`flask forum send-mail`, as cron runs it."""
    result = app.test_cli_runner().invoke(args=["forum", "send-mail"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def give_address(app, user, address, frequency="instant", confirmed=True) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(
                notify_email=address,
                email_frequency=frequency,
                notify_email_confirmed_at=utcnow() - timedelta(minutes=1) if confirmed else None,
            )
        )
        db.session.commit()


def notify(app, user, thread, kind="mention", actor=None, **values) -> int:
    """A notification as the fan-out would leave it, inserted directly."""
    with app.app_context():
        post_id = db.session.scalar(
            sa.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id.desc())
        )
        notification = Notification(
            user_id=user.id,
            kind=kind,
            thread_id=thread.id,
            post_id=post_id,
            actor_id=actor.id if actor else thread.author_id,
            **values,
        )
        db.session.add(notification)
        db.session.commit()
        return notification.id


def outgoing(app, **where) -> list[OutgoingMail]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutgoingMail).filter_by(**where).order_by("id")).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def mailed_at(app, notification_id: int):
    with app.app_context():
        return db.session.get(Notification, notification_id).mailed_at


@pytest.fixture
def thread(make_thread, make_board):
    return make_thread(
        board=make_board(slug="nerve-blocks", name="Nerve blocks"),
        title="Genicular nerve block: six months on",
    )


# -- what arrives ------------------------------------------------------------------------


def test_instant_mail_arrives_with_links_and_one_click_unsubscribe(
    mail_app, inbox, member, fred, thread
):
    give_address(mail_app, member, "pat@example.org")
    notification_id = notify(mail_app, member, thread, kind="mention", actor=fred)

    output = send_mail(mail_app)

    assert "1 instant and 0 digest queued; 1 sent" in output
    [mail] = inbox.messages
    assert mail.recipients == ["pat@example.org"]
    assert mail.sender == SENDER
    assert mail.header("From") == f"Firsthand <{SENDER}>"
    assert mail.subject == "Firsthand: fred mentioned you in “Genicular nerve block: six months on”"
    assert "fred mentioned you in “Genicular nerve block: six months on”" in mail.body
    with mail_app.app_context():
        post_id = db.session.get(Notification, notification_id).post_id
    assert f"{BASE_URL}/p/{post_id}" in mail.links
    assert f"{BASE_URL}/settings/email" in mail.links
    [unsubscribe] = [link for link in mail.links if "/email/unsubscribe/" in link]
    assert mail.header("List-Unsubscribe") == f"<{unsubscribe}>"
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert mail.header("Auto-Submitted") == "auto-generated"
    assert mail.header("Message-ID").endswith("@forum.test>")
    assert mail.message.get_content_type() == "text/plain"
    assert mailed_at(mail_app, notification_id) is not None
    [row] = outgoing(mail_app)
    assert row.dedupe_key == f"instant:{notification_id}"
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_subject_never_carries_a_line_break_from_a_title(mail_app, inbox, member, thread):
    with mail_app.app_context():
        db.session.execute(
            sa.update(Thread)
            .where(Thread.id == thread.id)
            .values(title="Line one\r\nBcc: victim@example.net\nX-Evil: 1")
        )
        db.session.commit()
    give_address(mail_app, member, "pat@example.org")
    notify(mail_app, member, thread, kind="quote")

    send_mail(mail_app)

    [mail] = inbox.messages
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert "Line one Bcc: victim@example.net X-Evil: 1" in mail.subject
    assert mail.header("Bcc") is None and mail.header("X-Evil") is None
    assert mail.recipients == ["pat@example.org"]


def test_login_is_used_when_a_user_name_is_configured(make_app, member, thread):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    with smtp_server(authenticator=authenticator, auth_require_tls=False) as inbox:
        app = make_app(**mail_config(inbox.port, MAIL_USERNAME="forum", MAIL_PASSWORD="s3cret"))
        give_address(app, member, "pat@example.org")
        notify(app, member, thread)
        assert "1 sent" in send_mail(app)

    assert logins == [(b"forum", b"s3cret")]
    assert len(inbox.messages) == 1


def test_a_server_without_starttls_gets_nothing_when_tls_is_on(make_app, inbox, member, thread):
    """STARTTLS is required, not opportunistic: no mail (or password) goes in clear."""
    app = make_app(**mail_config(inbox.port, MAIL_USE_TLS=True))
    give_address(app, member, "pat@example.org")
    notify(app, member, thread)

    output = send_mail(app)

    assert "0 sent, 1 to retry" in output
    assert inbox.messages == []
    [row] = outgoing(app)
    assert row.sent_at is None and "STARTTLS" in row.last_error


# -- later, never, nobody there -----------------------------------------------------------


def test_a_451_is_retried_and_the_mail_arrives_once(make_app, member, thread):
    with smtp_server(Inbox(replies=["451 4.3.0 Try again later"])) as inbox:
        app = make_app(**mail_config(inbox.port))
        give_address(app, member, "pat@example.org")
        notify(app, member, thread)

        assert "1 instant and 0 digest queued; 0 sent, 1 to retry" in send_mail(app)
        [row] = outgoing(app)
        assert row.sent_at is None and row.attempts == 1
        assert row.last_error.startswith("451")

        assert "1 sent" in send_mail(app)
        assert "0 sent" in send_mail(app)

    assert len(inbox.messages) == 1
    [row] = outgoing(app)
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None


def test_retries_back_off(make_app, member, thread):
    with smtp_server(Inbox(replies=["451 4.3.0 Try again later"] * 2)) as inbox:
        app = make_app(**mail_config(inbox.port, MAIL_RETRY_SECONDS=60))
        give_address(app, member, "pat@example.org")
        notify(app, member, thread)

        send_mail(app)
        [row] = outgoing(app)
        wait = row.next_attempt_at - utcnow()
        assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
        assert "0 sent, 0 to retry" in send_mail(app)  # not due yet: not tried again

        with app.app_context():
            db.session.execute(sa.update(OutgoingMail).values(next_attempt_at=utcnow()))
            db.session.commit()
        send_mail(app)
        [row] = outgoing(app)
        wait = row.next_attempt_at - utcnow()
        assert timedelta(seconds=110) < wait <= timedelta(seconds=120)  # twice as long
        assert row.attempts == 2
    assert inbox.messages == []


def test_server_down_is_retried_then_given_up(make_app, member, thread):
    app = make_app(**mail_config(closed_port(), MAIL_MAX_ATTEMPTS=3))
    give_address(app, member, "pat@example.org")
    notify(app, member, thread)

    assert "0 sent, 1 to retry, 0 given up" in send_mail(app)
    assert "0 sent, 1 to retry, 0 given up" in send_mail(app)
    assert "0 sent, 0 to retry, 1 given up" in send_mail(app)
    assert "0 sent, 0 to retry, 0 given up" in send_mail(app)  # not tried a fourth time

    [row] = outgoing(app)
    assert row.sent_at is None and row.attempts == 3
    assert "cannot connect" in row.last_error


def test_when_the_server_is_down_the_run_stops_at_the_first_mail(make_app, member, thread):
    app = make_app(**mail_config(closed_port()))
    give_address(app, member, "pat@example.org")
    notify(app, member, thread, kind="mention")
    notify(app, member, thread, kind="quote")

    assert "2 instant and 0 digest queued; 0 sent, 1 to retry" in send_mail(app)
    assert [row.attempts for row in outgoing(app)] == [1, 0]


def test_a_permanent_refusal_is_given_up_at_once(make_app, member, thread):
    with smtp_server(Inbox(replies=["550 5.1.1 No such mailbox"])) as inbox:
        app = make_app(**mail_config(inbox.port, MAIL_MAX_ATTEMPTS=5))
        give_address(app, member, "nobody@example.org")
        notify(app, member, thread)

        assert "0 sent, 0 to retry, 1 given up" in send_mail(app)
        assert "0 sent, 0 to retry, 0 given up" in send_mail(app)

    [row] = outgoing(app)
    assert row.sent_at is None and row.attempts == 5 and row.last_error.startswith("550")
    assert inbox.messages == []
