"""Who the viewer is, and whether they may publish at all.

Every function accepts None (no request, e.g. a CLI job), the anonymous Visitor and a
User, so callers never test `is_authenticated` themselves."""

from datetime import datetime

from flask import current_app

from forum.errors import NotAllowed
from forum.extensions import utcnow


def _when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


def is_signed_in(viewer) -> bool:
    """A signed-in member (of any role), not None or the anonymous Visitor."""
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False))


def is_moderator(viewer) -> bool:
    """Moderators and admins."""
    return is_signed_in(viewer) and getattr(viewer, "role", None) in ("moderator", "admin")


def is_admin(viewer) -> bool:
    return is_signed_in(viewer) and getattr(viewer, "role", None) == "admin"


def is_self(viewer, user_id: int | None) -> bool:
    """The viewer is the member with this id (the author of a post, a thread, a report)."""
    return is_signed_in(viewer) and user_id is not None and viewer.id == user_id


def check_can_participate(user, now: datetime | None = None) -> None:
    """Silenced, suspended and banned members may read but not publish any text: post,
    reply, edit, flag, report, or change what the forum shows under their name."""
    if not is_signed_in(user):
        raise NotAllowed("Please sign in first.")
    now = now or utcnow()
    if user.banned_at is not None:
        raise NotAllowed("Your account is banned.")
    if user.suspended_until and user.suspended_until > now:
        raise NotAllowed(f"Your account is suspended until {_when(user.suspended_until)}.")
    if user.silenced_until and user.silenced_until > now:
        raise NotAllowed(
            f"You are silenced until {_when(user.silenced_until)}: you can read, but not "
            "post, reply, edit or flag."
        )


def may_participate(user, now: datetime | None = None) -> bool:
    """Whether to offer the reply, edit, flag and report buttons at all."""
    try:
        check_can_participate(user, now)
    except NotAllowed:
        return False
    return True


def needs_approval(member) -> bool:
    """A new member's first posts (FORUM_NEW_MEMBER_APPROVAL_POSTS of them) wait for a
    moderator before others see them; moderators' never do. The services hold a post back
    by it, and the forms that publish tell the member beforehand."""
    if not is_signed_in(member) or is_moderator(member):
        return False
    return (member.post_count or 0) < current_app.config["NEW_MEMBER_APPROVAL_POSTS"]
