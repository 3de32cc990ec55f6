"""Blocks: block a member or take it back, list one's blocks, and the rule every feature
asks, as SQL (a statement that names members or lists posts adds it as a condition or a
column) or as a question about two members.

The rule, in one place: a block applies while both members are members, not moderators or
admins (forum/policy/blocks.py says why). Each use case is one transaction."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.blocks.models import Block
from forum.errors import NotAllowed
from forum.extensions import db
from forum.policy import blocks as policy
from forum.threads.models import Post

# The role a member must have on both sides for a block to apply.
_MEMBER = "member"

IdLike = int | sa.ColumnElement[int]


# Made once: an alias built per statement costs a thread page more than its query does, and
# the same aliases let SQLAlchemy reuse the statement it compiled. Each use is a subquery of
# its own, so two uses in one statement never meet.
_BLOCKER, _BLOCKED = User.__table__.alias("blocker"), User.__table__.alias("blocked")


def blocks_clause(blocker_id: IdLike, blocked_id: IdLike) -> sa.ColumnElement[bool]:
    """The rule as SQL: the member `blocker_id` blocked `blocked_id`, and the block
    applies. Either may be a column of the enclosing statement (it correlates)."""
    blocker, blocked = _BLOCKER.c, _BLOCKED.c
    return (
        sa.select(Block.id)
        .join(_BLOCKER, blocker.id == Block.blocker_id)
        .join(_BLOCKED, blocked.id == Block.blocked_id)
        .where(
            Block.blocker_id == blocker_id,
            Block.blocked_id == blocked_id,
            blocker.role == _MEMBER,
            blocked.role == _MEMBER,
        )
        .exists()
    )


def reachable_by(member_id: sa.ColumnElement[int], author_id: int) -> sa.ColumnElement[bool]:
    """The member `member_id` (a column) did not block the author: the author's @name of
    them becomes a link and tells them, the author's quote of them tells them. For the
    statements that name members (forum/accounts/services.py mentionable_names,
    forum/notifications/fanout.py notify_references)."""
    return ~blocks_clause(member_id, author_id)


def blocked_column(
    applies: bool, viewer_id: IdLike, author_id: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """Whether the viewer blocked the author of each post a statement lists (labelled
    `blocked`): the thread page folds those posts. `applies`: the policy's
    block_applies(viewer) (never for a moderator); `viewer_id` may be a bound parameter,
    for a statement built once."""
    if not applies:
        return sa.false().label("blocked")
    return blocks_clause(viewer_id, author_id).label("blocked")


def blocks_viewer_column(
    viewer_id: IdLike, author_id: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """Whether each listed post's author blocked the viewer (labelled `blocks_viewer`):
    the viewer is not offered Quote on those posts."""
    return blocks_clause(author_id, viewer_id).label("blocks_viewer")


def _applies(blocker_id: int, blocked_id: int) -> bool:
    return bool(db.session.scalar(sa.select(blocks_clause(blocker_id, blocked_id))))


def is_blocked_by(author: User, member: User) -> bool:
    """Whether `member` blocked `author` (and the block applies): the author may not
    mention, quote or write to them."""
    return _applies(member.id, author.id)


def blocked_either_way(a_id: IdLike, b_id: IdLike) -> sa.ColumnElement[bool]:
    """Either member blocked the other (and the block applies), as SQL: what private
    messages ask before one member writes to the other (forum/messages/services.py). A
    block keeps the blocked member out, and the blocker does not write to someone they
    keep out."""
    return sa.or_(blocks_clause(a_id, b_id), blocks_clause(b_id, a_id))


def quotes_refused(author: User, post_ids: Iterable[int]) -> bool:
    """Whether any of the posts is by a member who blocked `author`: the author may not
    quote it. One statement; none without posts."""
    ids = sorted(set(post_ids))
    if not ids:
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.exists().where(Post.id.in_(ids), blocks_clause(Post.author_id, author.id)))
        )
    )


def get_block(blocker: User, member: User) -> Block | None:
    """The blocker's block of `member`, if any (whether or not it applies now)."""
    return db.session.scalar(
        sa.select(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == member.id)
    )


def set_block(blocker: User, member: User, block: bool | None = None) -> bool:
    """Block `member` (block=True), take it back (False), or toggle (None); returns
    whether the blocker blocks them now. Asking for what is already so changes nothing, so
    a button pressed twice leaves what the member chose once. Nobody is told."""
    existing = get_block(blocker, member)
    if block is None:
        block = existing is None
    if block and existing is None:
        if refusal := policy.block_refusal(blocker, member):
            raise NotAllowed(refusal)
        db.session.add(Block(blocker_id=blocker.id, blocked_id=member.id))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # a second press raced this one: the block is there
    elif not block and existing is not None:
        if not policy.may_unblock(blocker):
            raise NotAllowed("Please sign in first.")
        db.session.delete(existing)
        db.session.commit()
    return block


def list_blocks(blocker: User) -> list[Block]:
    """Whom the member blocked, newest first, each with the member's current pseudonym:
    one statement. (Erasing an account takes its blocks with it, both ways, so each names
    a member who is still here.)"""
    return list(
        db.session.scalars(
            sa.select(Block)
            .where(Block.blocker_id == blocker.id)
            .options(joinedload(Block.blocked))
            .order_by(Block.created_at.desc(), Block.id.desc())
        )
    )


def blocking_column(viewer, member_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """Whether the viewer keeps a block of the member whose id is `member_id` (labelled
    `blocking`), read with the member on their profile (forum/accounts/services.py
    get_profile_or_404): the button reads Block or Unblock at no extra statement."""
    if not policy.offers_blocks(viewer):
        return sa.false().label("blocking")
    return (
        sa.exists()
        .where(Block.blocker_id == viewer.id, Block.blocked_id == member_id)
        .label("blocking")
    )


def block_offer(viewer, member: User, blocking: bool) -> bool | None:
    """The Block button on `member`'s profile: None when it is not offered (a visitor,
    their own profile, a moderator's, or a moderator looking), else whether the viewer
    blocks them now (`blocking`, from blocking_column: the button reads Unblock)."""
    return bool(blocking) if policy.may_block(viewer, member) else None
