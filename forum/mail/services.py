"""A member's notification e-mail: the address, its confirmation, how often, unsubscribing.

The address is private: only its owner sees it, on the e-mail settings page. Links in mails
carry a keyed hash of it, never the address itself, because URLs end up in server logs."""

import hashlib
import hmac
import re
from datetime import timedelta
from email.utils import parseaddr
from typing import Literal

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.errors import Conflict, DomainError
from forum.extensions import db, utcnow
from forum.notifications.models import EMAIL_FREQUENCIES, OutgoingMail

CONFIRM_MAX_AGE = timedelta(days=2)
# Confirmation mails per member per day: the form must not become a way to flood a stranger.
CONFIRMATIONS_PER_DAY = 5
_CONFIRM_SALT = "forum.mail.confirm"
_UNSUBSCRIBE_SALT = "forum.mail.unsubscribe"
_DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"

# A dot-atom local part (no quoted strings, no comments) and a host name of LDH labels.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
ADDRESS_MAX = 254


# -- configuration ---------------------------------------------------------------------


def mail_enabled() -> bool:
    """Whether this site sends e-mail at all (an SMTP host is configured)."""
    return bool(current_app.config.get("MAIL_HOST"))


def config_problem(config, development: bool) -> str | None:
    """Why the mail settings cannot work, or None. Without MAIL_HOST mail is simply off."""
    if not config.get("MAIL_HOST"):
        return None
    sender = config.get("MAIL_FROM")
    if not sender:
        return "Set FORUM_MAIL_FROM (e.g. 'Firsthand <notifications@forum.example>') to send mail."
    try:
        normalise_address(parseaddr(str(sender))[1])
    except DomainError:
        return f"FORUM_MAIL_FROM is not an e-mail address: {sender!r}."
    if not config.get("BASE_URL") and not development:
        return "Set FORUM_BASE_URL (e.g. https://forum.example): links in e-mails need it."
    return None


def site_url(path: str) -> str:
    """An absolute address on this site, built from BASE_URL (never from a Host header)."""
    base = current_app.config.get("BASE_URL") or _DEVELOPMENT_BASE_URL
    return base.rstrip("/") + path


def endpoint_url(endpoint: str, **values) -> str:
    """site_url() of one of our routes; works outside a request (send-mail runs from cron)."""
    return site_url(current_app.url_map.bind("localhost").build(endpoint, values))


# -- addresses and signed links --------------------------------------------------------


def normalise_address(text: str) -> str:
    """The address as stored (host name in lower case, international names in ASCII), or
    a DomainError on the address field."""
    address = (text or "").strip()
    local, at, domain = address.rpartition("@")
    invalid = DomainError("Enter an e-mail address like name@example.org.", "address")
    if not at or len(address) > ADDRESS_MAX or len(local) > 64:
        raise invalid
    if not _LOCAL_PART.fullmatch(local):
        raise invalid
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise invalid from None
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or not all(map(_LABEL.fullmatch, labels)):
        raise invalid
    return f"{local}@{domain}"


def _address_key(address: str) -> str:
    """Binds a link to one address without putting the address in the link."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()[:20]


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirmation_token(user: User) -> str:
    return _serializer(_CONFIRM_SALT).dumps([user.id, _address_key(user.notify_email)])


def unsubscribe_token(user_id: int, address: str) -> str:
    """Untimed, so the link never expires and is the same in a mail's body and its header."""
    return _unsubscribe_serializer().dumps([user_id, _address_key(address)])


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_url(user_id: int, address: str) -> str:
    return endpoint_url("mail.unsubscribe", token=unsubscribe_token(user_id, address))


def _member_for(payload, wrong_address: str) -> User:
    try:
        user_id, key = payload
        user_id, key = int(user_id), str(key)
    except (TypeError, ValueError):
        raise DomainError("This link is not valid.") from None
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise DomainError("This link is not valid: the account no longer exists.")
    if not user.notify_email or not hmac.compare_digest(key, _address_key(user.notify_email)):
        raise DomainError(wrong_address)
    return user


# -- the member's settings -------------------------------------------------------------

SaveOutcome = Literal["confirmation_sent", "saved"]


def save_email_settings(user: User, address: str, frequency: str) -> SaveOutcome:
    """Keep the member's notification address and how often to write to it. A new address
    gets only a confirmation mail until its link is followed."""
    if not mail_enabled():
        raise Conflict("This site does not send e-mail, so there is nothing to set up.")
    if frequency not in EMAIL_FREQUENCIES:
        raise DomainError("Choose how often you want e-mail.", "frequency")
    address = normalise_address(address)
    user.email_frequency = frequency
    outcome: SaveOutcome = "saved"
    if address != user.notify_email:
        _forget_address(user)
        user.notify_email = address
        user.notify_email_confirmed_at = None
        _queue_confirmation(user)
        outcome = "confirmation_sent"
    db.session.commit()
    return outcome


def resend_confirmation(user: User) -> None:
    """Queue a fresh confirmation link for the member's unconfirmed address."""
    if not mail_enabled():
        raise Conflict("This site does not send e-mail at the moment.")
    if not user.notify_email:
        raise DomainError("Add an address first.")
    if user.notify_email_confirmed_at is not None:
        raise DomainError("Your address is already confirmed.")
    _queue_confirmation(user)
    db.session.commit()


def remove_notify_email(user: User) -> None:
    """Forget the member's address: no more mail, and pending mail to it is dropped."""
    _forget_address(user)
    user.notify_email = None
    user.notify_email_confirmed_at = None
    user.email_frequency = "none"
    db.session.commit()


def _forget_address(user: User) -> None:
    """Drop unsent mail to the member's current address and blank it in sent mail. Sent rows
    stay (their keys keep mail from going out twice; confirmations count towards the cap)."""
    db.session.execute(
        sa.delete(OutgoingMail).where(
            OutgoingMail.user_id == user.id, OutgoingMail.sent_at.is_(None)
        )
    )
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.user_id == user.id, OutgoingMail.to_address != "")
        .values(to_address="")
    )


def _queue_confirmation(user: User) -> None:
    since = utcnow() - timedelta(days=1)
    asked = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutgoingMail)
        .where(
            OutgoingMail.user_id == user.id,
            OutgoingMail.kind == "confirm",
            OutgoingMail.created_at >= since,
        )
    )
    if asked >= CONFIRMATIONS_PER_DAY:
        raise DomainError(
            f"You asked for {CONFIRMATIONS_PER_DAY} confirmation links today. Please use one "
            "of those, or try again tomorrow.",
            "address",
        )
    token = confirmation_token(user)
    body = render_text(
        "mail/confirm.txt",
        url=endpoint_url("mail.confirm", token=token),
        days=CONFIRM_MAX_AGE.days,
        settings_url=endpoint_url("mail.settings"),
    )
    mail = OutgoingMail(
        user_id=user.id,
        to_address=user.notify_email,
        subject=f"Confirm your e-mail address for {site_name()}",
        body_text=body,
        kind="confirm",
        dedupe_key=f"confirm:{user.id}:{hashlib.sha256(token.encode()).hexdigest()[:32]}",
    )
    try:
        with db.session.begin_nested():
            db.session.add(mail)
    except IntegrityError:
        pass  # the same link (same second) is already queued: a double click


def render_text(template: str, **context) -> str:
    """A plain-text mail body. Not render_template: mails are written outside requests (by
    send-mail), where request-bound context processors have nothing to work with."""
    return current_app.jinja_env.get_template(template).render(**context)


def site_name() -> str:
    return current_app.jinja_env.globals.get("site_name", "Firsthand")


# -- links from mails ------------------------------------------------------------------


def read_confirmation(token: str) -> User:
    """The member a confirmation link is for, or a DomainError saying why it cannot be used."""
    try:
        payload = _serializer(_CONFIRM_SALT).loads(
            token, max_age=int(CONFIRM_MAX_AGE.total_seconds())
        )
    except SignatureExpired:
        raise DomainError(
            f"This confirmation link has expired: links work for {CONFIRM_MAX_AGE.days} days. "
            "Ask for a new one on your e-mail settings page."
        ) from None
    except BadSignature:
        raise DomainError(
            "This confirmation link is not valid. Copy the whole link from the e-mail, or ask "
            "for a new one on your e-mail settings page."
        ) from None
    return _member_for(
        payload,
        "This confirmation link is for an address that is no longer on this account. "
        "Use the link in the newest confirmation e-mail.",
    )


def confirm_notify_email(token: str) -> User:
    """Mark the address the link was sent to as confirmed (once; again is harmless)."""
    user = read_confirmation(token)
    if user.notify_email_confirmed_at is None:
        user.notify_email_confirmed_at = utcnow()
        db.session.commit()
    return user


def read_unsubscribe(token: str) -> User:
    """The member an unsubscribe link is for. The links do not expire: old mails keep working."""
    try:
        payload = _unsubscribe_serializer().loads(token)
    except BadSignature:
        raise DomainError(
            "This unsubscribe link is not valid. Copy the whole link from the e-mail, or change "
            "your e-mail settings after signing in."
        ) from None
    return _member_for(
        payload,
        "This link is for an address that no longer gets notifications from us, so there is "
        "nothing to stop.",
    )


def unsubscribe(token: str) -> User:
    """Stop notification e-mail (the address stays, so the member can turn it back on)."""
    user = read_unsubscribe(token)
    if user.email_frequency != "none":
        user.email_frequency = "none"
        db.session.commit()
    return user
