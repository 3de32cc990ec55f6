"""What moderators may decide, and what a post's author may take back.

A post its author deleted is final for everyone but the author: no moderator decision
brings it back (that would republish health text the author took back); the author may
undo the deletion for UNDO_DELETE_DAYS, after which `flask forum purge-expired` erases it.
A moderator restores only what a moderator hid or removed.

A post waiting for approval is approved or rejected, nothing else: hiding it and then
keeping it would publish it without approval.

Nobody decides the appeal of a sanction they imposed or that is about them; a moderator
sanctions neither themselves nor a moderator or admin (only an admin sanctions a moderator).

Every function is pure: it reads the objects it is given and the clock it is passed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from forum.policy.viewer import is_admin, is_moderator, is_self, may_participate
from forum.threads.models import Post

# How long an author may undo deleting their post; the text is erased after.
UNDO_DELETE_DAYS = 14
UNDO_DELETE_PERIOD = timedelta(days=UNDO_DELETE_DAYS)


@dataclass(frozen=True)
class Decision:
    """A button in the review queue: the value the form sends, its label, its style."""

    value: str
    label: str
    style: str = ""


APPROVE = Decision("keep", "Approve")
REJECT = Decision("delete", "Reject", "danger")
KEEP = Decision("keep", "Keep")
HIDE = Decision("hide", "Hide", "secondary")
DELETE = Decision("delete", "Delete", "danger")
# The post is already gone (its author deleted it, or a moderator removed it): its open
# flags are closed, the post stays as it is.
CLOSE = Decision("close", "Close the flags")


def deleted_by_author(post) -> bool:
    return post.state == "deleted" and post.deleted_by_id in (None, post.author_id)


def posts_deleted_by_author(post=Post) -> sa.ColumnElement[bool]:
    """deleted_by_author, in SQL."""
    return sa.and_(
        post.state == "deleted",
        sa.or_(post.deleted_by_id.is_(None), post.deleted_by_id == post.author_id),
    )


def moderation_actions_for(viewer, post) -> tuple[Decision, ...]:
    """The decisions a moderator may take on a post in its state, as the queue offers them."""
    if not is_moderator(viewer):
        return ()
    if post.state == "pending" or (post.state == "hidden" and post.position is None):
        # Never published: only approving gives it its place in the thread.
        return (APPROVE, REJECT)
    if post.state in ("visible", "hidden"):
        return (KEEP, HIDE, DELETE)
    return (CLOSE,)  # deleted: restoring is may_restore_post's business


def may_decide_on_post(viewer, post, decision: str) -> bool:
    return any(action.value == decision for action in moderation_actions_for(viewer, post))


def may_restore_post(viewer, post) -> bool:
    """Moderators bring back a post a moderator hid or removed after it had its place in
    the thread; never one its author deleted, nor one that was never approved."""
    return (
        is_moderator(viewer)
        and post.position is not None
        and (post.state == "hidden" or (post.state == "deleted" and not deleted_by_author(post)))
    )


def undo_delete_ends_at(post) -> datetime | None:
    """Until when the author may undo deleting the post (None: not an author's deletion,
    or deleted before the time was kept)."""
    if not deleted_by_author(post) or post.deleted_at is None:
        return None
    return post.deleted_at + UNDO_DELETE_PERIOD


def may_undo_delete(viewer, post, now: datetime) -> bool:
    """The author, while they may publish, brings back a post they deleted, for 14 days."""
    ends_at = undo_delete_ends_at(post)
    return (
        ends_at is not None
        and now < ends_at
        and is_self(viewer, post.author_id)
        and may_participate(viewer, now)
    )


def may_appeal(viewer, sanction) -> bool:
    """The member a sanction is about appeals it (even while suspended or banned: that is
    what appealing is for); to anyone else it is not there."""
    return viewer is not None and sanction.user_id == viewer.id


def appeal_refusal(viewer, sanction) -> str | None:
    """Why `viewer` may not decide the appeal against `sanction`, or None if they may: a
    moderator other than the one who imposed it and the member it is about decides it.
    (Whether it is still open is the service's business: two moderators may race.)"""
    if not is_moderator(viewer):
        return "Only moderators can do that."
    if sanction.user_id == viewer.id:
        return "This sanction is about you: another moderator decides your appeal."
    if sanction.created_by_id == viewer.id:
        return "Another moderator must decide an appeal against your own sanction."
    return None


def may_decide_appeal(viewer, sanction) -> bool:
    """Whether `viewer` may decide an appeal against `sanction`."""
    return appeal_refusal(viewer, sanction) is None


def sanction_refusal(viewer, member) -> str | None:
    """Why `viewer` may not sanction `member`, or None if they may."""
    if not is_moderator(viewer):
        return "Only moderators can do that."
    if member.id == viewer.id:
        return "You cannot sanction yourself."
    if member.role in ("moderator", "admin") and not is_admin(viewer):
        return "Only an admin can sanction a moderator."
    return None


def may_sanction(viewer, member) -> bool:
    return sanction_refusal(viewer, member) is None
