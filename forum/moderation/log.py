"""The append-only moderation log: services add lines; nothing updates or deletes them."""

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.moderation.models import ModerationAction, Sanction
from forum.threads.models import Post, Thread


def log_action(
    actor: User | None,
    action: str,
    target: "Post | Thread | User | Sanction | Board",
    subject_user_id: int | None = None,
    reason: str = "",
    **details,
) -> None:
    """Add a line to the append-only log, in the caller's transaction."""
    db.session.add(
        ModerationAction(
            actor_id=actor.id if actor else None,
            action=action,
            target_type=type(target).__name__.lower(),
            target_id=target.id,
            subject_user_id=subject_user_id,
            reason=reason or "",
            details=details,
        )
    )
