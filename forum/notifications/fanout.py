"""Fan-out: who hears of a new post or a moderation decision. It runs inside the
transaction of the post (or decision) that causes it, as single INSERT ... SELECT
statements: a thread with a thousand watchers costs one statement, not a thousand.

One post tells each member of it once, for its strongest reason: a reply that mentions
a member, quotes them and lands in a thread they watch makes one notification, a mention.
The order, strongest first, is mention (they were named), quote (their words were
answered), then the watcher's "reply" or "thread" (something new where they look). The
statements run in that order, each leaving out the members an earlier one told (their ids
come back from the INSERT, at most MAX_MENTIONS + MAX_QUOTES of them). A member who blocked
the author is never told of a mention or a quote (forum/blocks/services.py reachable_by)."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from forum.accounts.models import User
from forum.accounts.services import MAX_MENTION_LOOKUP
from forum.blocks.services import reachable_by
from forum.content import find_references
from forum.extensions import UTCDateTime, db, utcnow
from forum.moderation.models import Flag
from forum.notifications.models import Notification, Subscription
from forum.reactions.models import Reaction
from forum.threads.models import Post, Thread

# A post cannot ping a crowd: at most this many members are told of a mention, or of a
# quote, per post; and only the first @words (alphabetically) are looked up at all
# (MAX_MENTION_LOOKUP, shared with the rendering of @names).
MAX_MENTIONS = 10
MAX_QUOTES = 10


def dialect_insert(table):
    """INSERT with ON CONFLICT, in the dialect of the database in use."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def sql_value(value, type_=None):
    return sa.literal(value, type_) if type_ is not None else sa.literal(value)


def notify_new_post(post: Post, thread: Thread) -> None:
    """A post just became visible: its thread's watchers hear of a reply (batched per
    thread while unread), its board's watchers of a new thread, and the members it
    mentions or quotes are told. One statement per kind, whatever the number of watchers.

    Call only for visible posts: pending ones are notified when a moderator approves them."""
    if post.state != "visible":
        return
    told = notify_references(post)  # first: a mention or a quote outranks watching
    now = utcnow()
    if post.position == 1:
        _notify_board_watchers(post, thread, now, told)
    else:
        _notify_thread_watchers(post, thread, now, told)


def _not_told_of(post: Post, user_id) -> sa.ColumnElement[bool]:
    """The member has no notification of this post yet, of any kind (asked of the few
    members a post names, never of a crowd of watchers)."""
    return ~sa.exists().where(Notification.user_id == user_id, Notification.post_id == post.id)


def _notify_thread_watchers(post: Post, thread: Thread, now, told: set[int]) -> None:
    columns = ["user_id", "kind", "thread_id", "post_id", "actor_id", "count"]
    columns += ["created_at", "updated_at"]
    watchers = (
        sa.select(
            Subscription.user_id,
            sql_value("reply", sa.String(20)),
            sql_value(thread.id, sa.Integer),
            sql_value(post.id, sa.Integer),
            sql_value(post.author_id, sa.Integer),
            sql_value(1, sa.Integer),
            sql_value(now, UTCDateTime),
            sql_value(now, UTCDateTime),
        )
        .join(User, User.id == Subscription.user_id)
        .where(
            Subscription.thread_id == thread.id,
            Subscription.user_id != post.author_id,
            User.deleted_at.is_(None),
            Subscription.user_id.not_in(told),
        )
    )
    insert = dialect_insert(Notification).from_select(columns, watchers)
    # One unread "reply" row per member and thread: a new reply adds to its count and
    # names the latest replier; the post it opens stays the first unread one.
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Notification.user_id, Notification.thread_id],
            index_where=_UNREAD_REPLY,
            set_={
                "count": Notification.count + 1,
                "updated_at": insert.excluded.updated_at,
                "actor_id": insert.excluded.actor_id,
            },
        )
    )


# The predicate of the partial unique index uq_notifications_unread_reply, written the
# way the index is, so PostgreSQL can match ON CONFLICT to it.
_UNREAD_REPLY = sa.text("read_at IS NULL AND kind = 'reply'")


def _notify_board_watchers(post: Post, thread: Thread, now, told: set[int]) -> None:
    columns = ["user_id", "kind", "thread_id", "post_id", "board_id", "actor_id"]
    columns += ["created_at", "updated_at"]
    watchers = (
        sa.select(
            Subscription.user_id,
            sql_value("thread", sa.String(20)),
            sql_value(thread.id, sa.Integer),
            sql_value(post.id, sa.Integer),
            sql_value(thread.board_id, sa.Integer),
            sql_value(post.author_id, sa.Integer),
            sql_value(now, UTCDateTime),
            sql_value(now, UTCDateTime),
        )
        .join(User, User.id == Subscription.user_id)
        .where(
            Subscription.board_id == thread.board_id,
            Subscription.user_id != post.author_id,
            User.deleted_at.is_(None),
            Subscription.user_id.not_in(told),
        )
    )
    db.session.execute(sa.insert(Notification).from_select(columns, watchers))


def notify_references(post: Post) -> set[int]:
    """Tell the members a visible post mentions (@name) or quotes. Each is told once per
    post, mentions first (see the order above): an edit that adds a mention tells the
    newly mentioned member only, and nobody the post already told of it for any reason.
    Returns the ids of the members told now."""
    told: set[int] = set()
    if post.state != "visible":
        return told
    references = find_references(post.body_source)
    now = utcnow()
    columns = ["user_id", "kind", "thread_id", "post_id", "actor_id", "created_at", "updated_at"]

    def values(kind: str, user_id):
        return (
            user_id,
            sql_value(kind, sa.String(20)),
            sql_value(post.thread_id, sa.Integer),
            sql_value(post.id, sa.Integer),
            sql_value(post.author_id, sa.Integer),
            sql_value(now, UTCDateTime),
            sql_value(now, UTCDateTime),
        )

    if mentions := sorted(references.mentions)[:MAX_MENTION_LOOKUP]:
        mentioned = (
            sa.select(*values("mention", User.id))
            .where(
                User.display_name_key.in_(mentions),
                User.id != post.author_id,
                User.deleted_at.is_(None),
                # A member who blocked the author: their @name stayed plain text.
                reachable_by(User.id, post.author_id),
                _not_told_of(post, User.id),
            )
            .order_by(User.display_name_key)
            .limit(MAX_MENTIONS)
        )
        insert = sa.insert(Notification).from_select(columns, mentioned)
        told.update(db.session.scalars(insert.returning(Notification.user_id)))
    if quoted := sorted(references.quoted_post_ids)[:MAX_QUOTES]:
        quoted_post = sa.orm.aliased(Post)
        authors = (
            sa.select(*values("quote", quoted_post.author_id))
            .join(User, User.id == quoted_post.author_id)
            .where(
                quoted_post.id.in_(quoted),
                quoted_post.state == "visible",
                quoted_post.author_id != post.author_id,
                User.deleted_at.is_(None),
                quoted_post.author_id.not_in(told),
                # Never to a member who blocked the author (who may not quote them anyway:
                # this covers a quote written before the block).
                reachable_by(quoted_post.author_id, post.author_id),
                _not_told_of(post, quoted_post.author_id),
            )
            .distinct()
        )
        insert = sa.insert(Notification).from_select(columns, authors)
        told.update(db.session.scalars(insert.returning(Notification.user_id)))
    return told


# -- moderation outcomes (in the moderator's transaction) ------------------------------


def _detail(outcome: str, reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    return (f"{outcome}: {reason}" if reason else outcome)[:500]


def notify_member(
    user_id: int,
    kind: str,
    actor: User | None,
    outcome: str = "",
    reason: str | None = None,
    post: Post | None = None,
) -> None:
    """Tell a member about a moderation outcome that concerns them (never their own act)."""
    if actor is not None and actor.id == user_id:
        return
    now = utcnow()
    db.session.add(
        Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor.id if actor else None,
            post_id=post.id if post else None,
            thread_id=post.thread_id if post else None,
            text=_detail(outcome, reason) if outcome else (reason or None),
            created_at=now,
            updated_at=now,
        )
    )


def notify_flaggers(
    moderator: User, post: Post, outcome: str, reason: str | None, decided_at
) -> None:
    """Each member whose flag on the post this decision closed hears the outcome: one
    statement for all of them."""
    columns = ["user_id", "kind", "thread_id", "post_id", "actor_id", "text"]
    columns += ["created_at", "updated_at"]
    flaggers = (
        sa.select(
            Flag.flagger_id,
            sql_value("flag_decided", sa.String(20)),
            sql_value(post.thread_id, sa.Integer),
            sql_value(post.id, sa.Integer),
            sql_value(moderator.id, sa.Integer),
            sql_value(_detail(outcome, reason), sa.String(500)),
            sql_value(decided_at, UTCDateTime),
            sql_value(decided_at, UTCDateTime),
        )
        .where(
            Flag.post_id == post.id,
            Flag.resolved_at == decided_at,
            Flag.resolved_by_id == moderator.id,
            Flag.flagger_id != moderator.id,
        )
        .distinct()
    )
    db.session.execute(sa.insert(Notification).from_select(columns, flaggers))


# The predicate of uq_notifications_unread_reaction, written the way the index is.
_UNREAD_REACTION = sa.text("read_at IS NULL AND kind = 'reaction'")


def notify_reaction(post: Post, member: User, kind: str) -> None:
    """The post's author hears that a member found it helpful or said "me too": one unread
    notification per post, whose count grows with each reaction ("3 people found your
    post helpful"); `text` keeps the kind, or "both" once the two are mixed. Never for
    one's own reaction, nor for an author who turned these off or left."""
    if member.id == post.author_id:
        return
    now = utcnow()
    author = sa.select(
        User.id,
        sql_value("reaction", sa.String(20)),
        sql_value(post.thread_id, sa.Integer),
        sql_value(post.id, sa.Integer),
        sql_value(member.id, sa.Integer),
        sql_value(1, sa.Integer),
        sql_value(kind, sa.String(500)),
        sql_value(now, UTCDateTime),
        sql_value(now, UTCDateTime),
    ).where(User.id == post.author_id, User.notify_reactions, User.deleted_at.is_(None))
    columns = ["user_id", "kind", "thread_id", "post_id", "actor_id", "count", "text"]
    insert = dialect_insert(Notification).from_select(
        [*columns, "created_at", "updated_at"], author
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Notification.user_id, Notification.post_id],
            index_where=_UNREAD_REACTION,
            set_={
                "count": Notification.count + 1,
                "updated_at": insert.excluded.updated_at,
                "actor_id": insert.excluded.actor_id,
                "text": sa.case(
                    (Notification.text == insert.excluded.text, Notification.text),
                    else_=sql_value("both", sa.String(500)),
                ),
            },
        )
    )


def unnotify_reaction(post: Post, member: User) -> None:
    """A member took back a reaction: the author's unread notification about the post
    counts one fewer and names someone who still reacts, and it leaves the list (and the
    unread count) once it tells of nobody. One already read stays as it was read."""
    if member.id == post.author_id:
        return
    unread = (
        Notification.user_id == post.author_id,
        Notification.post_id == post.id,
        Notification.kind == "reaction",
        Notification.read_at.is_(None),
    )
    latest = (
        sa.select(Reaction.user_id)
        .where(Reaction.post_id == post.id, Reaction.user_id != post.author_id)
        .order_by(Reaction.created_at.desc(), Reaction.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Notification)
        .where(*unread)
        .values(count=Notification.count - 1, actor_id=latest)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(Notification)
        .where(*unread, Notification.count <= 0)
        .execution_options(synchronize_session=False)
    )


_UNREAD_MESSAGE = sa.text("read_at IS NULL AND kind = 'message'")


def notify_message(conversation_id: int, author: User, recipient_ids: list[int]) -> None:
    """The conversation's other members hear that `author` wrote: one unread notification
    per conversation, whose count grows with each message. It names who wrote and links to
    the conversation; it never holds the text, nor the subject (mail leaves the forum)."""
    if not recipient_ids:
        return
    now = utcnow()
    recipients = sa.select(
        User.id,
        sql_value("message", sa.String(20)),
        sql_value(conversation_id, sa.Integer),
        sql_value(author.id, sa.Integer),
        sql_value(1, sa.Integer),
        sql_value(now, UTCDateTime),
        sql_value(now, UTCDateTime),
    ).where(User.id.in_(recipient_ids), User.deleted_at.is_(None))
    columns = ["user_id", "kind", "conversation_id", "actor_id", "count"]
    insert = dialect_insert(Notification).from_select(
        [*columns, "created_at", "updated_at"], recipients
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Notification.user_id, Notification.conversation_id],
            index_where=_UNREAD_MESSAGE,
            set_={
                "count": Notification.count + 1,
                "updated_at": insert.excluded.updated_at,
                "actor_id": insert.excluded.actor_id,
            },
        )
    )
