"""Consent to process health information (GDPR art. 9(2)(a)).

Withdrawing it is erasing the account (forum/privacy/erasure.py): without consent nothing a
member wrote about their health may be kept under their name."""

from datetime import datetime

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.privacy.models import HEALTH_DATA, HEALTH_DATA_CONSENT_VERSION, Consent


def record_consent(user: User, now: datetime | None = None) -> Consent:
    """Add the member's health-data consent to the caller's transaction (creating a member
    and consenting are one use case)."""
    now = now or utcnow()
    consent = Consent(
        user=user, purpose=HEALTH_DATA, text_version=HEALTH_DATA_CONSENT_VERSION, given_at=now
    )
    db.session.add(consent)
    user.health_consent_at = now
    return consent


def give_consent(user: User) -> Consent:
    """An existing member consents (members who joined before consent was asked for)."""
    if user.health_consent_at is not None:
        active = get_active_consent(user)
        if active is not None:
            return active
    consent = record_consent(user)
    db.session.commit()
    return consent


def get_active_consent(user: User) -> Consent | None:
    """The member's latest health-data consent that is not withdrawn, if any."""
    return db.session.scalar(
        sa.select(Consent)
        .where(
            Consent.user_id == user.id,
            Consent.purpose == HEALTH_DATA,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.given_at.desc(), Consent.id.desc())
        .limit(1)
    )
