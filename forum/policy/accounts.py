"""What a member may change of what the forum shows under their name, and what a profile
may show its viewer.

A member's pseudonym and declared interest are shown on every post they made: changing
them is publishing, so a restriction (silence, suspension, ban) covers it as it covers
posting. Appealing stays open: it is how a restriction is questioned.

Every count and date a profile shows counts only what its viewer may read: a visitor's
count left out members-only posts, or set against a members-only thread's public reply
count and last-post time, it would tell who posted there."""

from datetime import datetime

import sqlalchemy as sa

from forum.policy.threads import post_is_public, thread_is_readable_by
from forum.policy.viewer import check_can_participate, is_signed_in, may_participate
from forum.threads.models import Post

RESTRICTED_NOTE = (
    "While you are silenced you cannot change your pseudonym or declared interest: both "
    "are shown on every post you made."
)


def check_may_change_name_or_interest(user, now: datetime | None = None) -> None:
    """Raise NotAllowed (saying until when) for a member who may not publish."""
    check_can_participate(user, now)


def may_change_name_or_interest(user, now: datetime | None = None) -> bool:
    return may_participate(user, now)


def profile_lists_posts_for(viewer, member) -> bool:
    """Whether `member`'s profile lists their posts (and their treatment path) to `viewer`:
    a member who hides their history shows it to signed-in members only."""
    return not member.hide_history or is_signed_in(viewer)


def profile_posts_readable_by(viewer, author_id: int) -> sa.ColumnElement[bool]:
    """The member's posts a profile counts and lists for `viewer`: visible, in approved
    threads the viewer may read. The caller joins Post.thread."""
    return sa.and_(Post.author_id == author_id, post_is_public(), thread_is_readable_by(viewer))
