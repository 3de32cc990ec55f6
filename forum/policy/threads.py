"""Who may see and do what with threads and their posts: every rule, for every state.

Thread states: public or members-only (its author chose), awaiting approval or rejected
(`is_hidden`: its first post is pending, or a moderator rejected it), locked, moved (a
moderator changed its board: no rule depends on the board). Post states: visible, pending
(a new member's, until approved; a pending reply has no position; its author may edit
it), hidden (by members' flags pending review, or by a moderator with a reason), deleted
(by its author, or by a moderator: removed, or rejected when it never had a position).

The rules build on each other, so a state one of them knows is never forgotten by another:
may_see_thread (its title exists for the viewer) -> may_read_posts (its posts and their
authors) -> may_see_post_body, may_reply -> may_quote, and so on. Anything a viewer may
not see answers 404 and names nothing.

The SQL expressions at the end are the same rules for lists (boards, search, feeds,
profiles, the sitemap)."""

import sqlalchemy as sa

from forum.errors import NotAllowed
from forum.extensions import db
from forum.policy.viewer import (
    check_can_participate,
    is_moderator,
    is_self,
    is_signed_in,
    may_participate,
)
from forum.threads.models import VISIBILITIES, Post, PostState, Thread

PUBLIC, MEMBERS = VISIBILITIES


# -- threads ---------------------------------------------------------------------------


def may_see_thread(viewer, thread: Thread) -> bool:
    """Whether the thread exists for the viewer at all (its title, its address). A thread
    awaiting approval, or rejected, exists for its author and the moderators only."""
    if not thread.is_hidden:
        return True
    return is_moderator(viewer) or is_self(viewer, thread.author_id)


def may_read_posts(viewer, thread: Thread) -> bool:
    """Whether the viewer may read the thread's posts and see who wrote them. A visitor
    at a members-only thread sees its title and board only."""
    return may_see_thread(viewer, thread) and (thread.visibility == PUBLIC or is_signed_in(viewer))


def is_public(thread: Thread) -> bool:
    """Anyone, crawlers included, may read it: approved and public (thread_is_public for
    one loaded thread)."""
    return not thread.is_hidden and thread.visibility == PUBLIC


def may_reply(viewer, thread: Thread) -> bool:
    """Signed-in members who may publish, into an approved thread they may read that is
    not locked."""
    return (
        may_read_posts(viewer, thread)
        and is_signed_in(viewer)
        and not thread.is_hidden
        and not thread.is_locked
        and may_participate(viewer)
    )


def may_change_visibility(viewer, thread: Thread) -> bool:
    """The author decides who reads their thread; moderators may too (and are logged).
    A sanction does not stop a member making their own thread more private."""
    return may_see_thread(viewer, thread) and (
        is_self(viewer, thread.author_id) or is_moderator(viewer)
    )


# -- posts -----------------------------------------------------------------------------


def _thread(post: Post) -> Thread:
    """The post's thread. Pages load it with the post; a caller that loaded a post alone
    (a background job, a test) gets it from the session, by primary key."""
    # Read from the instance's own dict: asking the ORM which attributes are unloaded
    # builds a set, and a thread page asks this a dozen times a post.
    loaded = post.__dict__.get("thread")
    return loaded if loaded is not None else db.session.get(Thread, post.thread_id)


def _is_author_or_moderator(viewer, post: Post) -> bool:
    return is_self(viewer, post.author_id) or is_moderator(viewer)


def may_see_post(viewer, post: Post) -> bool:
    """Whether the post's place exists for the viewer (its permalink leads somewhere).
    A post with a place in a thread the viewer may see is at least a placeholder there; a
    reply still waiting for approval, or rejected, has no place and exists only for its
    author and the moderators."""
    if not may_see_thread(viewer, _thread(post)):
        return False
    return post.position is not None or _is_author_or_moderator(viewer, post)


def may_see_post_body(viewer, post: Post) -> bool:
    """The text and the author's name: visible posts for whoever may read the thread;
    pending and hidden ones for their author and the moderators; deleted ones for nobody
    (a placeholder keeps their place)."""
    if not may_read_posts(viewer, _thread(post)) or not may_see_post(viewer, post):
        return False
    if post.state == PostState.VISIBLE:
        return True
    return post.state in (PostState.PENDING, PostState.HIDDEN) and _is_author_or_moderator(
        viewer, post
    )


def may_see_history(viewer, post: Post) -> bool:
    """A post's earlier versions, and its experience report's: for a visible post of a
    thread the viewer may read (a placeholder has no history to show)."""
    return may_read_posts(viewer, _thread(post)) and post.state == PostState.VISIBLE


def may_quote(viewer, post: Post) -> bool:
    """Quote a visible post into a reply to its thread."""
    return post.state == PostState.VISIBLE and may_reply(viewer, _thread(post))


def may_edit_post(viewer, post: Post, *, sanctions_aside: bool = False) -> bool:
    """Its author, while it is visible or waiting for approval (an edit leaves it waiting);
    the moderators, while it is visible or hidden (a deleted post, or someone else's
    waiting one, is decided in the review queue, not edited). Only if they may publish,
    unless `sanctions_aside` (whose post it is to edit: a view lets a sanctioned author's
    form reach the service, which refuses it with the reason and the text kept).
    edit_refusal says why not."""
    return edit_refusal(viewer, post, sanctions_aside=sanctions_aside) is None


def edit_refusal(viewer, post: Post, *, sanctions_aside: bool = False) -> str | None:
    """Why the viewer may not edit the post, in words for them; None if they may."""
    if not may_see_post(viewer, post):
        return "This post is not here."  # views answer 404 before asking
    own = is_self(viewer, post.author_id)
    moderator = is_moderator(viewer)
    if not own and not moderator:
        return "You can only edit your own posts."
    if post.state == PostState.DELETED:
        if post.deleted_by_author:
            if own:
                return "You deleted this post: a deleted post cannot be edited."
            return "This post was deleted by its author: it cannot be edited."
        if post.position is None or (post.is_first and _thread(post).is_hidden):
            return "A moderator did not approve this post: it cannot be edited."
        return "A moderator removed this post: it cannot be edited."
    if post.state == PostState.PENDING and not own:
        return "A post waiting for approval can only be approved or rejected."
    if post.state == PostState.HIDDEN and not moderator:
        if post.moderation_reason:
            return "A moderator hid this post: it cannot be edited while it is hidden."
        return (
            "This post is hidden until a moderator reviews its flags: it cannot be "
            "edited meanwhile."
        )
    if not sanctions_aside:
        try:
            check_can_participate(viewer)
        except NotAllowed as refusal:
            return refusal.message
    return None


def may_delete_post(viewer, post: Post) -> bool:
    """Authors delete their visible posts (a sanction does not stop taking text down)."""
    return may_see_post(viewer, post) and is_self(viewer, post.author_id) and post.is_visible


def may_flag_post(viewer, post: Post) -> bool:
    """Members who may publish flag others' visible posts in threads they may read.
    (How old the account is, and today's count, are the flag service's business.)"""
    return (
        is_signed_in(viewer)
        and not is_self(viewer, post.author_id)
        and post.state == PostState.VISIBLE
        and may_read_posts(viewer, _thread(post))
        and may_participate(viewer)
    )


def may_add_report(viewer, post: Post, *, sanctions_aside: bool = False) -> bool:
    """The member who started a thread on a treatment's board may attach one experience
    report to its first post, while it is visible or waiting for approval (and they may
    publish, unless `sanctions_aside`: see may_edit_post)."""
    return (
        is_self(viewer, post.author_id)
        and post.is_first
        and post.state in (PostState.VISIBLE, PostState.PENDING)
        and _thread(post).board.takes_reports
        and (sanctions_aside or may_participate(viewer))
    )


def may_update_report(viewer, post: Post, *, sanctions_aside: bool = False) -> bool:
    """Only its author updates a report, while its post is visible or waiting (and they
    may publish, unless `sanctions_aside`: see may_edit_post)."""
    return (
        is_self(viewer, post.author_id)
        and post.state in (PostState.VISIBLE, PostState.PENDING)
        and (sanctions_aside or may_participate(viewer))
    )


def may_follow_up_report(viewer, post: Post, *, sanctions_aside: bool = False) -> bool:
    """Answering "Is it still working?" (and turning its reminders off) is updating the
    report: its author, as may_update_report says. Turning reminders off publishes
    nothing, so a view asks it with `sanctions_aside`."""
    return may_update_report(viewer, post, sanctions_aside=sanctions_aside)


# -- lists, in SQL ---------------------------------------------------------------------


def thread_is_public(thread=Thread) -> sa.ColumnElement[bool]:
    """Threads any visitor, crawler or feed reader may read: approved and public."""
    return sa.and_(~thread.is_hidden, thread.visibility == PUBLIC)


def thread_is_readable_by(viewer, thread=Thread) -> sa.ColumnElement[bool]:
    """Approved threads whose posts `viewer` may read: a signed-in member reads
    members-only threads too, a visitor (None or anonymous) public ones only. (Lists show
    no thread awaiting approval, not even to its author.)"""
    return threads_readable(is_signed_in(viewer), thread)


def threads_readable(signed_in: bool, thread=Thread) -> sa.ColumnElement[bool]:
    """thread_is_readable_by for a member (`signed_in`) or a visitor: all the rule asks
    of a viewer, so a statement built once for each kind serves every viewer."""
    if signed_in:
        return ~thread.is_hidden
    return thread_is_public(thread)


def post_is_public(post=Post) -> sa.ColumnElement[bool]:
    """Posts anyone who may read their thread may read: never pending, hidden or deleted."""
    return post.state == PostState.VISIBLE.value
