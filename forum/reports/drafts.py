"""Drafts of experience reports: the answers of the report form in steps, kept on the
server as the member goes (forum/drafts/services.py keeps every kind of draft), so going
back never loses an answer and any device resumes where they left off. One draft per
member per board. What is a report's own: posting the draft, and finding what a form sent
twice already filed."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.drafts import services as drafts
from forum.drafts.models import Draft, DraftKind
from forum.extensions import db
from forum.reports import services
from forum.threads.models import Post
from forum.threads.services import get_post_or_404


def get_or_start_draft(author: User, board: Board) -> Draft:
    """The member's report draft on `board`, or a new, empty one that is not stored until
    save_draft (looking at the form stores nothing)."""
    return drafts.get_or_start_draft(author, DraftKind.REPORT, board)


def save_draft(author: User, board: Board, answers: dict, step: int) -> Draft:
    """Keep a step's `answers` in the member's report draft on `board`, and `step` as where
    to resume (drafts.save_draft)."""
    return drafts.save_draft(author, DraftKind.REPORT, board, answers, step=step)


def post_draft(
    author: User,
    board: Board,
    draft: Draft,
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
