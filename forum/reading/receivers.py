"""What reading does when a post is hidden or deleted (see forum/signals.py): the
notifications that point others at it leave their lists and unread counts, in the
sender's transaction, so no one is sent to a placeholder. Its author's own notice of the
moderator's decision ("post_hidden") stays."""

import sqlalchemy as sa

from forum.extensions import db
from forum.notifications.models import Notification
from forum.signals import post_deleted, post_hidden
from forum.threads.models import Post, PostState

# Notifications that invite a member to read someone's post.
ABOUT_READING = ("reply", "mention", "quote", "thread")


def connect_signals() -> None:
    """Subscribe once per process (blinker ignores connecting the same function again)."""
    post_hidden.connect(on_post_gone)
    post_deleted.connect(on_post_gone)


def on_post_gone(post, **_) -> None:
    withdraw_notifications_about(post)


def withdraw_notifications_about(post: Post) -> None:
    """Remove the notifications that lead to `post`. A batch of new replies that starts
    at it keeps the others: it starts at the next visible reply, one fewer."""
    next_visible = db.session.scalar(
        sa.select(sa.func.min(Post.id)).where(
            Post.thread_id == post.thread_id, Post.id > post.id, Post.state == PostState.VISIBLE
        )
    )
    if next_visible is not None:
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.post_id == post.id,
                Notification.kind == "reply",
                Notification.count > 1,
            )
            .values(post_id=next_visible, count=Notification.count - 1)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.delete(Notification)
        .where(Notification.post_id == post.id, Notification.kind.in_(ABOUT_READING))
        .execution_options(synchronize_session=False)
    )
