"""Flags, the review queue, decisions on posts, thread tools and the moderation log."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.boards.models import Board
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.moderation.models import FLAG_REASONS, Flag, Sanction
from forum.moderation.trust import record_strike
from forum.moderation_log import ModerationAction, log_action
from forum.policy.moderation import (
    Decision,
    deleted_by_author,
    may_decide_on_post,
    may_restore_post,
    moderation_actions_for,
)
from forum.policy.trust import flag_weight
from forum.policy.viewer import check_can_participate
from forum.reports.models import ExperienceReport
from forum.signals import flags_decided, post_deleted, post_hidden, post_restored
from forum.threads.models import Post, Thread
from forum.threads.services import approve_post, clean_title, edit_post

# Each decision and what it makes of the post's open flags. Which decisions a post in
# its state offers is the policy's (forum/policy/moderation.py): approve (keep) or reject
# (delete) a waiting post; keep, hide or delete a published one; close the flags of one
# already deleted.
DECISIONS = {"keep": "declined", "hide": "upheld", "delete": "upheld", "close": "upheld"}


def _require_moderator(user: User) -> None:
    if not getattr(user, "is_moderator", False):
        raise NotAllowed("Only moderators can do that.")


# -- flags -------------------------------------------------------------------------------


def flag_post(flagger: User, post: Post, reason: str, note: str = "") -> Flag:
    """Report a post. Enough distinct members (or one moderator) hide it pending review;
    a self-harm flag never hides, it goes to the top of the queue."""
    config = current_app.config
    now = utcnow()
    note = (note or "").strip()
    check_can_participate(flagger, now)
    if reason not in FLAG_REASONS:
        raise DomainError("Please choose a reason.", "reason")
    if reason == "other" and not note:
        raise DomainError("Please say what is wrong with this post.", "note")
    if post.author_id == flagger.id:
        raise DomainError("You cannot flag your own post; you can edit or delete it.")
    if post.state != "visible":
        raise DomainError("This post is already hidden or removed.")
    if not flagger.is_moderator:
        min_age = timedelta(hours=config["FLAG_MIN_ACCOUNT_AGE_HOURS"])
        if now - flagger.created_at < min_age:
            raise NotAllowed(
                f"New accounts can flag posts after {config['FLAG_MIN_ACCOUNT_AGE_HOURS']} hours."
            )
        flagged_today = db.session.scalar(
            sa.select(sa.func.count(Flag.id)).where(
                Flag.flagger_id == flagger.id, Flag.created_at > now - timedelta(days=1)
            )
        )
        if flagged_today >= config["FLAG_DAILY_LIMIT"]:
            raise NotAllowed("You have reached today's limit of flags. Thank you for helping.")
    flag = Flag(
        post_id=post.id,
        flagger_id=flagger.id,
        reason=reason,
        note=note,
        is_urgent=reason == "self_harm",
        weight=flag_weight(flagger),
        created_at=now,
    )
    try:
        with db.session.begin_nested():  # a savepoint: the page's objects stay loaded
            db.session.add(flag)
    except IntegrityError:
        raise Conflict("You have already flagged this post; moderators will look at it.") from None
    if reason != "self_harm" and _should_hide(flagger, post):
        post.state = "hidden"
        post.moderation_reason = None  # pending review
        log_action(
            flagger if flagger.is_moderator else None,
            "hide_on_flags",
            post,
            subject_user_id=post.author_id,
            reason=FLAG_REASONS[reason],
        )
        if flagger.is_moderator:
            post_hidden.send(post, actor=flagger, reason=FLAG_REASONS[reason])
        else:  # members' flags: who flagged is not said
            post_hidden.send(post, actor=None, reason=None)
    db.session.commit()
    return flag


def _should_hide(flagger: User, post: Post) -> bool:
    if flagger.is_moderator:
        return True
    author_role = db.session.scalar(sa.select(User.role).where(User.id == post.author_id))
    if author_role in ("moderator", "admin"):
        return False  # members' flags never hide a moderator's post
    # One open flag per member and post (uq_flags_open_per_member), each weighing what its
    # flagger's trust gave it: an established member's counts as two.
    weighed = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Flag.weight), 0)).where(
            Flag.post_id == post.id, Flag.outcome.is_(None), Flag.reason != "self_harm"
        )
    )
    return weighed >= current_app.config["FLAG_HIDE_THRESHOLD"]


def list_my_flags(user: User, limit: int = 100) -> list[Flag]:
    """The flags a member filed, newest first, with the decision on each."""
    return list(
        db.session.scalars(
            sa.select(Flag)
            .where(Flag.flagger_id == user.id)
            .options(joinedload(Flag.post).joinedload(Post.thread), joinedload(Flag.resolved_by))
            .order_by(Flag.id.desc())
            .limit(limit)
        )
    )


# -- the queue ---------------------------------------------------------------------------


@dataclass
class QueueItem:
    post: Post
    flags: list[Flag] = field(default_factory=list)
    prior_sanctions: int = 0
    # The buttons the post's state offers (forum/policy/moderation.py).
    actions: tuple[Decision, ...] = ()

    @property
    def is_urgent(self) -> bool:
        return any(flag.is_urgent for flag in self.flags)

    @property
    def since(self) -> datetime:
        return min((flag.created_at for flag in self.flags), default=self.post.created_at)


def list_queue(moderator: User, limit: int = 50) -> list[QueueItem]:
    """Posts with open flags and posts awaiting approval: urgent first, then oldest first.
    Three queries, whatever the queue's size."""
    _require_moderator(moderator)
    flags = db.session.scalars(
        sa.select(Flag)
        .where(Flag.outcome.is_(None))
        .options(joinedload(Flag.flagger))
        .order_by(Flag.created_at)
    ).all()
    by_post: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_post[flag.post_id].append(flag)
    posts = db.session.scalars(
        sa.select(Post)
        .where(sa.or_(Post.id.in_(by_post), Post.state == "pending"))
        .options(
            joinedload(Post.thread).joinedload(Thread.board),
            joinedload(Post.author),
            # A post carrying an experience report is reviewed with its card.
            joinedload(Post.report).joinedload(ExperienceReport.board),
        )
    ).all()
    author_ids = {post.author_id for post in posts}
    sanctions = dict(
        db.session.execute(
            sa.select(Sanction.user_id, sa.func.count(Sanction.id))
            .where(Sanction.user_id.in_(author_ids), Sanction.overturned_at.is_(None))
            .group_by(Sanction.user_id)
        ).all()
    )
    items = [
        QueueItem(
            post,
            by_post.get(post.id, []),
            sanctions.get(post.author_id, 0),
            moderation_actions_for(moderator, post),
        )
        for post in posts
    ]
    items.sort(key=lambda item: (not item.is_urgent, item.since))
    return items[:limit]


def decide_on_post(
    moderator: User,
    post: Post,
    decision: str,
    reason: str,
    flag_ids: list[int],
    version: int | None = None,
) -> int:
    """Keep, hide or delete a flagged post, approve (keep) or reject (delete) one that
    waits for approval, or close the flags of one already deleted; every open flag shown
    gets its outcome. A decision the post's state does not offer is refused.

    `version` is the post as the moderator saw it: if another moderator decided first, this
    one is told who, instead of overwriting. Returns the number of flags decided."""
    _require_moderator(moderator)
    if decision not in DECISIONS:
        raise DomainError("Choose keep, hide or delete.")
    if not may_decide_on_post(moderator, post, decision):
        raise NotAllowed(_refusal(post))
    now = utcnow()
    reason = (reason or "").strip()
    claimed = db.session.execute(
        sa.update(Post)
        .where(Post.id == post.id, Post.version == (post.version if version is None else version))
        .values(version=Post.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    decided = 0
    if claimed and flag_ids:
        decided = db.session.execute(
            sa.update(Flag)
            .where(Flag.post_id == post.id, Flag.id.in_(flag_ids), Flag.outcome.is_(None))
            .values(
                outcome=DECISIONS[decision],
                outcome_reason=reason or None,
                resolved_by_id=moderator.id,
                resolved_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    if not claimed or (flag_ids and not decided):
        db.session.rollback()
        raise Conflict(f"Already handled by {_last_moderator(post) or 'another moderator'}.")
    before = post.state
    if decision == "close":
        pass  # the post stays as its author or a moderator left it
    elif decision == "keep" and (post.state == "pending" or post.position is None):
        # Approving: a waiting post (or a reply hidden before it was approved) joins the
        # thread and its counts.
        approve_post(post)
        post.moderation_reason = None
    elif decision == "keep":
        post.state = "visible" if post.state == "hidden" else post.state
        post.moderation_reason = None
    elif decision == "hide":
        post.state = "hidden"
        post.moderation_reason = reason or "Hidden by a moderator."
    else:
        post.state = "deleted"
        post.deleted_by_id = moderator.id
        post.deleted_at = now
        post.moderation_reason = reason or "Removed by a moderator."
    log_action(
        moderator,
        f"post_{decision}",
        post,
        subject_user_id=post.author_id,
        reason=reason,
        before=before,
        after=post.state,
        flags=decided,
    )
    if decided:
        if DECISIONS[decision] == "upheld":
            record_strike(post.author_id, now)
        flags_decided.send(
            post, moderator=moderator, outcome=DECISIONS[decision], reason=reason, decided_at=now
        )
    if before == "hidden" and post.state == "visible":
        post_restored.send(post, actor=moderator, reason=reason)
    elif decision == "hide":
        post_hidden.send(post, actor=moderator, reason=post.moderation_reason)
    elif decision == "delete":
        post_deleted.send(post, actor=moderator, reason=post.moderation_reason)
    db.session.commit()
    return decided


def moderator_edit(
    moderator: User, post: Post, body: str, version: int, reason: str, title: str | None = None
) -> Post:
    """A moderator rewrites someone's post (the old text stays in its history, marked as a
    moderator edit); open flags on it are upheld with the reason, which the author sees."""
    _require_moderator(moderator)
    edited = edit_post(moderator, post, body, version, title=title, commit=False)
    reason = (reason or "").strip()
    edited.moderation_reason = reason or None
    now = utcnow()
    decided = db.session.execute(
        sa.update(Flag)
        .where(Flag.post_id == post.id, Flag.outcome.is_(None))
        .values(
            outcome="upheld",
            outcome_reason=reason or "Edited by a moderator.",
            resolved_by_id=moderator.id,
            resolved_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    log_action(
        moderator, "post_edit", post, subject_user_id=post.author_id, reason=reason, flags=decided
    )
    if decided:
        record_strike(post.author_id, now)
        flags_decided.send(
            post,
            moderator=moderator,
            outcome="upheld",
            reason=reason or "Edited by a moderator.",
            decided_at=now,
        )
    db.session.commit()
    return edited


def _refusal(post: Post) -> str:
    """Why a decision the queue does not offer for this post was refused."""
    if post.state == "pending" or post.position is None:
        return "A post waiting for approval can only be approved or rejected."
    if deleted_by_author(post):
        return (
            "This post was deleted by its author: only they can bring it back. "
            "You can close its flags."
        )
    return "This post was removed: restore it, or close its flags."


def _last_moderator(post: Post) -> str | None:
    """Who acted on this post last, for "already handled by …"."""
    return db.session.scalar(
        sa.select(User.display_name)
        .join(ModerationAction, ModerationAction.actor_id == User.id)
        .where(ModerationAction.target_type == "post", ModerationAction.target_id == post.id)
        .order_by(ModerationAction.id.desc())
        .limit(1)
    )


def restore_post(moderator: User, post: Post, reason: str = "") -> None:
    """Bring back a post a moderator hid or deleted (never one its author deleted)."""
    _require_moderator(moderator)
    if not may_restore_post(moderator, post):
        if post.state not in ("hidden", "deleted"):
            raise DomainError("This post is not hidden or deleted.")
        if deleted_by_author(post):
            raise NotAllowed("This post was deleted by its author: only they can bring it back.")
        raise DomainError("This post was never approved: it cannot be restored.")
    before = post.state
    post.state = "visible"
    post.moderation_reason = None
    post.deleted_by_id = None
    post.deleted_at = None
    post.version = post.version + 1
    log_action(
        moderator,
        "post_restore",
        post,
        subject_user_id=post.author_id,
        reason=reason,
        before=before,
        after="visible",
    )
    post_restored.send(post, actor=moderator, reason=reason)
    db.session.commit()


# -- thread tools ------------------------------------------------------------------------


def set_thread_flag(moderator: User, thread: Thread, tool: str, reason: str = "") -> None:
    """lock, unlock, pin or unpin a thread."""
    _require_moderator(moderator)
    attribute, value = {
        "lock": ("is_locked", True),
        "unlock": ("is_locked", False),
        "pin": ("is_pinned", True),
        "unpin": ("is_pinned", False),
    }[tool]
    setattr(thread, attribute, value)
    log_action(moderator, f"thread_{tool}", thread, subject_user_id=thread.author_id, reason=reason)
    db.session.commit()


def rename_thread(moderator: User, thread: Thread, title: str, reason: str = "") -> None:
    _require_moderator(moderator)
    before, thread.title = thread.title, clean_title(title)
    log_action(
        moderator,
        "thread_rename",
        thread,
        subject_user_id=thread.author_id,
        reason=reason,
        before=before,
        after=thread.title,
    )
    db.session.commit()


def move_thread(moderator: User, thread: Thread, board: Board, reason: str = "") -> None:
    """Move a thread with its posts; both boards' counters and latest activity stay right."""
    _require_moderator(moderator)
    source_id = thread.board_id
    if source_id == board.id:
        raise DomainError("The thread is already on that board.", "board")
    thread.board_id = board.id
    if not thread.is_hidden:  # a thread awaiting approval counts nowhere yet
        for board_id, sign in ((source_id, -1), (board.id, +1)):
            db.session.execute(
                sa.update(Board)
                .where(Board.id == board_id)
                .values(
                    thread_count=Board.thread_count + sign,
                    post_count=Board.post_count + sign * thread.post_count,
                )
            )
        db.session.flush()
        for board_id in (source_id, board.id):
            _refresh_latest(board_id)
    log_action(
        moderator,
        "thread_move",
        thread,
        subject_user_id=thread.author_id,
        reason=reason,
        before=source_id,
        after=board.id,
    )
    db.session.commit()


def _refresh_latest(board_id: int) -> None:
    latest = db.session.execute(
        sa.select(Thread.id, Thread.last_post_at)
        .where(Thread.board_id == board_id, ~Thread.is_hidden)
        .order_by(Thread.last_post_at.desc())
        .limit(1)
    ).first()
    db.session.execute(
        sa.update(Board)
        .where(Board.id == board_id)
        .values(
            last_thread_id=latest.id if latest else None,
            last_post_at=latest.last_post_at if latest else None,
        )
    )


# -- the log -----------------------------------------------------------------------------


def list_log(
    moderator: User,
    actor: User | None = None,
    member: User | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[ModerationAction]:
    _require_moderator(moderator)
    query = sa.select(ModerationAction).options(
        joinedload(ModerationAction.actor), joinedload(ModerationAction.subject_user)
    )
    if actor is not None:
        query = query.where(ModerationAction.actor_id == actor.id)
    if member is not None:
        query = query.where(ModerationAction.subject_user_id == member.id)
    if action:
        query = query.where(ModerationAction.action == action)
    return list(db.session.scalars(query.order_by(ModerationAction.id.desc()).limit(limit)))
