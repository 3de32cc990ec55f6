"""The append-only moderation log: services add lines; nothing updates or deletes them.

Kernel, beside audit.py: every feature that acts on members' content (threads, boards,
safety, accounts, privacy, moderation) writes here, so it imports no feature package."""

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from forum.extensions import UTCDateTime, db, utcnow
from forum.security import log_moderation_action

if TYPE_CHECKING:
    from forum.accounts.models import User


class ModerationAction(db.Model):
    """The append-only moderation log. No route or service updates or deletes a row."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int]
    # The member the action concerns (author of the post, sanctioned member), for filtering.
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id], lazy="raise")
    subject_user: Mapped["User | None"] = relationship(
        foreign_keys=[subject_user_id], lazy="raise"
    )


class Target(Protocol):
    """What a line is about: a post, thread, member, sanction or board (its class name,
    lowercased, is the line's target type)."""

    id: int


def log_action(
    actor: "User | None",
    action: str,
    target: Target,
    subject_user_id: int | None = None,
    reason: str = "",
    **details,
) -> None:
    """Add a line to the append-only log, in the caller's transaction. The security log gets
    the same line once that transaction commits."""
    entry = ModerationAction(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=target.id,
        subject_user_id=subject_user_id,
        reason=reason or "",
        details=details,
    )
    db.session.add(entry)
    # Plain values: after the commit the entry's attributes are expired and unreadable.
    line = (entry.actor_id, action, f"{entry.target_type}:{target.id}", entry.reason)
    db.session.info.setdefault(_UNCOMMITTED, []).append(line)


_UNCOMMITTED = "forum.moderation.uncommitted"


@sa.event.listens_for(Session, "after_commit")
def _mirror_to_security_log(session: Session) -> None:
    for line in session.info.pop(_UNCOMMITTED, ()):
        log_moderation_action(*line)


@sa.event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)
