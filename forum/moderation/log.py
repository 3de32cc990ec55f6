"""The append-only moderation log: services add lines; nothing updates or deletes them."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.moderation.models import ModerationAction, Sanction
from forum.security import log_moderation_action
from forum.threads.models import Post, Thread


def log_action(
    actor: User | None,
    action: str,
    target: "Post | Thread | User | Sanction | Board",
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
