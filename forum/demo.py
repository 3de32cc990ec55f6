"""Demo content for a fresh development forum (the accounts themselves: forum/demo_content.py).
Every demo member's name starts with "demo-" and every demo post says it is demo content,
so nobody mistakes it for a patient."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member, get_user_by_name
from forum.boards.models import Board
from forum.demo_content import REPORTS, THREADS, DemoReport
from forum.extensions import db, utcnow
from forum.reports.models import ExperienceReport
from forum.reports.releases import refresh_boards
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, reply_to_thread

LABEL = "*Demo content: written to show how the forum works, not a real patient's account.*"


def demo_answers(report: DemoReport, board: Board, today: date) -> dict:
    """A demo report's answers, as the report form would send them; its procedure
    `report.months_ago` months before `today`."""
    year, month = divmod(today.year * 12 + today.month - 1 - report.months_ago, 12)
    before, best = report.pain
    return {
        "treatment": board,
        "pain_before": before,
        "pain_best": best,
        "pgic": report.pgic,
        "times_had": report.times,
        "procedure_year": year,
        "procedure_month": month + 1,
        "body_region": report.region,
        "percent_relief": report.relief,
        "relief_weeks": report.weeks,
        "relief_ongoing": report.ongoing,
        "side_effects": dict(report.effects),
        "complications": list(report.complications),
        "stop_reason": "ongoing" if report.ongoing else report.stop,
        "would_repeat": report.repeat,
        "would_recommend": report.recommend,
        "trial_result": report.trial,
        "has_conflict": False,
    }


def seed_demo() -> int:
    """Add the demo members, threads, replies and experience reports, dated over the past
    weeks as if written then; returns the number of threads added. Deterministic: the
    same content, relative to today, on every machine."""
    boards = {b.slug: b for b in db.session.scalars(sa.select(Board))}
    members: dict[str, User] = {}

    def member(name: str) -> User:
        if name not in members:
            members[name] = get_user_by_name(name) or create_member(name)
        return members[name]

    now = utcnow()
    today = now.date()
    # Everything in the order it was written, so ids follow time as they would.
    events: list[tuple[float, int, object]] = []
    for n, thread in enumerate(THREADS):
        events.append((thread.days_ago, 0, (n, None)))
        for m, (_, _, hours) in enumerate(thread.replies):
            events.append((thread.days_ago - hours / 24, 0, (n, m)))
    events += [(report.days_ago, 1, report) for report in REPORTS]
    events.sort(key=lambda event: -event[0])

    written: dict[int, datetime] = {}  # post id: when it was written
    started: dict[int, int] = {}  # THREADS index: thread id
    added = 0
    for days_ago, kind, item in events:
        when = now - timedelta(days=days_ago)
        if kind == 1:
            report: DemoReport = item
            board = boards.get(report.board)
            if board is None:
                continue
            post = file_report(
                member(report.author),
                board,
                report.title,
                f"{LABEL}\n\n{report.story}",
                demo_answers(report, board, today),
                visibility=report.visibility,
            )
            added += 1
        else:
            n, m = item
            thread = THREADS[n]
            if m is None:
                if thread.board not in boards:
                    continue
                post = create_thread(
                    member(thread.author),
                    boards[thread.board],
                    thread.title,
                    f"{LABEL}\n\n{thread.body}",
                    visibility="public",
                )
                started[n] = post.thread_id
                added += 1
            elif n in started:
                author, text, _ = thread.replies[m]
                post = reply_to_thread(
                    member(author), db.session.get(Thread, started[n]), f"{LABEL}\n\n{text}"
                )
            else:
                continue
        written[post.id] = when
    _date_back(written)
    # Demo members joined long ago, so their reports count at once (a new member's count
    # after a week) and the outcomes pages show a release straight away.
    db.session.execute(
        sa.update(User)
        .where(User.id.in_([m.id for m in members.values()]))
        .values(created_at=now - timedelta(days=400))
    )
    db.session.commit()
    refresh_boards([board.id for board in boards.values()], force=True)
    return added


def _date_back(written: dict[int, datetime]) -> None:
    """Give each demo post the time it was meant to be written at, and its thread, report
    and board the times (and latest thread) that follow from it."""
    for post_id, when in written.items():
        db.session.execute(sa.update(Post).where(Post.id == post_id).values(created_at=when))
        db.session.execute(
            sa.update(ExperienceReport)
            .where(ExperienceReport.post_id == post_id)
            .values(created_at=when)
        )
    thread_ids = db.session.scalars(
        sa.select(Post.thread_id).where(Post.id.in_(list(written))).distinct()
    ).all()
    for thread_id in thread_ids:
        first, last = db.session.execute(
            sa.select(sa.func.min(Post.created_at), sa.func.max(Post.created_at)).where(
                Post.thread_id == thread_id
            )
        ).one()
        db.session.execute(
            sa.update(Thread)
            .where(Thread.id == thread_id)
            .values(created_at=first, last_post_at=last)
        )
    for board_id in db.session.scalars(sa.select(Board.id)):
        latest = db.session.execute(
            sa.select(Thread.id, Thread.last_post_at)
            .where(Thread.board_id == board_id, ~Thread.is_hidden)
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
            .limit(1)
        ).first()
        if latest is not None:
            db.session.execute(
                sa.update(Board)
                .where(Board.id == board_id)
                .values(last_thread_id=latest.id, last_post_at=latest.last_post_at)
            )
