"""What notifications does when a post's life changes (see forum/signals.py): in the
sender's transaction, so a notification exists exactly when what it tells of does."""

from forum.notifications.fanout import (
    notify_flaggers,
    notify_member,
    notify_new_post,
    notify_reaction,
    notify_references,
    unnotify_reaction,
)
from forum.notifications.services import auto_watch
from forum.signals import (
    flags_decided,
    post_approved,
    post_created,
    post_deleted,
    post_edited,
    post_hidden,
    post_reacted,
    post_restored,
    reaction_taken_back,
)


def connect_signals() -> None:
    """Subscribe once per process (blinker ignores connecting the same function again)."""
    post_created.connect(on_post_created)
    post_approved.connect(on_post_approved)
    post_edited.connect(on_post_edited)
    post_hidden.connect(on_post_hidden)
    post_deleted.connect(on_post_deleted)
    post_restored.connect(on_post_restored)
    flags_decided.connect(on_flags_decided)
    post_reacted.connect(on_post_reacted)
    reaction_taken_back.connect(on_reaction_taken_back)


def on_post_created(post, *, thread, author, **_) -> None:
    """Its author watches the thread; a visible post's watchers and the members it
    mentions or quotes are told (a waiting post's, on approval)."""
    auto_watch(author, thread.id)
    notify_new_post(post, thread)


def on_post_approved(post, *, thread, **_) -> None:
    notify_new_post(post, thread)


def on_post_edited(post, **_) -> None:
    notify_references(post)  # members the edit newly mentions or quotes


def on_post_hidden(post, *, actor, reason, **_) -> None:
    outcome = "hidden" if actor is not None else "hidden until reviewed"
    notify_member(post.author_id, "post_hidden", actor, outcome, reason, post)


def on_post_deleted(post, *, actor, reason, **_) -> None:
    # An author deleting their own post is not told of it (notify_member skips one's own act).
    notify_member(post.author_id, "post_hidden", actor, "removed", reason, post)


def on_post_restored(post, *, actor, reason, **_) -> None:
    notify_member(post.author_id, "post_restored", actor, "restored", reason, post)


def on_flags_decided(post, *, moderator, outcome, reason, decided_at, **_) -> None:
    notify_flaggers(moderator, post, outcome, reason, decided_at)


def on_post_reacted(post, *, member, kind, **_) -> None:
    notify_reaction(post, member, kind)


def on_reaction_taken_back(post, *, member, **_) -> None:
    unnotify_reaction(post, member)
