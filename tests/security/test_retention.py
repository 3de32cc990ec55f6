"""`flask forum purge-expired`: security events and finished e-mail past their retention go,
and sessions that ended or were left idle; everything younger, mail still waiting to be
sent and sessions still in use stay."""

from datetime import timedelta

import sqlalchemy as sa

from forum.audit import SecurityEvent
from forum.auth.models import MemberSession
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


def _session(user, device: str, started_days_ago: float, idle_days: float, lasts_days: float):
    started = utcnow() - timedelta(days=started_days_ago)
    return MemberSession(
        token_digest=device.ljust(64, "0"),
        user_id=user.id,
        created_at=started,
        last_seen_at=utcnow() - timedelta(days=idle_days),
        expires_at=started + timedelta(days=lasts_days),
        device=device,
    )


def test_purge_expired_deletes_only_what_is_past_its_time(app, member):
    with app.app_context():
        db.session.add_all(
            [
                _session(member, "ended", started_days_ago=31, idle_days=1, lasts_days=30),
                _session(member, "idle", started_days_ago=10, idle_days=8, lasts_days=30),
                _session(member, "in-use", started_days_ago=29, idle_days=6, lasts_days=30),
                _session(member, "today", started_days_ago=0.4, idle_days=0, lasts_days=0.5),
            ]
        )
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

    assert (
        "Purged 1 security events, 2 sent or abandoned mails, 0 data exports "
        "and 2 ended sessions." in output
    )
    with app.app_context():
        assert db.session.scalars(sa.select(SecurityEvent.path)).all() == ["/moderation?29"]
        kept = set(db.session.scalars(sa.select(OutgoingMail.dedupe_key)))
        sessions = set(db.session.scalars(sa.select(MemberSession.device)))
    assert kept == {"sent-new", "waiting-old"}
    assert sessions == {"in-use", "today"}


def test_retention_is_configurable(make_app):
    app = make_app(SECURITY_LOG_RETENTION_DAYS=7)
    with app.app_context():
        db.session.add_all([_event(8), _event(6)])
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["forum", "purge-expired"]).output
    assert "Purged 1 security events" in output
