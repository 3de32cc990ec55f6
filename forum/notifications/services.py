"""Watching threads and boards, describing notifications and reading them. Who is
notified of what is in fanout.py."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import UTCDateTime, db, utcnow
from forum.messages.services import unread_conversations_query
from forum.notifications.fanout import dialect_insert, sql_value
from forum.notifications.models import UNREAD_CAP, Notification, Subscription
from forum.pagination import Page, check_page
from forum.threads.models import Post, Thread


def notification_options() -> list:
    """Loader options for everything describe() and target_path() read."""
    return [
        joinedload(Notification.thread),
        joinedload(Notification.actor),
        joinedload(Notification.board),
        joinedload(Notification.post),
    ]


def _split(text: str | None) -> tuple[str, str]:
    """A moderation notification's text is "<outcome>" or "<outcome>: <reason>"."""
    outcome, _, reason = (text or "").partition(": ")
    return outcome, reason


def _with_reason(sentence: str, reason: str) -> str:
    return f"{sentence}: {reason}" if reason else sentence


def describe(notification: Notification) -> str:
    """A plain-text, one-line summary ("3 new replies in “Title”"). Needs the relations
    named by notification_options() loaded."""
    n = notification
    title = f"“{n.thread.title}”" if n.thread is not None else "a thread"
    actor = n.actor.display_name if n.actor is not None else None
    # Which moderator acted stays with the moderators (the moderation log): a member, their
    # mail and their export only ever read "a moderator".
    moderator = "A moderator"
    outcome, reason = _split(n.text)
    match n.kind:
        case "reply":
            if n.count == 1:
                return f"{actor or 'Someone'} replied in {title}"
            return f"{n.count} new replies in {title}"
        case "thread":
            board = n.board.name if n.board is not None else "a board you watch"
            return f"{actor or 'Someone'} started {title} in {board}"
        case "mention":
            return f"{actor or 'Someone'} mentioned you in {title}"
        case "quote":
            return f"{actor or 'Someone'} quoted your post in {title}"
        case "reaction":
            return _reaction_sentence(n.count, actor, n.text, title)
        case "message":
            # Who wrote, never what: the subject and text stay in the conversation.
            if n.count == 1:
                return f"{actor or 'Someone'} sent you a private message"
            return f"{n.count} new private messages, the latest from {actor or 'someone'}"
        case "flag_decided":
            return _with_reason(f"Your flag on a post in {title} was {outcome}", reason)
        case "post_hidden":
            verb = "removed" if outcome == "removed" else "hid"
            if actor is None:
                return _with_reason(f"Your post in {title} was {outcome}", reason)
            return _with_reason(f"{moderator} {verb} your post in {title}", reason)
        case "post_restored":
            return _with_reason(f"{moderator} restored your post in {title}", reason)
        case "sanction":
            return _with_reason(_sanction_sentence(moderator, outcome), reason)
        case "followup":
            since = f"{n.text} on: " if n.text else ""
            return f"Is it still working? {since}answer in one step for your report in {title}"
        case "appeal_decided":
            verdict = "lifted the sanction" if outcome == "overturned" else "kept the sanction"
            return _with_reason(f"{moderator} decided your appeal and {verdict}", reason)
        case "report_excluded":
            # The text is the moderator's reason alone.
            return _with_reason(
                f"{moderator} left your report in {title} out of the treatment's figures",
                n.text or "",
            )
        case "exclusion_decided":
            verdict = (
                "your report counts again"
                if outcome == "overturned"
                else "your report stays out of the figures"
            )
            return _with_reason(f"{moderator} decided your appeal: {verdict}", reason)
    return "Something happened"  # a kind added later, before this learns to say it


def _reaction_sentence(count: int, actor: str | None, kinds: str | None, title: str) -> str:
    """ "Ana found your post helpful", "3 people said “me too” to your post in …"."""
    who = f"{count} people" if count > 1 else actor or "Someone"
    did = {
        "helpful": "found your post helpful",
        "me_too": "said “me too” to your post",
    }.get(kinds or "", "found your post helpful or said “me too”")
    return f"{who} {did} in {title}"


def _sanction_sentence(actor: str, outcome: str) -> str:
    kind, _, until = outcome.partition(" until ")
    suffix = f" until {until}" if until else ""
    return {
        "warning": f"{actor} warned you",
        "silence": f"{actor} silenced you{suffix}",
        "suspension": f"{actor} suspended your account{suffix}",
        "ban": f"{actor} banned your account",
    }.get(kind, f"{actor} sanctioned you")


# About the member's account rather than a post: they open a settings page.
ACCOUNT_KINDS = ("flag_decided", "sanction", "appeal_decided")
# Those that open a page of their own, not the post's place in its thread.
OWN_PAGE_KINDS = (*ACCOUNT_KINDS, "followup")


def target_path(notification: Notification) -> str:
    """The site-relative address a notification opens."""
    n = notification
    match n.kind:
        case "flag_decided":
            return "/settings/flags"
        case "sanction" | "appeal_decided":
            return "/settings/sanctions"
        case "followup" if n.post_id is not None:
            return f"/p/{n.post_id}/report/followup"  # the one-step answer
        case "message" if n.conversation_id is not None:
            return f"/messages/{n.conversation_id}"
    if n.post_id is not None:
        return f"/p/{n.post_id}"
    if n.thread_id is not None:
        return f"/t/{n.thread_id}"
    if n.board is not None:
        return f"/b/{n.board.slug}"
    return "/notifications"


# -- watching ------------------------------------------------------------------------------


def _subscribe(user_id: int, thread_id: int | None = None, board_id: int | None = None) -> None:
    db.session.execute(
        dialect_insert(Subscription)
        .values(user_id=user_id, thread_id=thread_id, board_id=board_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )


def _unsubscribe(user_id: int, target: sa.ColumnElement[bool]) -> None:
    db.session.execute(sa.delete(Subscription).where(Subscription.user_id == user_id, target))


def watch_thread(user: User, thread: Thread) -> None:
    """Hear about every new reply in the thread. Watching twice is harmless."""
    _subscribe(user.id, thread_id=thread.id)
    db.session.commit()


def unwatch_thread(user: User, thread: Thread) -> None:
    """Stop hearing about the thread; an unread batch of its replies stays."""
    _unsubscribe(user.id, Subscription.thread_id == thread.id)
    db.session.commit()


def watch_board(user: User, board: Board) -> None:
    """Hear about every new thread on the board."""
    _subscribe(user.id, board_id=board.id)
    db.session.commit()


def unwatch_board(user: User, board: Board) -> None:
    _unsubscribe(user.id, Subscription.board_id == board.id)
    db.session.commit()


def auto_watch(author: User, thread_id: int) -> None:
    """Watch a thread one starts or replies to, if the member wants that (the default).
    The preference is read by the statement itself, so it is never a stale copy. In the
    caller's transaction."""
    wanted = sa.select(
        User.id, sql_value(thread_id, sa.Integer), sql_value(utcnow(), UTCDateTime)
    ).where(User.id == author.id, User.auto_watch)
    db.session.execute(
        dialect_insert(Subscription)
        .from_select(["user_id", "thread_id", "created_at"], wanted)
        .on_conflict_do_nothing()
    )


def set_auto_watch(user: User, enabled: bool, reactions: bool | None = None) -> None:
    """Turn automatic watching of threads one starts or replies to on or off; and, when
    `reactions` is given, hearing of members' "Helpful" and "Me too" on one's posts."""
    user.auto_watch = bool(enabled)
    if reactions is not None:
        user.notify_reactions = bool(reactions)
    db.session.commit()


@dataclass(frozen=True)
class Watched:
    threads: list[Thread]
    boards: list[Board]


def list_watched(user: User, limit: int = 500) -> Watched:
    """What the member watches: threads by latest activity, boards by name."""
    threads = db.session.scalars(
        sa.select(Thread)
        .join(Subscription, Subscription.thread_id == Thread.id)
        .where(Subscription.user_id == user.id)
        .options(joinedload(Thread.board))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(limit)
    ).all()
    boards = db.session.scalars(
        sa.select(Board)
        .join(Subscription, Subscription.board_id == Board.id)
        .where(Subscription.user_id == user.id)
        .order_by(Board.name)
    ).all()
    return Watched(list(threads), list(boards))


# -- reading -------------------------------------------------------------------------------

# New private messages are notifications too, so that mail tells of them; but the member
# reads them, and sees their count, on /messages: the notifications page and its count
# leave them out, and reading the conversation marks them read.
LISTED = Notification.kind != "message"


def unread_count_query(user_id: int | sa.BindParameter[int]) -> sa.ScalarSelect:
    """The member's unread notifications, at most UNREAD_CAP, on ix_notifications_user_unread:
    a scalar subquery, so a page can fold it into a query it runs anyway."""
    unread = (
        sa.select(sa.literal(1))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None), LISTED)
        .limit(UNREAD_CAP)
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(unread).scalar_subquery()


def count_unread(user: User) -> int:
    """How many unread notifications the header shows (one indexed query)."""
    return db.session.scalar(sa.select(unread_count_query(user.id))) or 0


@dataclass(frozen=True)
class HeaderState:
    unread: int
    unread_messages: int  # conversations with a message new to the member
    watching: bool | None  # whether the page's thread or board is watched; None: no such page


def get_header_state(
    user: User,
    thread_id: int | None = None,
    board_slug: str | None = None,
    conversation_id: int | None = None,
) -> HeaderState:
    """The unread counts (notifications, and conversations with new messages but the one
    the page shows) and, on a thread or board page, whether the member watches it: one
    query for all."""
    watched = "thread" if thread_id is not None else "board" if board_slug is not None else None
    params = {"user_id": user.id, "reading": conversation_id or 0}
    if watched == "thread":
        params["thread_id"] = thread_id
    elif watched == "board":
        params["slug"] = board_slug
    row = db.session.execute(_header_statement(watched), params).one()
    return HeaderState(row[0] or 0, row[1] or 0, bool(row[2]) if watched else None)


@cache
def _header_statement(watched: str | None) -> sa.Select:
    """The header's query, built once per kind of page with its values as parameters: every
    signed-in page runs it, and building it cost more than running it."""
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    columns = [
        unread_count_query(user_id),
        unread_conversations_query(user_id, sa.bindparam("reading", type_=sa.Integer)),
    ]
    if watched == "thread":
        columns.append(
            sa.exists().where(
                Subscription.user_id == user_id,
                Subscription.thread_id == sa.bindparam("thread_id", type_=sa.Integer),
            )
        )
    elif watched == "board":
        columns.append(
            sa.exists()
            .where(Subscription.user_id == user_id, Subscription.board_id == Board.id)
            .where(Board.slug == sa.bindparam("slug", type_=sa.String))
        )
    return sa.select(*columns)


def list_notifications(user: User, page: int, per_page: int) -> Page:
    """The member's notifications, newest activity first, read ones included."""
    total = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user.id, LISTED)
    )
    check_page(page, total, per_page)
    items = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id, LISTED)
        .options(*notification_options())
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def open_notification(user: User, notification_id: int) -> Notification:
    """The member's own notification, marked read, with what its link needs; 404 for
    anyone else's, so ids reveal nothing."""
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.first_or_404(
        sa.select(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id)
        .options(*notification_options(), joinedload(Notification.post).joinedload(Post.thread))
    )


def mark_all_read(user: User, until: datetime | None = None) -> int:
    """Mark the member's unread notifications read; with `until`, only those last updated
    by then (what the page showed), so one that arrived meanwhile stays unread."""
    conditions = [Notification.user_id == user.id, Notification.read_at.is_(None), LISTED]
    if until is not None:
        conditions.append(Notification.updated_at <= until)
    marked = db.session.execute(
        sa.update(Notification)
        .where(*conditions)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return marked
