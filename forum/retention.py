"""What the forum forgets on schedule (`flask forum purge-expired`, run daily by cron):
security events, which hold truncated addresses, e-mail that was sent or given up on, and
sessions that ended or were left idle."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from forum.audit import purge_security_events
from forum.auth.sessions import purge_sessions
from forum.extensions import db
from forum.notifications.models import OutgoingMail


@dataclass
class Purged:
    security_events: int
    mail: int
    exports: int
    sessions: int

    def line(self) -> str:
        return (
            f"Purged {self.security_events} security events, {self.mail} sent or abandoned "
            f"mails, {self.exports} data exports and {self.sessions} ended sessions."
        )


def purge_expired(now: datetime) -> Purged:
    """Delete everything past its retention period, in one transaction."""
    from forum.export.services import purge_expired_exports

    config = current_app.config
    purged = Purged(
        security_events=purge_security_events(
            now - timedelta(days=config["SECURITY_LOG_RETENTION_DAYS"])
        ),
        mail=_purge_mail(now - timedelta(days=config["MAIL_RETENTION_DAYS"])),
        exports=purge_expired_exports(now),
        sessions=purge_sessions(now),
    )
    db.session.commit()
    return purged


def _purge_mail(before: datetime) -> int:
    """Sent mails, and mails given up on, older than `before`. A notification records that
    it was mailed, so a deleted row can never be queued and sent again."""
    finished = sa.or_(
        OutgoingMail.sent_at.is_not(None),
        OutgoingMail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"],
    )
    result = db.session.execute(
        sa.delete(OutgoingMail).where(finished, OutgoingMail.created_at < before)
    )
    return result.rowcount or 0
