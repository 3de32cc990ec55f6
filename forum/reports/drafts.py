"""Drafts of experience reports: the answers of the report form in steps, kept on the
server as the member goes, so going back never loses an answer and any device resumes
where they left off. One draft per member per board. A draft is deleted when its report is
posted (in the same transaction), when its author discards it, or REPORT_DRAFT_DAYS after
it was last saved (forum/retention.py)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.policy import reports as policy
from forum.reports import services
from forum.reports.models import ReportDraft
from forum.threads.models import Post
from forum.threads.services import get_post_or_404

# What a draft keeps of a posted form: answers are short texts (a story is the longest),
# so a tampered request cannot make a row of megabytes.
ANSWER_MAX = 100_000


def _find(author: User, board: Board) -> ReportDraft | None:
    return db.session.scalar(
        sa.select(ReportDraft).where(
            ReportDraft.author_id == author.id, ReportDraft.board_id == board.id
        )
    )


def get_or_start_draft(author: User, board: Board) -> ReportDraft:
    """The member's draft on `board`, or a new, empty one that is not stored until
    save_draft (looking at the form stores nothing)."""
    return _find(author, board) or ReportDraft(
        author_id=author.id, board_id=board.id, answers={}, step=1
    )


def get_draft_or_404(viewer: User, draft_id: int) -> ReportDraft:
    """A draft (with its board), for its author only: to anyone else, 404."""
    draft = db.session.scalar(
        sa.select(ReportDraft)
        .options(joinedload(ReportDraft.board))
        .where(ReportDraft.id == draft_id)
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


def save_draft(author: User, board: Board, answers: dict, step: int) -> ReportDraft:
    """Keep `answers` (field name -> text, or list of texts, as the form posts them) in the
    member's draft on `board`, over what it held, and remember `step` as where to resume.
    Starts the draft on the first save. Not a publishing act: a silenced member may keep
    writing, and posting checks them as always."""
    for attempt in (1, 2):
        draft = get_or_start_draft(author, board)
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


def discard_draft(viewer: User, draft_id: int) -> None:
    """Delete a draft for good, at its author's request."""
    draft = get_draft_or_404(viewer, draft_id)
    db.session.delete(draft)
    db.session.commit()


def list_drafts(author: User) -> list[ReportDraft]:
    """The member's drafts, with their boards, last saved first."""
    return list(
        db.session.scalars(
            sa.select(ReportDraft)
            .options(joinedload(ReportDraft.board))
            .where(ReportDraft.author_id == author.id)
            .order_by(ReportDraft.updated_at.desc(), ReportDraft.id.desc())
        )
    )


def post_draft(
    author: User,
    board: Board,
    draft: ReportDraft,
    title: str,
    body: str,
    answers: dict,
    submission_key: str | None,
    *,
    visibility: str,
    confirmed_estimate: bool = False,
) -> Post:
    """File the report a draft holds (services.file_report, with every check it makes);
    the draft is deleted in the same transaction, so it never outlives its report."""
    return services.file_report(
        author,
        board,
        title,
        body,
        answers,
        submission_key,
        visibility=visibility,
        confirmed_estimate=confirmed_estimate,
        draft=draft,
    )


def find_posted(author: User, submission_key: str | None) -> Post | None:
    """The post a draft's form already filed (the same "Post report" sent twice, say, after
    the first deleted the draft), or None."""
    if not submission_key:
        return None
    post_id = db.session.scalar(
        sa.select(Post.id).where(Post.author_id == author.id, Post.submission_key == submission_key)
    )
    return None if post_id is None else get_post_or_404(post_id)


def purge_expired_drafts(before: datetime) -> int:
    """Delete the drafts last saved before `before`, in the caller's transaction; returns
    how many."""
    result = db.session.execute(
        sa.delete(ReportDraft)
        .where(ReportDraft.updated_at < before)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
