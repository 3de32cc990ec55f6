"""Drafts: what a member is writing (an experience report in steps, a new thread, a reply),
kept on the server as they go, so a closed tab costs little and any device resumes where
they left off. One draft per member per place (forum/drafts/models.py place_of). A draft is
deleted when what it holds is posted (in the same transaction: the posting services call
delete_draft_of), when its author discards it, or DRAFT_DAYS after it was last saved
(forum/retention.py). Nobody but its author ever sees it (forum/policy/drafts.py)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.boards.models import Board
from forum.drafts.models import Draft, DraftKind, place_of
from forum.extensions import db, utcnow
from forum.policy import drafts as policy
from forum.threads.models import Thread

# What a draft keeps of a posted form: answers are short texts (a post is the longest),
# so a tampered request cannot make a row of megabytes.
ANSWER_MAX = 100_000


def _place(kind: DraftKind, board: Board, thread: Thread | None) -> str:
    return place_of(kind, board.id, thread.id if thread is not None else None)


def find_draft(
    author: User, kind: DraftKind, board: Board, thread: Thread | None = None
) -> Draft | None:
    """The member's draft of `kind` on `board` (of a reply: to `thread`), or None. A reply's
    draft on a thread its author may no longer read is not theirs to see (None)."""
    if not author.is_authenticated:
        return None
    draft = db.session.scalar(
        sa.select(Draft).where(
            Draft.author_id == author.id, Draft.place == _place(kind, board, thread)
        )
    )
    if draft is not None and thread is not None:
        # Already loaded by the caller: the policy reads it without another statement.
        set_committed_value(draft, "thread", thread)
    if draft is None or not policy.may_use_draft(author, draft):
        return None
    return draft


def get_or_start_draft(
    author: User, kind: DraftKind, board: Board, thread: Thread | None = None
) -> Draft:
    """The member's draft, or a new, empty one that is not stored until save_draft
    (looking at a form stores nothing)."""
    return find_draft(author, kind, board, thread) or Draft(
        author_id=author.id,
        kind=kind,
        place=_place(kind, board, thread),
        board_id=board.id,
        thread_id=thread.id if thread is not None else None,
        answers={},
        step=1,
    )


def get_draft_or_404(viewer: User, draft_id: int) -> Draft:
    """A draft (with its board and thread), for its author only: to anyone else, 404."""
    draft = db.session.scalar(
        sa.select(Draft)
        .options(joinedload(Draft.board), joinedload(Draft.thread))
        .where(Draft.id == draft_id)
    )
    if draft is None or not policy.may_use_draft(viewer, draft):
        raise NotFound()
    return draft


def _bounded(answers: dict) -> dict:
    def cut(value):
        if isinstance(value, list):
            return [str(item)[:ANSWER_MAX] for item in value[:50]]
        return str(value)[:ANSWER_MAX]

    return {str(name)[:64]: cut(value) for name, value in answers.items()}


def save_draft(
    author: User,
    kind: DraftKind,
    board: Board,
    answers: dict,
    *,
    thread: Thread | None = None,
    step: int = 1,
) -> Draft:
    """Keep `answers` (field name -> text, or list of texts, as the form posts them) in the
    member's draft, over what it held, and remember `step` as where a report resumes.
    Starts the draft on the first save. Not a publishing act: a silenced member may keep
    writing, and posting checks them as always. A reply's draft needs a thread its
    author may read (else 404, as for the thread itself)."""
    if thread is not None and not policy.may_draft_reply(author, thread):
        raise NotFound()
    for attempt in (1, 2):
        draft = get_or_start_draft(author, kind, board, thread)
        # A new dict: the JSON column then sees the change.
        draft.answers = {**(draft.answers or {}), **_bounded(answers)}
        draft.step = step
        draft.updated_at = utcnow()
        db.session.add(draft)
        try:
            db.session.commit()
            return draft
        except IntegrityError:
            # The same member's two saves at once (a tap while the autosave runs) both
            # started a draft; the second merges into the first.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def discard_draft(viewer: User, draft_id: int) -> Draft:
    """Delete a draft for good, at its author's request; returns it (detached), to say
    where it was."""
    draft = get_draft_or_404(viewer, draft_id)
    db.session.delete(draft)
    db.session.commit()
    return draft


def delete_draft_of(
    author: User, kind: DraftKind, board_id: int, thread_id: int | None = None
) -> None:
    """Delete the member's draft of what they are posting, in the caller's transaction:
    the draft never outlives its post."""
    db.session.execute(
        sa.delete(Draft)
        .where(Draft.author_id == author.id, Draft.place == place_of(kind, board_id, thread_id))
        .execution_options(synchronize_session=False)
    )


def list_drafts(author: User) -> list[Draft]:
    """The member's drafts they may see, with their boards and threads, last saved first."""
    found = db.session.scalars(
        sa.select(Draft)
        .options(joinedload(Draft.board), joinedload(Draft.thread))
        .where(Draft.author_id == author.id)
        .order_by(Draft.updated_at.desc(), Draft.id.desc())
    )
    return [draft for draft in found if policy.may_use_draft(author, draft)]


def purge_expired_drafts(before: datetime) -> int:
    """Delete the drafts last saved before `before`, in the caller's transaction; returns
    how many."""
    result = db.session.execute(
        sa.delete(Draft)
        .where(Draft.updated_at < before)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
