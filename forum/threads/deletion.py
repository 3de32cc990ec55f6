"""An author takes back a post they deleted, within 14 days; after that it is erased
(forum/retention.py). A moderator never brings back what its author deleted."""

from forum.accounts.models import User
from forum.errors import NotAllowed
from forum.extensions import db, utcnow
from forum.policy.moderation import UNDO_DELETE_DAYS, may_undo_delete, undo_delete_ends_at
from forum.policy.viewer import check_can_participate, is_self
from forum.threads.models import Post


def undo_delete_post(author: User, post: Post) -> None:
    """Publish again a post its author deleted less than 14 days ago, where it was."""
    now = utcnow()
    if not may_undo_delete(author, post, now):
        ends_at = undo_delete_ends_at(post)
        if ends_at is None or not is_self(author, post.author_id):
            raise NotAllowed("Only its author can bring back a post they deleted.")
        if now >= ends_at:
            raise NotAllowed(
                f"A deleted post can be brought back for {UNDO_DELETE_DAYS} days only."
            )
        check_can_participate(author, now)  # silenced: says until when
        raise NotAllowed("You cannot bring back this post.")
    post.state = "visible"
    post.deleted_by_id = None
    post.deleted_at = None
    post.version = post.version + 1
    db.session.commit()
