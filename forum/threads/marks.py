"""A member's own marks on a page of a thread: how far they had read (the "New" divider,
and what the page adds to it), which of its posts they kept, who reacted to them, and
which posts are by a member they blocked (folded) or who blocked them (no Quote).

They are read in one statement, whatever the page holds, so a member's page costs
one statement more than a visitor's; a visitor's costs none. Each feature keeps its own
rules and tables (forum/reading, forum/bookmarks, forum/reactions, forum/blocks): this only
asks them for their part of the statement and hands each its rows back."""

from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa

from forum.blocks.services import blocked_column, blocks_viewer_column
from forum.bookmarks.services import bookmark_offers, kept_column
from forum.extensions import db
from forum.policy.blocks import block_applies
from forum.policy.reading import may_keep_reading_place
from forum.reactions.services import NOBODY, Reactors, reactors_from, with_reactors
from forum.reading.services import (
    ReadingPlace,
    first_unread,
    place_columns,
    place_from,
    record_reading,
)
from forum.threads.models import Post


@dataclass(frozen=True)
class PageMarks:
    place: ReadingPlace | None = None  # None: the forum keeps no reading place for them
    bookmarks: dict = field(default_factory=dict)  # post id -> kept, where offered
    reactors: Reactors = NOBODY
    blocked: frozenset[int] = frozenset()  # ids of posts by a member the viewer blocked
    unquotable: frozenset[int] = frozenset()  # ids of posts by a member who blocked them

    def first_unread(self, posts: list[Post]) -> Post | None:
        """The post the "New" divider goes before, if this page has one."""
        return first_unread(posts, self.place.position) if self.place else None

    def record(self, viewer, thread_id: int, posts: list[Post], last_page: bool) -> None:
        """Note that the page showed the member `posts` (after it was rendered: at most
        one short write, none when it showed nothing new)."""
        if self.place:
            record_reading(viewer, thread_id, posts, self.place, last_page)


def load_page_marks(viewer, thread_id: int, posts: list[Post]) -> PageMarks:
    """The viewer's marks on a page of the thread showing `posts`: one statement for a
    member, none for a visitor (whose page is the same for everyone)."""
    if not posts or not may_keep_reading_place(viewer):
        return PageMarks()
    rows = db.session.execute(
        _marks_statement(block_applies(viewer)),
        {"viewer_id": viewer.id, "thread_id": thread_id, "ids": [post.id for post in posts]},
    ).all()
    return PageMarks(
        place=place_from(rows[0]) if rows else None,  # no rows: the posts were just erased
        bookmarks=bookmark_offers(viewer, posts, {row.post_id for row in rows if row.kept}),
        reactors=reactors_from(viewer, rows),
        blocked=frozenset(row.post_id for row in rows if row.blocked),
        unquotable=frozenset(row.post_id for row in rows if row.blocks_viewer),
    )


@cache
def _marks_statement(blocks_apply: bool) -> sa.Select:
    """The marks' statement, built once (building it cost more than running it), with the
    viewer, the thread and the page's post ids bound."""
    viewer_id = sa.bindparam("viewer_id")
    select = sa.select(
        Post.id.label("post_id"),
        kept_column(viewer_id, Post.id),
        blocked_column(blocks_apply, viewer_id, Post.author_id),
        blocks_viewer_column(viewer_id, Post.author_id),
        *place_columns(viewer_id, sa.bindparam("thread_id")),
    ).where(Post.id.in_(sa.bindparam("ids", expanding=True)))
    return with_reactors(select, Post.id)
