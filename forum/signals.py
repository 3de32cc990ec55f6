"""A post's life, announced: the package that owns a post does not know who listens.

Threads and moderation send these; notifications and safety subscribe (each listening
package has a `receivers.py` whose `connect_signals()` create_app calls once). Search needs
no receiver: its indexes follow the posts table by database triggers.

Receivers run synchronously, in the sender's transaction, before it commits: what they add
(notifications, subscriptions, flags, moderation log lines) is committed or rolled back
with the post. So a receiver never commits, never rolls back and never calls back into the
sender's use cases. Receivers must not depend on each other's order (blinker keeps none).

The sender of every signal is the `Post` concerned (a `forum.threads.models.Post`).
"""

from blinker import Namespace

_signals = Namespace()

post_created = _signals.signal(
    "post-created",
    doc="""A thread's first post or a reply was added (flushed: it has an id), visible
    or waiting for approval (`post.state == "pending"`).
    kwargs: thread (Thread), author (User).""",
)

post_edited = _signals.signal(
    "post-edited",
    doc="""A post's text was replaced (its old text kept as a revision), by its author
    or by a moderator.
    kwargs: editor (User), title (str | None: the new thread title given with the edit).""",
)

post_approved = _signals.signal(
    "post-approved",
    doc="""A moderator approved a post that waited: it is now visible and counted.
    kwargs: thread (Thread).""",
)

post_hidden = _signals.signal(
    "post-hidden",
    doc="""A post was hidden: by a moderator, or pending review by members' flags.
    kwargs: actor (User | None: None when members' flags hid it; who flagged is not
    said), reason (str | None: the reason to give its author).""",
)

post_deleted = _signals.signal(
    "post-deleted",
    doc="""A post was deleted (soft: it stays as a placeholder), by its author or by a
    moderator.
    kwargs: actor (User), reason (str | None: a moderator's reason).""",
)

post_restored = _signals.signal(
    "post-restored",
    doc="""A moderator brought back a post that was hidden or deleted.
    kwargs: actor (User), reason (str | None).""",
)

flags_decided = _signals.signal(
    "flags-decided",
    doc="""A moderator's decision on a post closed open flags on it (the flags carry the
    outcome, `resolved_by_id` and `resolved_at`).
    kwargs: moderator (User), outcome ("upheld" | "declined"), reason (str | None),
    decided_at (datetime: the flags' `resolved_at`).""",
)

post_reacted = _signals.signal(
    "post-reacted",
    doc="""A member found a post helpful or said "me too" (not sent when they take it
    back).
    kwargs: member (User), kind (str: a forum.reactions.models.ReactionKind).""",
)

reaction_taken_back = _signals.signal(
    "reaction-taken-back",
    doc="""A member took back their "Helpful" or "Me too" on a post (its row is gone).
    kwargs: member (User), kind (str: a forum.reactions.models.ReactionKind).""",
)
