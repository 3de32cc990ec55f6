"""Trust levels on the moderators' side: the strikes that hold a member back from
"established" (a flag upheld on their post, a sanction), and the level a moderator sets by
hand with a reason. What each level allows: forum/policy/trust.py."""

from datetime import datetime

import sqlalchemy as sa

from forum.accounts.models import TrustLevel, User
from forum.errors import DomainError, NotAllowed
from forum.extensions import db
from forum.moderation_log import log_action
from forum.policy.trust import computed_level, may_set_trust_level, trust_level


def record_strike(member_id: int | None, at: datetime) -> None:
    """A moderator upheld a flag on the member's post or sanctioned them, at `at`: in the
    caller's transaction, and never moved back by an older one."""
    if member_id is None:
        return
    db.session.execute(
        sa.update(User)
        .where(
            User.id == member_id,
            sa.or_(User.last_strike_at.is_(None), User.last_strike_at < at),
        )
        .values(last_strike_at=at)
        .execution_options(synchronize_session="fetch")
    )


def set_trust_level(
    moderator: User, member: User, level: TrustLevel | None, reason: str
) -> TrustLevel:
    """Set the member's level by hand (or, with None, give it back to the computation),
    with a reason that goes in the moderation log. Returns the level they now have."""
    if not may_set_trust_level(moderator, member):
        raise NotAllowed("Only moderators set a member's trust level, and not a moderator's.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Please say why; it goes in the moderation log.", "reason")
    before = trust_level(member)
    member.trust_level_override = level.value if level is not None else None
    log_action(
        moderator,
        "trust_level",
        member,
        subject_user_id=member.id,
        reason=reason,
        before=before.value,
        after=(level or computed_level(member)).value,
        by_hand=level is not None,
    )
    db.session.commit()
    return trust_level(member)
