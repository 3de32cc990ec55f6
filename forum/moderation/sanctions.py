"""Sanctions (warning, silence, suspension, ban) and appeals.

The member's current restrictions are kept on the users row (silenced_until,
suspended_until, banned_at), so checking them costs no query on any request."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.auth.sessions import delete_member_sessions
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.moderation.models import SANCTION_KINDS, Appeal, Sanction
from forum.moderation.trust import record_strike
from forum.moderation_log import log_action
from forum.notifications.fanout import notify_member
from forum.policy.moderation import appeal_refusal, sanction_refusal
from forum.policy.viewer import check_can_participate, may_participate  # noqa: F401 (moved)

TIMED = ("silence", "suspension")


def _when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


def is_locked_out(user: User, now: datetime | None = None) -> bool:
    """Suspended or banned: cannot be signed in at all."""
    now = now or utcnow()
    return user.banned_at is not None or bool(user.suspended_until and user.suspended_until > now)


class LockedOut(NotAllowed):
    """Sign-in refused for a suspended or banned member, who may still read and appeal."""

    def __init__(self, message: str, user_id: int):
        super().__init__(message)
        self.user_id = user_id


def refuse_locked_out(user: User) -> None:
    """Signing in is refused while a suspension runs or after a ban."""
    if user.banned_at is not None:
        raise LockedOut("This account is banned. You can still read the forum.", user.id)
    if is_locked_out(user):
        raise LockedOut(
            f"This account is suspended until {_when(user.suspended_until)}. "
            "You can still read the forum.",
            user.id,
        )


def list_sanctions(user: User) -> list[Sanction]:
    """The member's sanction history, newest first, with appeals."""
    return list(
        db.session.scalars(
            sa.select(Sanction)
            .where(Sanction.user_id == user.id)
            .options(joinedload(Sanction.created_by), joinedload(Sanction.appeal))
            .order_by(Sanction.id.desc())
        )
    )


def impose_sanction(
    moderator: User, member: User, kind: str, reason: str, ends_at: datetime | None
) -> Sanction:
    """Warn, silence, suspend or ban a member, with a reason and (for silence and
    suspension) an end time. Suspension and ban end the member's sessions at once."""
    if kind not in SANCTION_KINDS:
        raise DomainError("Choose warning, silence, suspension or ban.", "kind")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Please give a reason; the member will see it.", "reason")
    if refusal := sanction_refusal(moderator, member):
        raise NotAllowed(refusal)
    now = utcnow()
    if kind in TIMED:
        if ends_at is None or ends_at <= now:
            raise DomainError("Please choose an end time in the future.", "ends_at")
    else:
        ends_at = None
    sanction = Sanction(
        user_id=member.id,
        kind=kind,
        reason=reason,
        starts_at=now,
        ends_at=ends_at,
        created_by_id=moderator.id,
    )
    db.session.add(sanction)
    record_strike(member.id, now)
    if kind == "silence":
        member.silenced_until = max(filter(None, [member.silenced_until, ends_at]))
    elif kind == "suspension":
        member.suspended_until = max(filter(None, [member.suspended_until, ends_at]))
        delete_member_sessions(member.id)
    elif kind == "ban":
        member.banned_at = now
        delete_member_sessions(member.id)
    db.session.flush()
    log_action(
        moderator,
        f"sanction_{kind}",
        sanction,
        subject_user_id=member.id,
        reason=reason,
        ends_at=ends_at.isoformat() if ends_at else None,
    )
    outcome = f"{kind} until {_when(ends_at)}" if ends_at else kind
    notify_member(member.id, "sanction", moderator, outcome, reason)
    db.session.commit()
    return sanction


def appeal_sanction(member: User, sanction: Sanction, text: str) -> Appeal:
    """One appeal per sanction, by the sanctioned member."""
    if sanction.user_id != member.id:
        raise NotAllowed("You can only appeal your own sanctions.")
    if sanction.overturned_at is not None:
        raise DomainError("This sanction was already overturned.")
    text = (text or "").strip()
    if not 10 <= len(text) <= 2000:
        raise DomainError("Please explain in 10 to 2,000 characters.", "text")
    appeal = Appeal(sanction_id=sanction.id, text=text)
    db.session.add(appeal)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError("You have already appealed this sanction.") from None
    return appeal


def list_open_appeals() -> list[Appeal]:
    return list(
        db.session.scalars(
            sa.select(Appeal)
            .where(Appeal.decision.is_(None))
            .options(
                joinedload(Appeal.sanction).joinedload(Sanction.user),
                joinedload(Appeal.sanction).joinedload(Sanction.created_by),
            )
            .order_by(Appeal.created_at)
        )
    )


def decide_appeal(moderator: User, appeal: Appeal, decision: str, reason: str) -> None:
    """Uphold or overturn, by a moderator other than the one who imposed the sanction and
    the member it is about."""
    sanction = db.session.get(Sanction, appeal.sanction_id)
    if refusal := appeal_refusal(moderator, sanction):
        raise NotAllowed(refusal)
    if appeal.decision is not None:
        raise Conflict("This appeal was already decided.")
    if decision not in ("upheld", "overturned"):
        raise DomainError("Choose uphold or overturn.")
    now = utcnow()
    appeal.decision = decision
    appeal.decision_reason = (reason or "").strip() or None
    appeal.decided_by_id = moderator.id
    appeal.decided_at = now
    if decision == "overturned":
        sanction.overturned_at = now
        db.session.flush()
        _recompute_restrictions(db.session.get(User, sanction.user_id), now)
    log_action(
        moderator, f"appeal_{decision}", sanction, subject_user_id=sanction.user_id, reason=reason
    )
    notify_member(sanction.user_id, "appeal_decided", moderator, decision, reason)
    db.session.commit()


def _recompute_restrictions(member: User, now: datetime) -> None:
    """After an overturn: the restrictions that the remaining sanctions still impose."""
    active = [s for s in list_sanctions(member) if s.is_active(now)]
    member.silenced_until = max((s.ends_at for s in active if s.kind == "silence"), default=None)
    member.suspended_until = max(
        (s.ends_at for s in active if s.kind == "suspension"), default=None
    )
    member.banned_at = min((s.starts_at for s in active if s.kind == "ban"), default=None)
