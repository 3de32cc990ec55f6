"""A member's bookmarks: keep a post (or let it go), write a private note on it, list them.
Each use case is one transaction. Nobody but the member reads or changes their bookmarks:
the policy (forum/policy/bookmarks.py) says which posts they may keep and which kept posts
they may still see."""

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.bookmarks.models import NOTE_MAX, Bookmark
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.pagination import Page, check_page
from forum.policy import bookmarks as policy
from forum.threads.models import Post, Thread

# How much of a post the list shows: enough to recognise it at a clinic visit.
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class BookmarkEntry:
    bookmark: Bookmark
    # None when the member may no longer see the post: the list says it is not available.
    post: Post | None
    excerpt: str


def _find(member: User, post_id: int) -> Bookmark | None:
    return db.session.scalar(
        sa.select(Bookmark).where(Bookmark.user_id == member.id, Bookmark.post_id == post_id)
    )


def get_bookmark(member: User, post: Post) -> Bookmark | None:
    """The member's bookmark of `post`, if they kept it."""
    return _find(member, post.id)


def list_bookmarked(viewer, posts: Iterable[Post]) -> dict[int, bool]:
    """For a page of posts: post id -> whether the viewer kept it, for the posts they may
    bookmark (the others, and every post for a visitor, are absent: no button). One
    statement for the whole page, none for a visitor. A thread's page reads this with the
    member's other marks instead (forum/threads/marks.py)."""
    posts = list(posts)
    if not any(policy.may_bookmark_post(viewer, post) for post in posts):
        return {}
    kept = set(
        db.session.scalars(
            sa.select(Bookmark.post_id).where(
                Bookmark.user_id == viewer.id, Bookmark.post_id.in_([p.id for p in posts])
            )
        )
    )
    return bookmark_offers(viewer, posts, kept)


def kept_column(
    member_id: int | sa.ColumnElement[int], post_id: sa.ColumnElement[int]
) -> sa.ColumnElement[bool]:
    """Whether the member kept the post whose id is `post_id`, as a column of a statement
    that lists posts (labelled `kept`). `member_id`: an id or a bound parameter."""
    return (
        sa.exists().where(Bookmark.user_id == member_id, Bookmark.post_id == post_id).label("kept")
    )


def bookmark_offers(viewer, posts: Iterable[Post], kept: set[int]) -> dict[int, bool]:
    """Post id -> whether it is among the `kept` ids, for the posts the viewer may
    bookmark: where a page offers the button, and which way it points."""
    return {post.id: post.id in kept for post in posts if policy.may_bookmark_post(viewer, post)}


def _check(member: User, post: Post) -> None:
    if not policy.may_bookmark_post(member, post):
        raise NotAllowed("You can only bookmark posts you can read.")


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"A note holds at most {NOTE_MAX} characters.", "note")
    return note or None


def _store(member: User, post: Post, note: str | None, set_note: bool) -> Bookmark:
    """Insert or update the member's bookmark of `post`, then commit. A second request that
    raced this one to insert the same row makes this an update."""
    for attempt in (1, 2):
        bookmark = _find(member, post.id)
        if bookmark is None:
            bookmark = Bookmark(user_id=member.id, post_id=post.id, note=note)
            db.session.add(bookmark)
        elif set_note:
            bookmark.note = note
            bookmark.updated_at = utcnow()
        try:
            db.session.commit()
            return bookmark
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def set_bookmark(member: User, post: Post, keep: bool | None = None) -> bool:
    """Keep `post` (keep=True), let it go (False), or toggle (None); returns whether it is
    kept now. Asking for what is already so changes nothing, so a button pressed twice
    leaves what the member chose once."""
    _check(member, post)
    kept = _find(member, post.id)
    if keep is None:
        keep = kept is None
    if keep and kept is None:
        _store(member, post, None, set_note=False)
    elif not keep and kept is not None:
        db.session.delete(kept)
        db.session.commit()
    return keep


def save_bookmark_note(member: User, post: Post, note: str | None) -> Bookmark:
    """Keep `post` with the member's private note (an empty note removes the note, not the
    bookmark)."""
    _check(member, post)
    return _store(member, post, _clean_note(note), set_note=True)


def remove_bookmark(member: User, bookmark_id: int) -> None:
    """Let go of one of the member's bookmarks, from their list: also one whose post they
    may no longer see. Anyone else's bookmark is not there (404)."""
    bookmark = db.session.get(Bookmark, bookmark_id)
    if bookmark is None or not policy.owns_bookmark(member, bookmark):
        raise NotFound()
    db.session.delete(bookmark)
    db.session.commit()


def _excerpt(post: Post) -> str:
    # The stored HTML is the sanitiser's output, and only its text comes out, which the
    # template escapes again (bandit reviewed).
    text = " ".join(Markup(post.body_html).striptags().split())  # nosec B704
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"


def list_bookmarks(member: User, number: int, per_page: int) -> Page:
    """The member's bookmarks, newest first, a page of BookmarkEntry: each post with its
    thread and author, asked again whether the member may still see it. One statement,
    whatever the page holds (the total rides along as a window count)."""
    total = sa.func.count().over().label("total")
    rows = db.session.execute(
        sa.select(Bookmark, total)
        .where(Bookmark.user_id == member.id)
        .options(
            joinedload(Bookmark.post).options(
                joinedload(Post.thread).joinedload(Thread.board), joinedload(Post.author)
            )
        )
        .order_by(Bookmark.created_at.desc(), Bookmark.id.desc())
        .limit(per_page)
        .offset(max(number - 1, 0) * per_page)
    ).all()
    count = rows[0].total if rows else 0
    if not rows and number > 1:
        raise NotFound("There is no such page.")
    check_page(number, count, per_page)
    entries = []
    for bookmark, _ in rows:
        post = bookmark.post
        if policy.may_see_bookmarked_post(member, post):
            entries.append(BookmarkEntry(bookmark, post, _excerpt(post)))
        else:
            entries.append(BookmarkEntry(bookmark, None, ""))
    return Page(entries, number, per_page, count)
