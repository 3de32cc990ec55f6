"""Reacting to posts ("Helpful", "Me too") and reading who did.

A reaction and its post's counter change together, in SQL (UPDATE ... SET n = n + 1), in
one transaction; the UPDATE bumps the post's row version, so visitors' cached pages of
its thread change (forum/caching.py). Its author hears of it through a signal."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from forum.accounts.models import User
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.pagination import Page, check_page
from forum.policy.reactions import may_see_reactors, reaction_refusal
from forum.reactions.models import Reaction, ReactionKind
from forum.reports.models import ExperienceReport
from forum.signals import post_reacted, reaction_taken_back
from forum.threads.models import Post, PostState, Thread

# How many names a post's "who reacted" lists per kind; the count says the rest.
MAX_NAMES = 50


@dataclass(frozen=True)
class Toggled:
    """What a toggle left: whether the member's reaction is on, and the post's counts."""

    kind: ReactionKind
    active: bool
    helpful_count: int
    me_too_count: int

    def count(self, kind: ReactionKind) -> int:
        return getattr(self, kind.counter)


def parse_kind(value: str | None) -> ReactionKind:
    """The reaction a form names, or a DomainError the member can read."""
    try:
        return ReactionKind(value or "")
    except ValueError:
        raise DomainError("Choose Helpful or Me too.", "kind") from None


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _bump(post: Post, kind: ReactionKind, step: int) -> tuple[int, int]:
    counter = getattr(Post, kind.counter)
    row = db.session.execute(
        sa.update(Post)
        .where(Post.id == post.id)
        .values({counter: counter + step})
        .returning(Post.helpful_count, Post.me_too_count)
        .execution_options(synchronize_session=False)
    ).one()
    return row.helpful_count, row.me_too_count


def toggle_reaction(member: User, post: Post, kind: ReactionKind) -> Toggled:
    """Add the member's reaction of this kind to the post, or take it back if they had
    it. Refused (NotAllowed, with the policy's reason) on one's own post, on a post that
    is hidden or deleted, and for members who may not publish."""
    if refusal := reaction_refusal(member, post):
        raise NotAllowed(refusal)
    taken_back = db.session.execute(
        sa.delete(Reaction).where(
            Reaction.post_id == post.id, Reaction.user_id == member.id, Reaction.kind == kind
        )
    ).rowcount
    if taken_back:
        counts = _bump(post, kind, -1)
        reaction_taken_back.send(post, member=member, kind=kind)
        active = False
    else:
        # A double click that raced this one already added it: nothing more to count.
        added = db.session.execute(
            _insert(Reaction)
            .values(post_id=post.id, user_id=member.id, kind=kind.value, created_at=utcnow())
            .on_conflict_do_nothing()
        ).rowcount
        if added:
            counts = _bump(post, kind, 1)
            post_reacted.send(post, member=member, kind=kind)
        else:
            counts = (post.helpful_count, post.me_too_count)
        active = True
    db.session.commit()
    return Toggled(kind, active, *counts)


@dataclass(frozen=True)
class Reactors:
    """Per post of a page: the pseudonyms of who reacted, by kind, and the viewer's own."""

    names: dict  # post id -> {ReactionKind: [pseudonym, ...]}
    mine: set  # (post id, ReactionKind) the viewer reacted with
    kinds: tuple = tuple(ReactionKind)  # in the order a post shows them

    def of(self, post_id: int, kind: ReactionKind) -> list[str]:
        return self.names.get(post_id, {}).get(kind, [])

    def has(self, post_id: int, kind: ReactionKind) -> bool:
        return (post_id, kind) in self.mine

    def any_names(self, post_id: int) -> bool:
        return bool(self.names.get(post_id))

    def shown_on(self, post_id: int) -> tuple:
        """All a post's block shows of these (forum/threads/blocks.py keys it by them)."""
        return tuple(
            (kind, self.has(post_id, kind), tuple(self.of(post_id, kind))) for kind in self.kinds
        )


NOBODY = Reactors({}, set())


def list_reactors(viewer, posts: list[Post]) -> Reactors:
    """Who reacted to a page's posts, in one statement whatever their number (none for a
    visitor, who sees the counts only, or for a page without reactions). A thread's page
    reads them with the member's other marks instead (forum/threads/marks.py)."""
    ids = [post.id for post in posts if post.helpful_count or post.me_too_count]
    if not ids or not may_see_reactors(viewer):
        return NOBODY
    select = sa.select(Post.id.label("post_id")).where(Post.id.in_(ids))
    return reactors_from(viewer, db.session.execute(with_reactors(select, Post.id)))


def with_reactors(select: sa.Select, post_id: sa.ColumnElement[int]) -> sa.Select:
    """`select` (rows of posts, by `post_id`) with a row per reaction to each post, in the
    order a post lists them, or one row of NULLs for a post without reactions: what
    reactors_from reads."""
    return (
        select.add_columns(Reaction.kind, Reaction.user_id, User.display_name)
        .outerjoin(Reaction, Reaction.post_id == post_id)
        .outerjoin(User, User.id == Reaction.user_id)
        .order_by(post_id, Reaction.kind, Reaction.created_at, Reaction.id)
    )


def reactors_from(viewer, rows) -> Reactors:
    """The Reactors of rows that with_reactors selected (`post_id`, `kind`, `user_id`,
    `display_name`); NOBODY for a viewer who sees the counts only."""
    if not may_see_reactors(viewer):
        return NOBODY
    names: dict = defaultdict(lambda: defaultdict(list))
    mine = set()
    for row in rows:
        if row.kind is None:
            continue  # a post nobody reacted to
        kind = ReactionKind(row.kind)
        if len(names[row.post_id][kind]) < MAX_NAMES:
            names[row.post_id][kind].append(row.display_name)
        if row.user_id == viewer.id:
            mine.add((row.post_id, kind))
    return Reactors({post_id: dict(kinds) for post_id, kinds in names.items()}, mine)


def helpful_first(post=Post) -> sa.ColumnElement[int]:
    """A post's "Helpful" count where it is shown: a hidden or deleted post's reactions no
    longer count (its place stays, as a placeholder, among the posts that have none)."""
    return sa.case((post.state == PostState.VISIBLE.value, post.helpful_count), else_=0)


def list_posts_most_helpful(thread: Thread, page: int, per_page: int) -> Page:
    """A page of the thread's posts, most found helpful first, then in the thread's
    order: the same rows and loading as threads.services.list_posts, in one statement.
    (A member's replies still waiting for approval are on the in-order pages only.)"""
    check_page(page, thread.post_count, per_page)
    posts = db.session.scalars(
        sa.select(Post)
        .options(
            joinedload(Post.author),
            joinedload(Post.edited_by),
            joinedload(Post.report).joinedload(ExperienceReport.board),
            defer(Post.body_source),
        )
        .where(Post.thread_id == thread.id, Post.position.is_not(None))
        .order_by(helpful_first().desc(), Post.position)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    for post in posts:  # the policy asks a post about its thread: this one, no query
        set_committed_value(post, "thread", thread)
    return Page(list(posts), page, per_page, thread.post_count)
