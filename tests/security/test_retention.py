"""`flask forum purge-expired`: security events and finished e-mail past their retention go;
everything younger, and mail still waiting to be sent, stays."""

from datetime import timedelta

import sqlalchemy as sa

from forum.audit import SecurityEvent
from forum.extensions import db, utcnow
from forum.notifications.models import OutgoingMail


def _event(days_old: float) -> SecurityEvent:
    return SecurityEvent(
        at=utcnow() - timedelta(days=days_old),
        event="forbidden",
        status=403,
        network="192.0.2.0/24",
        method="GET",
        path=f"/moderation?{days_old}",
    )


def _mail(key: str, days_old: float, sent: bool, attempts: int = 0) -> OutgoingMail:
    created = utcnow() - timedelta(days=days_old)
    return OutgoingMail(
        to_address="someone@mail.example",
        subject="s",
        body_text="b",
        kind="instant",
        dedupe_key=key,
        created_at=created,
        next_attempt_at=created,
        sent_at=created if sent else None,
        attempts=attempts,
    )


def test_purge_expired_deletes_only_what_is_past_its_time(app):
    with app.app_context():
        db.session.add_all([_event(31), _event(29)])
        db.session.add_all(
            [
                _mail("sent-old", 31, sent=True),
                _mail("sent-new", 29, sent=True),
                _mail("abandoned-old", 40, sent=False, attempts=app.config["MAIL_MAX_ATTEMPTS"]),
                _mail("waiting-old", 40, sent=False, attempts=3),  # still being retried
            ]
        )
        db.session.commit()

    output = app.test_cli_runner().invoke(args=["forum", "purge-expired"]).output

    assert "Purged 1 security events, 2 sent or abandoned mails and 0 data exports." in output
    with app.app_context():
        assert db.session.scalars(sa.select(SecurityEvent.path)).all() == ["/moderation?29"]
        kept = set(db.session.scalars(sa.select(OutgoingMail.dedupe_key)))
    assert kept == {"sent-new", "waiting-old"}


def test_retention_is_configurable(make_app):
    app = make_app(SECURITY_LOG_RETENTION_DAYS=7)
    with app.app_context():
        db.session.add_all([_event(8), _event(6)])
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["forum", "purge-expired"]).output
    assert "Purged 1 security events" in output
