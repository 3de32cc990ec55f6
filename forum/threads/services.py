"""Threads and posts: reading, starting, replying, editing, deleting."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.accounts.services import mentionable_names
from forum.blocks.services import quotes_refused
from forum.boards.models import Board
from forum.content import clean_text, find_references, quote_markdown, render_markdown
from forum.drafts.models import Draft, DraftKind, place_of
from forum.drafts.services import delete_draft_of
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import UTCDateTime, db, first_or_404, utcnow
from forum.moderation_log import log_action
from forum.pagination import Page, check_page
from forum.policy import threads as policy
from forum.policy.drafts import may_use_draft
from forum.policy.trust import link_limit
from forum.policy.viewer import (
    check_can_participate,
    is_moderator,
    is_self,
    is_signed_in,
    needs_approval,
)
from forum.reports.models import ExperienceReport
from forum.signals import post_approved, post_created, post_deleted, post_edited
from forum.threads.models import VISIBILITIES, Post, PostRevision, PostState, Thread
from forum.threads.versions import listed_thread_ids

TITLE_MIN, TITLE_MAX = 5, 150
BODY_MIN, BODY_MAX = 1, 20_000
QUOTE_REFUSED = "That post cannot be quoted."


# -- reading ---------------------------------------------------------------------------


def list_threads(board: Board, page: int, per_page: int) -> Page:
    """A page of the board's threads: pinned first, then by latest activity; each with the
    pain scores of the experience report its first post carries (Thread.opening_report),
    in the same query. Whether a viewer may see them is the policy's (may_read_posts)."""
    ids, params = listed_thread_ids(board, page, per_page)
    threads = db.session.scalars(_thread_list(ids), params).all()
    return Page(list(threads), page, per_page, board.thread_count)


@cache
def _thread_list(ids: sa.Select) -> sa.Select:
    """The threads whose ids `ids` lists (a statement made once per end of a board), in the
    board's order; built once."""
    return threads_with_opening_report(ids.scalar_subquery()).order_by(
        Thread.is_pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc()
    )


def threads_with_opening_report(ids) -> sa.Select:
    """Threads by id (a list, or a subquery of ids) for a listing, with their author, last
    poster, and the pain scores of the report their first post carries."""
    return _threads_with_opening_report().where(Thread.id.in_(ids))


@cache
def _threads_with_opening_report() -> sa.Select:
    """The opening report comes through two flat outer joins, as the row versions read it
    (forum/threads/versions.py): loaded through the relationship, the first post and its
    report became one nested join that SQLite built for every post of the forum before it
    looked at the listing's threads."""
    first_post = sa.orm.aliased(Post, name="first_post")
    report = sa.orm.aliased(ExperienceReport, name="opening_report")
    return (
        sa.select(Thread)
        .outerjoin(
            first_post,
            sa.and_(
                first_post.thread_id == Thread.id,
                first_post.position == 1,
                first_post.state == PostState.VISIBLE.value,
            ),
        )
        .outerjoin(report, report.post_id == first_post.id)
        .options(
            joinedload(Thread.author),
            joinedload(Thread.last_poster),
            contains_eager(Thread.opening_report.of_type(report)).load_only(
                report.pain_before, report.pain_best, raiseload=True
            ),
        )
    )


def get_thread_or_404(thread_id: int) -> Thread:
    return first_or_404(_thread_with_board_and_author(), {"thread_id": thread_id})


def get_thread_and_reply_draft_or_404(viewer: User, thread_id: int) -> tuple[Thread, Draft | None]:
    """A member's thread page: the thread (as get_thread_or_404) and, in the same
    statement, the member's draft of a reply to it for the reply box, or None (none kept,
    or not theirs to see: forum/policy/drafts.py)."""
    row = db.session.execute(
        _thread_and_reply_draft(),
        {
            "thread_id": thread_id,
            "viewer_id": viewer.id,
            "place": place_of(DraftKind.REPLY, 0, thread_id),
        },
    ).first()
    if row is None:
        raise NotFound()
    thread, draft = row
    if draft is not None:
        set_committed_value(draft, "thread", thread)
        if not may_use_draft(viewer, draft):
            draft = None
    return thread, draft


@cache
def _thread_and_reply_draft() -> sa.Select:
    draft = sa.and_(
        Draft.author_id == sa.bindparam("viewer_id"), Draft.place == sa.bindparam("place")
    )
    return _thread_with_board_and_author().add_columns(Draft).outerjoin(Draft, draft)


@cache
def _thread_with_board_and_author() -> sa.Select:
    # Built once: every thread page starts here, and making it costs more than running it.
    return (
        sa.select(Thread)
        .where(Thread.id == sa.bindparam("thread_id"))
        .options(joinedload(Thread.board), joinedload(Thread.author))
    )


def list_posts(thread: Thread, page: int, per_page: int, viewer: User | None = None) -> Page:
    """A page of the thread's posts, oldest first, deleted ones included as placeholders.

    The last page also carries the viewer's own replies that have no place yet (waiting
    for approval, or rejected with the moderator's reason), in the same query."""
    check_page(page, thread.post_count, per_page)
    first = (page - 1) * per_page + 1
    with_own = page * per_page >= thread.post_count and is_signed_in(viewer)
    parameters = {"thread_id": thread.id, "first": first, "last": first + per_page - 1}
    if with_own:
        parameters["viewer_id"] = viewer.id
    else:
        parameters["n"] = per_page
    posts = db.session.scalars(_page_of_posts(with_own), parameters).all()
    for post in posts:  # the policy asks a post about its thread: this one, no query
        set_committed_value(post, "thread", thread)
    return Page(list(posts), page, per_page, thread.post_count)


@cache
def _page_of_posts(with_own: bool) -> sa.Select:
    """A page of a thread's posts, in order (see list_posts); `with_own`: with the viewer's
    posts that have no place yet. Built once, with bound parameters: building it cost
    more than running it."""
    query = sa.select(Post).options(
        joinedload(Post.author),
        joinedload(Post.edited_by),
        joinedload(Post.report).joinedload(ExperienceReport.board),
        # The Markdown source is for editing and quoting, not for reading: not loaded.
        defer(Post.body_source),
    )
    shown = Post.position.between(sa.bindparam("first"), sa.bindparam("last"))
    if with_own:
        own = sa.and_(Post.position.is_(None), Post.author_id == sa.bindparam("viewer_id"))
        shown = sa.or_(shown, own)
        query = query.order_by(Post.position.is_(None), Post.position, Post.id)
    else:
        # The LIMIT is the planner's cue: positions 1-20 exist in every thread, so without
        # it PostgreSQL estimates thousands of rows for a long thread's first page and
        # picks a parallel hash join over every experience report. Written in, as
        # versions.py's are, so PostgreSQL keeps one plan.
        query = query.order_by(Post.position).limit(
            sa.bindparam("n", type_=sa.Integer, literal_execute=True)
        )
    return query.where(Post.thread_id == sa.bindparam("thread_id"), shown)


def _posts_with_context() -> sa.Select:
    """Posts with what their pages and URLs need: thread, board, author and last editor."""
    return sa.select(Post).options(
        joinedload(Post.thread).joinedload(Thread.board),
        joinedload(Post.author),
        joinedload(Post.edited_by),
        joinedload(Post.report).joinedload(ExperienceReport.board),
    )


def get_post_or_404(post_id: int) -> Post:
    return db.first_or_404(_posts_with_context().where(Post.id == post_id))


def _reload(post: Post) -> Post:
    """A post just committed, loaded again with its context."""
    return db.session.scalars(_posts_with_context().where(Post.id == post.id)).one()


@dataclass(frozen=True)
class Version:
    number: int
    body_html: str | None  # None: withheld (a moderator edited this text out)
    author: User
    written_at: datetime
    is_current: bool


def list_versions(post: Post, viewer: User | None = None) -> list[Version]:
    """Every version of a post, newest first; the oldest is the post as first written.

    Text a moderator edited out (private information, say) is withheld from everyone but
    its author and the moderators."""
    may_see_all = is_moderator(viewer) or is_self(viewer, post.author_id)
    revisions = db.session.scalars(
        sa.select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .options(joinedload(PostRevision.editor))
        .order_by(PostRevision.id)
    ).all()
    versions = [
        Version(
            number,
            None if rev.replaced_by_moderator and not may_see_all else rev.body_html,
            rev.editor,
            rev.created_at,
            is_current=False,
        )
        for number, rev in enumerate(revisions, start=1)
    ]
    versions.append(
        Version(
            len(revisions) + 1,
            post.body_html,
            post.edited_by or post.author,
            post.edited_at or post.created_at,
            is_current=True,
        )
    )
    return versions[::-1]


def quote_post(viewer: User, post: Post, post_url: str) -> str:
    """Markdown that quotes a visible post, for pre-filling a reply to its thread."""
    if not policy.may_quote(viewer, post) or quotes_refused(viewer, [post.id]):
        raise DomainError(QUOTE_REFUSED)
    return quote_markdown(post.body_source, post.author.display_name, post_url)


# -- writing ---------------------------------------------------------------------------


def create_thread(
    author: User,
    board: Board,
    title: str,
    body: str,
    submission_key: str | None = None,
    *,
    visibility: str,
    commit: bool = True,
) -> Post:
    """Start a thread on a board; returns its first post.

    `visibility` ("public" or "members") has no default: the author always chooses who
    may read it. A new member's first posts wait for a moderator: the thread stays hidden
    and counts nowhere until then. Submitting the same form twice returns the first post
    again. With commit=False the caller (filing an experience report) adds to the
    transaction."""
    check_can_participate(author)
    visibility = clean_visibility(visibility)
    title = clean_title(title)
    body = _clean_body(body)
    body_html = _render_for(author, body)
    if (existing := _already_submitted(author, submission_key)) is not None:
        return existing
    now = utcnow()
    pending = needs_approval(author)
    thread = Thread(
        board_id=board.id,
        author_id=author.id,
        title=title,
        created_at=now,
        last_post_at=now,
        last_poster_id=author.id,
        post_count=1,
        is_hidden=pending,
        visibility=visibility,
    )
    post = Post(
        thread=thread,
        author_id=author.id,
        position=1,
        body_source=body,
        body_html=body_html,
        created_at=now,
        state="pending" if pending else "visible",
        submission_key=submission_key,
    )
    db.session.add_all([thread, post])
    try:
        db.session.flush()
    except IntegrityError as error:
        return _resolve_duplicate(author, submission_key, error)
    if not pending:
        _count_new_post(author, board.id, thread.id, now, new_thread=True)
    # Listeners watch the thread for its author, tell watchers (of a visible post) and put
    # a post matching a crisis phrase before moderators (published all the same).
    post_created.send(post, thread=thread, author=author)
    if not commit:
        return post  # a report's form deletes its own draft (forum/reports/services.py)
    delete_draft_of(author, DraftKind.THREAD, board.id)
    db.session.commit()
    return _reload(post)


def reply_to_thread(
    author: User, thread: Thread, body: str, submission_key: str | None = None
) -> Post:
    """Add a reply at the end of a thread; a locked thread refuses it.

    A new member's reply waits for a moderator without a place in the thread: it is
    numbered and counted when approved."""
    check_can_participate(author)
    body = _clean_body(body)
    body_html = _render_for(author, body)
    if (existing := _already_submitted(author, submission_key)) is not None:
        return existing
    if thread.is_locked:
        raise NotAllowed("This thread is locked: it takes no new replies.")
    if not policy.may_reply(author, thread):
        # Waiting for approval, rejected, or not readable: the view answered 404 already.
        raise NotAllowed("This thread takes no replies.")
    now = utcnow()
    post = Post(
        thread_id=thread.id,
        author_id=author.id,
        body_source=body,
        body_html=body_html,
        created_at=now,
        state="pending" if needs_approval(author) else "visible",
        submission_key=submission_key,
    )
    if post.state == "visible":
        _append(post, thread.id, thread.board_id, author, now)
    db.session.add(post)
    try:
        db.session.flush()
    except IntegrityError as error:
        return _resolve_duplicate(author, submission_key, error)
    # As for a new thread; a waiting reply's watchers are told on approval.
    post_created.send(post, thread=thread, author=author)
    delete_draft_of(author, DraftKind.REPLY, thread.board_id, thread.id)
    db.session.commit()
    return _reload(post)


def approve_post(post: Post) -> None:
    """A moderator approved a waiting post: it joins its thread and every count, and the
    notifications held back while it waited go out. The caller (the moderation service)
    logs and commits."""
    thread = db.session.get(Thread, post.thread_id)
    author = db.session.get(User, post.author_id)
    now = utcnow()
    post.state = "visible"
    if post.is_first:
        thread.is_hidden = False
        thread.last_post_at = now
        _count_new_post(author, thread.board_id, thread.id, now, new_thread=True)
    else:
        _append(post, thread.id, thread.board_id, author, now, check_lock=False)
    post_approved.send(post, thread=thread)


def _append(
    post: Post, thread_id: int, board_id: int, author: User, now, check_lock: bool = True
) -> None:
    """Give a visible reply the next place in its thread and count it everywhere."""
    # One UPDATE both checks the lock and claims the next position: concurrent replies
    # queue on the thread's row, so positions never collide.
    conditions = [Thread.id == thread_id]
    if check_lock:  # and, as the lock, that the thread was not sent back for approval
        conditions.extend([~Thread.is_locked, ~Thread.is_hidden])
    position = db.session.scalar(
        sa.update(Thread)
        .where(*conditions)
        .values(
            post_count=Thread.post_count + 1,
            last_post_at=_later(Thread.last_post_at, now),
            last_poster_id=author.id,
        )
        .returning(Thread.post_count)
        .execution_options(synchronize_session=False)
    )
    if position is None:
        db.session.rollback()
        raise NotAllowed("This thread is locked: it takes no new replies.")
    post.position = position
    _count_new_post(author, board_id, thread_id, now)


def _render_for(author: User, body: str, writer_id: int | None = None) -> str:
    """Render (@names of members become links to their profiles, but not of members who
    blocked the writer), refusing a quote of a member who blocked the writer, and more
    links than the author's trust level allows (forum/policy/trust.py). `writer_id`: whose
    post it is, when a moderator (`author`) edits someone else's: the moderator quotes
    nobody."""
    writer_id = author.id if writer_id is None else writer_id
    if writer_id == author.id and "/p/" in body:
        if quotes_refused(author, find_references(body).quoted_post_ids):
            # The same words as for a quote link not offered: who blocked whom stays private.
            raise DomainError(
                f"{QUOTE_REFUSED} Please take the quote out: the rest of your text is kept.",
                "body",
            )
    html = render_markdown(body, mentionable_names(body, writer_id))
    limit = link_limit(author)
    if limit is None:
        return html
    # Mentions link to profiles here: they are not the links that spam is made of.
    links = html.count("<a ") - html.count('<a href="/u/')
    if links > limit:
        raise DomainError(
            f"New members can include at most {limit} links in a post, until they have "
            f"been here a week and had a post approved (this one has {links}). It keeps "
            "spam out; please remove some links.",
            "body",
        )
    return html


def edit_post(
    editor: User,
    post: Post,
    body: str,
    version: int,
    title: str | None = None,
    commit: bool = True,
) -> Post:
    """Replace a post's text, keeping the old text as a revision.

    `version` is the one the editor started from; if the post changed since, the edit is
    refused rather than silently overwriting. `title` renames the thread (first post only)."""
    check_can_participate(editor)
    if refusal := policy.edit_refusal(editor, post):
        raise NotAllowed(refusal)
    if version != post.version:
        raise Conflict(
            "This post was changed since you opened it. Your text is below; "
            "check the current version before saving again.",
            "body",
        )
    body = _clean_body(body)
    body_html = _render_for(editor, body, writer_id=post.author_id)
    if title is not None and post.is_first:
        post.thread.title = clean_title(title)
    now = utcnow()
    db.session.add(
        PostRevision(
            post_id=post.id,
            editor_id=post.edited_by_id or post.author_id,
            replaced_by_moderator=editor.id != post.author_id,
            body_source=post.body_source,
            body_html=post.body_html,
            created_at=post.edited_at or post.created_at,
        )
    )
    post.body_source = body
    post.body_html = body_html
    post.edited_at = now
    post.edited_by_id = editor.id
    post.version = post.version + 1
    # Listeners tell members the edit newly mentions or quotes, and look for crisis phrases.
    post_edited.send(post, editor=editor, title=title)
    if not commit:  # part of a larger use case (a moderator's edit) that commits
        db.session.flush()
        return post
    db.session.commit()
    return _reload(post)


def set_thread_visibility(actor: User, thread: Thread, visibility: str) -> Thread:
    """Make a thread public or members-only. Feeds, the sitemap and search follow at once
    (they ask on every request). A moderator changing someone else's thread is logged;
    an author's own choice is theirs alone and is not."""
    if not policy.may_change_visibility(actor, thread):
        raise NotAllowed("Only the member who started this thread can change who reads it.")
    visibility = clean_visibility(visibility)
    if visibility == thread.visibility:
        return thread
    before, thread.visibility = thread.visibility, visibility
    if actor.id != thread.author_id:
        log_action(
            actor,
            "thread_visibility",
            thread,
            subject_user_id=thread.author_id,
            before=before,
            after=visibility,
        )
    db.session.commit()
    return thread


def delete_post(actor: User, post: Post) -> None:
    """Soft-delete the member's own post; it keeps its place as a placeholder."""
    if not policy.may_delete_post(actor, post):
        raise NotAllowed("You can only delete your own posts.")
    post.state = "deleted"
    post.deleted_by_id = actor.id
    post.deleted_at = utcnow()  # its author may undo it for 14 days (forum/threads/deletion.py)
    post.version = post.version + 1
    post_deleted.send(post, actor=actor, reason=None)
    db.session.commit()


# -- helpers ---------------------------------------------------------------------------


def clean_title(title: str) -> str:
    title = " ".join(clean_text(title, multiline=False).split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise DomainError(
            f"A title is {TITLE_MIN} to {TITLE_MAX} characters long (yours is {len(title)}).",
            "title",
        )
    return title


def clean_visibility(visibility: str | None) -> str:
    if visibility not in VISIBILITIES:
        raise DomainError(
            "Please choose who can read this thread: public, or members only.",
            "visibility",
        )
    return visibility


def _clean_body(body: str) -> str:
    body = clean_text(body, multiline=True).strip()
    if not BODY_MIN <= len(body) <= BODY_MAX:
        raise DomainError(
            "Please write something."
            if not body
            else f"A post is at most {BODY_MAX:,} characters long (yours is {len(body):,}).",
            "body",
        )
    return body


def _already_submitted(author: User, submission_key: str | None) -> Post | None:
    if not submission_key:
        return None
    return db.session.scalar(
        _posts_with_context().where(
            Post.author_id == author.id, Post.submission_key == submission_key
        )
    )


def _resolve_duplicate(author: User, submission_key: str | None, error: IntegrityError) -> Post:
    """A concurrent twin of this submission won the race: return its post."""
    db.session.rollback()
    existing = _already_submitted(author, submission_key)
    if existing is None:
        raise error
    return existing


def _count_new_post(
    author: User, board_id: int, thread_id: int, now: datetime, new_thread: bool = False
) -> None:
    """Board and member counters, in the transaction that adds the post. SQL increments,
    so concurrent posts never overwrite each other's counts."""
    newer = sa.or_(Board.last_post_at.is_(None), Board.last_post_at < now)
    values = {
        "post_count": Board.post_count + 1,
        "last_thread_id": sa.case((newer, thread_id), else_=Board.last_thread_id),
        "last_post_at": _later(Board.last_post_at, now),
    }
    if new_thread:
        values["thread_count"] = Board.thread_count + 1
    db.session.execute(sa.update(Board).where(Board.id == board_id).values(**values))
    db.session.execute(
        sa.update(User).where(User.id == author.id).values(post_count=User.post_count + 1)
    )


def _later(column, now: datetime) -> sa.ColumnElement:
    """The column moved forward to `now`, never back. Concurrent posts take `now` before
    they queue on the row: the one committed last may carry the earlier time."""
    moment = sa.literal(now, UTCDateTime)
    return sa.case((sa.or_(column.is_(None), column < moment), moment), else_=column)
