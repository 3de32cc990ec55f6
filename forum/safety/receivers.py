"""Safety listens to a post's life (see forum/signals.py): a new or edited post that
matches a crisis phrase goes before moderators as urgent, in the post's own transaction."""

from forum.safety.services import flag_for_care
from forum.signals import post_created, post_edited


def connect_signals() -> None:
    """Subscribe once per process (blinker ignores connecting the same function again)."""
    post_created.connect(on_post_created)
    post_edited.connect(on_post_edited)


def on_post_created(post, *, thread, **_) -> None:
    # Published all the same, waiting or not; moderators look first.
    text = f"{thread.title}\n{post.body_source}" if post.is_first else post.body_source
    flag_for_care(post, text)


def on_post_edited(post, *, editor, title, **_) -> None:
    if editor.id != post.author_id:  # a moderator's edit is no sign of the author's state
        return
    flag_for_care(post, post.body_source if title is None else f"{title}\n{post.body_source}")
