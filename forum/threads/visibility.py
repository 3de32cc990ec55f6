"""Who may read a thread: the one place the rule is written.

Its author chose when starting it: public (anyone may read it, search engines may index
it) or members only (visitors see its title and board, never its posts or who wrote
them). A thread awaiting a moderator's approval is public to nobody, whatever its
visibility. Thread pages, feeds, the sitemap, search and profiles all ask here, in SQL
(for lists) or in Python (for one thread already loaded)."""

import sqlalchemy as sa

from forum.threads.models import VISIBILITIES, Post, Thread

PUBLIC, MEMBERS = VISIBILITIES


def is_signed_in(viewer) -> bool:
    return viewer is not None and viewer.is_authenticated


def thread_is_public(thread=Thread) -> sa.ColumnElement[bool]:
    """Threads any visitor, crawler or feed reader may read: approved and public."""
    return sa.and_(~thread.is_hidden, thread.visibility == PUBLIC)


def thread_is_readable_by(viewer, thread=Thread) -> sa.ColumnElement[bool]:
    """Approved threads whose posts `viewer` may read: a signed-in member reads
    members-only threads too, a visitor (None or anonymous) public ones only."""
    return threads_readable(is_signed_in(viewer), thread)


def threads_readable(signed_in: bool, thread=Thread) -> sa.ColumnElement[bool]:
    """thread_is_readable_by for a member (`signed_in`) or a visitor: all the rule asks
    of a viewer, so a statement built once for each kind serves every viewer."""
    if signed_in:
        return ~thread.is_hidden
    return thread_is_public(thread)


def post_is_public(post=Post) -> sa.ColumnElement[bool]:
    """Posts anyone who may read their thread may read: never pending, hidden or deleted."""
    return post.state == "visible"


def is_public(thread: Thread) -> bool:
    """thread_is_public for one loaded thread."""
    return not thread.is_hidden and thread.visibility == PUBLIC


def may_read_posts(viewer, thread: Thread) -> bool:
    """Whether `viewer` may read the posts, and see the authors, of a thread they may see
    at all (whether its approval is awaited is can_view_thread's business)."""
    return thread.visibility == PUBLIC or is_signed_in(viewer)
