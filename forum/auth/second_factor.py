"""A second factor for moderators and admins: an authenticator app's six-digit codes (TOTP)
plus ten single-use recovery codes.

A moderator can read every members-only thread and sanction people, so a taken-over social
account must not be enough to act as one. The views (forum/auth/views.py) keep when the
code was last typed in the session; these services only check codes and keep the factor."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.auth.models import RecoveryCode, SecondFactor
from forum.auth.sessions import delete_member_sessions
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.policy.viewer import is_moderator

ISSUER = "Firsthand"
RECOVERY_CODES = 10
TOTP_DIGITS = 6
# No 0/o, 1/l: a code copied from paper is read back without doubt. 12 characters of 32
# are 60 random bits: a plain SHA-256 of them is safe to keep.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 12
# A code from the step before or after the server's is accepted: phone clocks drift.
_DRIFT_STEPS = 1

WRONG_CODE = "That code is not right. Type the six digits your app shows now, or a recovery code."
REUSED_CODE = "That code was already used. Wait for your app to show the next one."


class SecondFactorFailed(DomainError):
    status_code = 422

    def __init__(self, message: str = WRONG_CODE):
        super().__init__(message, field="code")


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret as text and as a QR code."""

    secret: str
    qr_svg: Markup

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, easier to type into an app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def needs_second_factor(user: User) -> bool:
    """Moderators and admins, as the policy says who they are: they read every members-only
    thread and sanction people, so a taken-over sign-in must not be enough."""
    return is_moderator(user)


def has_second_factor(user: User) -> bool:
    """Whether the person has a confirmed factor (one query)."""
    return (
        db.session.scalar(
            sa.select(SecondFactor.confirmed_at).where(SecondFactor.user_id == user.id)
        )
        is not None
    )


def start_enrolment(user: User) -> Enrolment:
    """The secret a moderator's app is to learn, kept until a first code confirms it.

    Showing the page again keeps the same secret, so an app that already scanned it still
    matches; a confirmed factor is never replaced here (an admin resets it)."""
    if not needs_second_factor(user):
        raise NotAllowed("Only moderators and admins set up a second factor.")
    factor = db.session.get(SecondFactor, user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise DomainError("Your second factor is already set up.")
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(factor)
        try:
            db.session.commit()
        except IntegrityError:  # the page opened twice at once: show the secret kept first
            db.session.rollback()
            factor = db.session.get(SecondFactor, user.id)
    return Enrolment(factor.secret, _qr_svg(user, factor.secret))


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the factor with a first correct code; return the ten recovery codes, in
    clear text for the only time (only their digests are kept)."""
    now = now or utcnow()
    factor = db.session.get(SecondFactor, user.id)
    if factor is None or factor.confirmed_at is not None:
        raise DomainError("Start again: open the set-up page for a new QR code.")
    step = _matching_step(factor.secret, code, now)
    if step is None:
        raise SecondFactorFailed()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    factor.confirmed_at = now
    factor.last_step = step
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_digest=_digest(c)) for c in codes)
    db.session.commit()
    return codes


def verify_second_factor(user: User, code: str, now: datetime | None = None) -> str:
    """Check a code typed at sign-in or before a sensitive action: "totp" or "recovery"
    (which one was used), or SecondFactorFailed. Each code works once."""
    now = now or utcnow()
    factor = db.session.get(SecondFactor, user.id)
    if factor is None or factor.confirmed_at is None:
        raise DomainError("Set up your second factor first.")
    typed = _normalise(code)
    if len(typed) == TOTP_DIGITS and typed.isdigit():
        step = _matching_step(factor.secret, typed, now)
        if step is None:
            raise SecondFactorFailed()
        # Compare-and-set in one statement: two requests racing with one code, one wins.
        taken = db.session.execute(
            sa.update(SecondFactor)
            .where(
                SecondFactor.user_id == user.id,
                sa.or_(SecondFactor.last_step.is_(None), SecondFactor.last_step < step),
            )
            .values(last_step=step)
        )
        if taken.rowcount != 1:
            db.session.rollback()
            raise SecondFactorFailed(REUSED_CODE)
        db.session.commit()
        return "totp"
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_digest == _digest(typed),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:
        db.session.rollback()
        raise SecondFactorFailed()
    db.session.commit()
    return "recovery"


def count_recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def reset_second_factor(user: User) -> bool:
    """Remove the person's factor and recovery codes (a lost phone): they set up a new one
    at their next moderation page. Their sessions end everywhere, so a session verified with
    the old factor cannot go on. False when there was nothing to reset."""
    removed = db.session.execute(
        sa.delete(SecondFactor).where(SecondFactor.user_id == user.id)
    ).rowcount
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    delete_member_sessions(user.id)
    db.session.commit()
    return bool(removed)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within the allowed drift), or None."""
    typed = _normalise(code)
    if len(typed) != TOTP_DIGITS or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def _normalise(code: str | None) -> str:
    """What the person typed, without the spaces and dashes apps and our codes show."""
    return "".join((code or "").split()).replace("-", "").lower()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _qr_svg(user: User, secret: str) -> Markup:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.display_name, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        border=4,
        light="#fff",  # a dark page theme must not leave the code dark on dark
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
        title="QR code for your authenticator app",
    )
    # Our own drawing: paths and a fixed title, no member's text (the address it encodes
    # is in the paths' shapes, not in the markup). Trusted output, not user HTML.
    return Markup(svg)  # nosec B704
