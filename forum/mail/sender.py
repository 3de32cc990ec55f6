"""`flask forum send-mail`: queue notification e-mail (forum.mail.queue), then send what
is due over SMTP.

Run it every few minutes (cron or a worker loop). Every step is safe to repeat and to run
twice at once: a notification is claimed by setting its mailed_at, a queued mail by leasing
its row, and OutgoingMail.dedupe_key is unique, so no mail is queued or sent twice."""

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from flask import current_app

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.mail.queue import end_read, one_line, queue_digests, queue_instant_mail
from forum.mail.services import CONFIRM_MAX_AGE, unsubscribe_url
from forum.notifications.models import OutgoingMail

# A claimed mail is not tried again by another run for this long (longer than any SMTP
# exchange); if the run dies before sending, the mail is tried again after it.
LEASE = timedelta(minutes=10)
RETRY_CAP = timedelta(hours=12)
BATCH = 200
# Headers unfolded up to the RFC 5322 limit: a folded List-Unsubscribe URL is not recognised.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass
class Summary:
    instant: int = 0
    digests: int = 0
    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    dropped: int = 0

    def line(self) -> str:
        return (
            f"Mail: {self.instant} instant and {self.digests} digest queued; {self.sent} sent, "
            f"{self.retrying} to retry, {self.given_up} given up, {self.dropped} no longer wanted."
        )


def send_mail() -> Summary:
    """Queue instant mails and due digests, then send every due mail."""
    summary = Summary()
    summary.instant = queue_instant_mail()
    summary.digests = queue_digests()
    send_due_mail(summary)
    return summary


# -- sending ---------------------------------------------------------------------------


class _ServerUnavailable(smtplib.SMTPException):
    """Connecting, STARTTLS or login failed: the rest waits for the next run."""


def _server_down(error: Exception) -> bool:
    """Not this mail's fault: trying the next one now would fail the same way."""
    if isinstance(error, _ServerUnavailable | smtplib.SMTPServerDisconnected):
        return True
    return not isinstance(error, smtplib.SMTPException)  # a socket error or a timeout


def send_due_mail(summary: Summary) -> None:
    """Send every due mail once, over one SMTP connection, recording failures for retry."""
    config = current_app.config
    connection = None
    after = 0
    try:
        while True:
            ids = db.session.scalars(
                sa.select(OutgoingMail.id)
                .where(
                    OutgoingMail.due(utcnow(), config["MAIL_MAX_ATTEMPTS"]),
                    OutgoingMail.id > after,
                )
                .order_by(OutgoingMail.id)
                .limit(BATCH)
            ).all()
            db.session.commit()
            if not ids:
                return
            for mail_id in ids:
                after = mail_id
                if not _claim_mail(mail_id):
                    continue
                mail = db.session.get(OutgoingMail, mail_id)
                if mail is None or _unwanted(mail):
                    end_read()
                    _delete_mail(mail_id)
                    summary.dropped += 1
                    continue
                attempts, message, to = mail.attempts, build_message(mail), mail.to_address
                end_read()
                try:
                    connection = connection or _connect()
                    connection.send_message(message, from_addr=_envelope_sender(), to_addrs=[to])
                except (smtplib.SMTPException, OSError) as error:
                    connection = _close(connection)
                    _record_failure(mail_id, attempts, error, summary)
                    if _server_down(error):
                        return
                    continue
                # Marked the moment the server accepts, so a crash later cannot resend it.
                _update_mail(mail_id, sent_at=utcnow(), last_error=None)
                summary.sent += 1
    finally:
        _close(connection)


# Core statements by id: a row that a member's settings change removed meanwhile is no error.


def _update_mail(mail_id: int, **values) -> None:
    table = OutgoingMail.__table__
    db.session.execute(table.update().where(table.c.id == mail_id).values(**values))
    db.session.commit()


def _delete_mail(mail_id: int) -> None:
    table = OutgoingMail.__table__
    db.session.execute(table.delete().where(table.c.id == mail_id))
    db.session.commit()


def _claim_mail(mail_id: int) -> bool:
    """Lease a due mail to this run (and count the attempt, so a mail that crashes the
    sender is given up in the end instead of blocking it for ever)."""
    now = utcnow()
    result = db.session.execute(
        sa.update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.due(now, current_app.config["MAIL_MAX_ATTEMPTS"]),
        )
        .values(next_attempt_at=now + LEASE, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _unwanted(mail: OutgoingMail) -> bool:
    """Whether the member changed their mind since the mail was queued: another address,
    unsubscribed, confirmed already, or the confirmation link has expired."""
    if mail.user_id is None:
        return False
    user = db.session.get(User, mail.user_id)
    if user is None or user.deleted_at is not None or user.notify_email != mail.to_address:
        return True
    if mail.kind == "confirm":
        return (
            user.notify_email_confirmed_at is not None
            or mail.created_at < utcnow() - CONFIRM_MAX_AGE
        )
    return user.notify_email_confirmed_at is None or user.email_frequency == "none"


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The mail as sent: plain text, with one-click unsubscribe headers on notifications."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = one_line(mail.subject, 200)
    message["Date"] = format_datetime(utcnow())
    # The same for every attempt, so a receiving server can drop a duplicate.
    digest = hashlib.sha256(mail.dedupe_key.encode()).hexdigest()[:32]
    domain = _envelope_sender().rpartition("@")[2]
    message["Message-ID"] = f"<{mail.kind}.{digest}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies (RFC 3834)
    if mail.kind in ("instant", "digest") and mail.user_id is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url(mail.user_id, mail.to_address)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body_text)
    return message


def _envelope_sender() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host = config["MAIL_HOST"]
    use_ssl = bool(config["MAIL_USE_SSL"])
    use_tls = bool(config["MAIL_USE_TLS"]) and not use_ssl
    port = int(config["MAIL_PORT"] or (465 if use_ssl else 587 if use_tls else 25))
    timeout = config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    try:
        if use_ssl:
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
    except (smtplib.SMTPException, OSError) as error:
        raise _ServerUnavailable(f"cannot connect to {host}:{port}: {_describe(error)}") from error
    try:
        if use_tls:
            # Required, not opportunistic: without it the password and mail go in clear.
            connection.starttls(context=context)
        if config["MAIL_USERNAME"]:
            connection.login(str(config["MAIL_USERNAME"]), str(config["MAIL_PASSWORD"] or ""))
    except (smtplib.SMTPException, OSError) as error:
        _close(connection)
        raise _ServerUnavailable(f"{host}:{port}: {_describe(error)}") from error
    return connection


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return None
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
    return None


def _describe(error: Exception) -> str:
    if isinstance(error, _ServerUnavailable):
        return str(error)
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in error.recipients.values()
        )
    return f"{type(error).__name__}: {error}"


def _permanent(error: Exception) -> bool:
    """A 5xx answer to this mail: sending it again will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return (
        isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError)
        and error.smtp_code >= 500
    )


def _record_failure(mail_id: int, attempts: int, error: Exception, summary: Summary) -> None:
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    if _permanent(error):
        attempts = max(attempts, max_attempts)
    values = {"attempts": attempts, "last_error": _describe(error)[:500]}
    if attempts >= max_attempts:
        summary.given_up += 1
    else:
        delay = timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"])
        values["next_attempt_at"] = utcnow() + min(delay * 2 ** (attempts - 1), RETRY_CAP)
        summary.retrying += 1
    _update_mail(mail_id, **values)
