"""Demo content for a fresh development forum: threads with replies here, experience reports
in forum/demo_content.py. Every demo member's name starts with "demo-" and every demo post
says it is demo content, so nobody mistakes it for a patient."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member, get_user_by_name
from forum.boards.models import Board
from forum.demo_content import REPORTS, DemoReport
from forum.extensions import db, utcnow
from forum.reports.models import ExperienceReport
from forum.reports.releases import refresh_boards
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, reply_to_thread

LABEL = "*Demo content: written to show how the forum works, not a real patient's account.*"


@dataclass(frozen=True)
class DemoThread:
    board: str
    author: str
    title: str
    body: str
    days_ago: float  # when it was started, in days before seeding
    # (who, what, hours after the thread was started)
    replies: tuple[tuple[str, str, float], ...] = ()


THREADS = [
    DemoThread(
        "radiofrequency-ablation",
        "demo-lumbar-lou",
        "Second RFA (rhizotomy) at L4-L5: relief came back, but slower",
        "My first radiofrequency ablation gave me about nine months of real relief. "
        "The second one took almost six weeks to kick in and the first two weeks were "
        "worse than before: a sunburn-like feeling over the lower back.\n\n"
        "**Questions:** did anyone else find the second round slower? Is the flare normal?",
        12,
        (
            (
                "demo-sacral-sam",
                "Same here. Round two flared for about ten days, then settled. "
                "I iced it and kept walking short distances.",
                30,
            ),
            (
                "demo-quiet-q",
                "Mine never came back after the second one. Worth asking your "
                "doctor whether the medial branch blocks were repeated first.",
                266,
            ),
        ),
    ),
    DemoThread(
        "epidural-steroid",
        "demo-sacral-sam",
        "Transforaminal ESI for sciatica: three weeks of relief, then gone",
        "Had a transforaminal epidural steroid injection at L5-S1. Pain went from a 7 to a "
        "3 for about three weeks. Face flushing and poor sleep for two nights after.\n\n"
        "I am not sure it is worth repeating for three weeks.",
        20,
        (
            (
                "demo-lumbar-lou",
                "The flushing is a known steroid effect; it was the same for "
                "me. Did they say whether a second one might last longer?",
                9,
            ),
            (
                "demo-third-time-tom",
                "My second lasted longer than my first, and the third gave me two good "
                "months. Everyone is different, but one try is not the whole story.",
                50,
            ),
        ),
    ),
    DemoThread(
        "spinal-cord-stimulation",
        "demo-quiet-q",
        "Trial week with a 10 kHz stimulator: what I wish I had known",
        "- Sleeping on your back with the trial leads is hard\n"
        "- Keep a simple pain diary twice a day during the trial\n"
        "- Ask what happens if the leads move\n\n"
        "My trial passed, but I am still deciding on the permanent implant.",
        9,
        (
            (
                "demo-welder-wes",
                "Good list. I would add: walk the same route every day of the trial, so "
                "you can compare with the weeks before. That is what convinced me.",
                120,
            ),
        ),
    ),
    DemoThread(
        "medial-branch-block",
        "demo-nervous-nell",
        "Medial branch blocks tomorrow: how do I score the pain afterwards?",
        "The clinic gave me a sheet to fill in every hour for six hours. I am worried I will "
        "get it wrong and lose my chance at ablation. What did you do?",
        3,
        (
            (
                "demo-facet-fay",
                "Do the things that usually hurt (for me, standing at the sink and bending) "
                "and score those, not how you feel lying down. Both my blocks took me from "
                "7 to about 1 for a few hours, and the RFA that followed has held.",
                5,
            ),
            (
                "demo-lumbar-lou",
                "Set a timer for each hour. Write the number down straight away; by evening "
                "you will not remember.",
                30,
            ),
        ),
    ),
    DemoThread(
        "intrathecal-pump",
        "demo-sailor-sky",
        "Pain pump trial offered: questions to ask before saying yes?",
        "My consultant suggested an intrathecal morphine trial after my stimulator stopped "
        "helping my back. I know nobody who has one. What should I ask about refills, "
        "travel and what happens if I change my mind?",
        6,
        (
            (
                "demo-welder-wes",
                "A friend from my support group has one: refills every three months at the "
                "clinic, about twenty minutes. Ask who refills it if you move, and what the "
                "alarm sounds like when it runs low.",
                40,
            ),
            (
                "demo-sailor-sky",
                "Thank you, that is exactly the kind of thing the leaflet leaves out.",
                124,
            ),
        ),
    ),
    DemoThread(
        "comparing-treatments",
        "demo-garden-gwen",
        "Fourth RFA or a stimulator trial? My clinic offers both",
        "Three ablations have each given me most of a year. The last wore off sooner, and the "
        "clinic now mentions a stimulator. How did you choose?",
        4,
        (
            (
                "demo-welder-wes",
                "I went to a stimulator after ablations stopped working altogether. While "
                "they still work, I would keep the simpler option.",
                20,
            ),
            (
                "demo-quiet-q",
                "Ask what the stimulator trial would be judged on. Mine was a 50% drop in "
                "my diary scores, which made the decision much clearer.",
                93,
            ),
        ),
    ),
    DemoThread(
        "site-feedback",
        "demo-quiet-q",
        "Welcome: how this demo forum works",
        "This is a **demo** forum. Sign in with the development sign-in, pick a pseudonym, "
        "and try starting a thread, replying, quoting and editing.",
        60,
    ),
]


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
