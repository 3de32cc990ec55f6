"""Turning notifications into queued mail: one per notification for members on "instant",
a digest a day for members on "daily". A notification is claimed by setting its mailed_at
(an UPDATE that only one run can win), so it is never queued twice."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.mail.services import (
    endpoint_url,
    render_text,
    site_name,
    site_url,
    unsubscribe_url,
)
from forum.notifications.models import Notification, OutgoingMail
from forum.notifications.services import describe, notification_options, target_path

# Older unread notifications wait on the site: confirming an address, or turning mail back
# on, does not unleash a backlog.
MAX_AGE = timedelta(days=3)
DIGEST_INTERVAL = timedelta(hours=24)
DIGEST_LIMIT = 30  # listed in one digest; the rest are summed up with a link
BATCH = 200
SUBJECT_MAX = 150


def _members_on(frequency: str):
    return sa.and_(
        User.email_frequency == frequency,
        User.notify_email.is_not(None),
        User.notify_email_confirmed_at.is_not(None),
        User.deleted_at.is_(None),
    )


def _mailable(now: datetime):
    """Notifications not yet mailed, still unread, and new since the address was confirmed."""
    return sa.and_(
        Notification.mailed_at.is_(None),
        Notification.read_at.is_(None),
        Notification.updated_at >= User.notify_email_confirmed_at,
        Notification.updated_at >= now - MAX_AGE,
    )


def _claim_notification(notification_id: int, now: datetime) -> bool:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.mailed_at.is_(None))
        .values(mailed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def one_line(text: str, limit: int) -> str:
    """Subject text: no line breaks or other control characters, whatever a title holds."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _item(notification: Notification) -> dict:
    return {"text": describe(notification), "url": site_url(target_path(notification))}


def queue_instant_mail() -> int:
    """One mail per new notification for members on "instant"."""
    now = utcnow()
    queued, after = 0, 0
    while True:
        rows = db.session.execute(
            sa.select(Notification, User.notify_email)
            .join(User, User.id == Notification.user_id)
            .where(_members_on("instant"), _mailable(now), Notification.id > after)
            .options(*notification_options())
            .order_by(Notification.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        mails = [
            (notification.id, notification.user_id, address, _item(notification))
            for notification, address in rows
        ]
        after = mails[-1][0]
        end_read()
        for notification_id, user_id, address, item in mails:
            queued += _queue_instant(notification_id, user_id, address, item, now)
    db.session.commit()
    return queued


def _queue_instant(notification_id, user_id, address, item, now) -> int:
    if not _claim_notification(notification_id, now):
        db.session.rollback()  # another run took it
        return 0
    body = render_text(
        "mail/instant.txt",
        item=item,
        settings_url=endpoint_url("mail.settings"),
        unsubscribe_url=unsubscribe_url(user_id, address),
    )
    db.session.add(
        OutgoingMail(
            user_id=user_id,
            to_address=address,
            subject=one_line(f"{site_name()}: {item['text']}", SUBJECT_MAX),
            body_text=body,
            kind="instant",
            dedupe_key=f"instant:{notification_id}",
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Already queued once: keep it marked, never queue it twice.
        db.session.rollback()
        _claim_notification(notification_id, now)
        db.session.commit()
        return 0
    return 1


def queue_digests() -> int:
    """One digest for each member on "daily" with something new and no digest for 24 hours."""
    now = utcnow()
    recent_digest = (
        sa.select(OutgoingMail.id)
        .where(
            OutgoingMail.user_id == User.id,
            OutgoingMail.kind == "digest",
            OutgoingMail.created_at > now - DIGEST_INTERVAL,
        )
        .exists()
    )
    pending = (
        sa.select(Notification.id).where(Notification.user_id == User.id, _mailable(now)).exists()
    )
    user_ids = db.session.scalars(
        sa.select(User.id).where(_members_on("daily"), pending, ~recent_digest).order_by(User.id)
    ).all()
    db.session.commit()
    return sum(_queue_digest(user_id, now) for user_id in user_ids)


def _queue_digest(user_id: int, now: datetime) -> int:
    address = db.session.scalar(sa.select(User.notify_email).where(User.id == user_id))
    notifications = db.session.scalars(
        sa.select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(Notification.user_id == user_id, _mailable(now))
        .options(*notification_options())
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
    ).all()
    candidates = [(n.id, _item(n)) for n in notifications]
    end_read()
    claimed = [
        item for notification_id, item in candidates if _claim_notification(notification_id, now)
    ]
    if not claimed:
        db.session.rollback()
        return 0
    items = claimed[:DIGEST_LIMIT]
    body = render_text(
        "mail/digest.txt",
        items=items,
        more=len(claimed) - len(items),
        notifications_url=site_url("/notifications"),
        settings_url=endpoint_url("mail.settings"),
        unsubscribe_url=unsubscribe_url(user_id, address),
    )
    count = len(claimed)
    db.session.add(
        OutgoingMail(
            user_id=user_id,
            to_address=address,
            subject=f"{site_name()}: {count} new notification{'s' if count != 1 else ''}",
            body_text=body,
            kind="digest",
            dedupe_key=f"digest:{user_id}:{now:%Y-%m-%d}",
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another run queued today's digest; the claims are undone
        return 0
    return 1


def end_read() -> None:
    """End a reading transaction before writing. Two runs may overlap, and SQLite cannot
    turn a read into a write once the other run has written since ("database is locked")."""
    db.session.commit()
