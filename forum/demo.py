"""Demo content for a fresh development forum. Every demo member's name starts with
"demo-" and every demo post says it is demo content, so nobody mistakes it for a patient."""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member, get_user_by_name
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.reports.releases import refresh_boards
from forum.reports.services import file_report
from forum.threads.models import Thread
from forum.threads.services import create_thread, reply_to_thread

LABEL = "*Demo content: written to show how the forum works, not a real patient's account.*"

DEMO_THREADS = [
    (
        "radiofrequency-ablation",
        "demo-lumbar-lou",
        "Second RFA (rhizotomy) at L4-L5: relief came back, but slower",
        "My first radiofrequency ablation gave me about nine months of real relief. "
        "The second one took almost six weeks to kick in and the first two weeks were "
        "worse than before: a sunburn-like feeling over the lower back.\n\n"
        "**Questions:** did anyone else find the second round slower? Is the flare normal?",
        [
            (
                "demo-sacral-sam",
                "Same here. Round two flared for about ten days, then settled. "
                "I iced it and kept walking short distances.",
            ),
            (
                "demo-quiet-q",
                "Mine never came back after the second one. Worth asking your "
                "doctor whether the medial branch blocks were repeated first.",
            ),
        ],
    ),
    (
        "epidural-steroid",
        "demo-sacral-sam",
        "Transforaminal ESI for sciatica: three weeks of relief, then gone",
        "Had a transforaminal epidural steroid injection at L5-S1. Pain went from a 7 to a "
        "3 for about three weeks. Face flushing and poor sleep for two nights after.\n\n"
        "I am not sure it is worth repeating for three weeks.",
        [
            (
                "demo-lumbar-lou",
                "The flushing is a known steroid effect; it was the same for "
                "me. Did they say whether a second one might last longer?",
            ),
        ],
    ),
    (
        "spinal-cord-stimulation",
        "demo-quiet-q",
        "Trial week with a 10 kHz stimulator: what I wish I had known",
        "- Sleeping on your back with the trial leads is hard\n"
        "- Keep a simple pain diary twice a day during the trial\n"
        "- Ask what happens if the leads move\n\n"
        "My trial passed, but I am still deciding on the permanent implant.",
        [],
    ),
    (
        "site-feedback",
        "demo-quiet-q",
        "Welcome: how this demo forum works",
        "This is a **demo** forum. Sign in with the development sign-in, pick a pseudonym, "
        "and try starting a thread, replying, quoting and editing.",
        [],
    ),
]


# Experience reports, so the outcomes pages have something to show: enough on two boards
# to be summarised, and too few on a third to show how small numbers are withheld.
DEMO_REPORT_BOARDS = {
    "radiofrequency-ablation": 9,
    "epidural-steroid": 7,
    "spinal-cord-stimulation": 3,
}


def _demo_answers(rng: random.Random, board: Board, today: date) -> dict:
    before = rng.randint(5, 9)
    best = max(0, before - rng.choice([0, 1, 2, 3, 4, 5, 6]))
    ongoing = rng.random() < 0.3
    months_ago = rng.randint(1, 70)
    year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
    effects = rng.sample(["flare", "numbness", "infection", "other"], k=rng.randint(0, 2))
    if board.family == "implant":
        effects = rng.sample(["device_pain", "lead_migration"], k=rng.randint(0, 1))
    return {
        "treatment": board,
        "pain_before": before,
        "pain_best": best,
        "pgic": min(7, max(1, 4 - (before - best) // 2 + rng.choice([-1, 0, 0, 1]))),
        "times_had": rng.choice([1, 1, 2, 3, 4, 7]),
        "procedure_year": year,
        "procedure_month": month + 1,
        "percent_relief": min(
            100, max(0, round(100 * (before - best) / before) + rng.choice([-10, 0, 5]))
        ),
        "relief_weeks": rng.choice([0, 2, 6, 12, 20, 30, 40, 52]),
        "relief_ongoing": ongoing,
        "side_effects": {
            code: rng.choice(["mild", "mild", "moderate", "severe"]) for code in effects
        },
        "complications": ["emergency"] if rng.random() < 0.1 else [],
        "stop_reason": "ongoing" if ongoing else rng.choice(["wore_off", "no_effect", "cost"]),
        "would_repeat": rng.choice(["yes", "yes", "no", "unsure"]),
        "would_recommend": rng.choice(["yes", "no", "unsure"]),
        "trial_result": "passed" if board.family == "implant" else None,
        "has_conflict": False,
    }


def seed_demo() -> int:
    """Add the demo members, threads and replies; returns the number of threads added."""
    boards = {b.slug: b for b in db.session.scalars(sa.select(Board))}
    members = {}

    def member(name: str):
        if name not in members:
            members[name] = get_user_by_name(name) or create_member(name)
        return members[name]

    added = 0
    for slug, author, title, body, replies in DEMO_THREADS:
        board = boards.get(slug)
        if board is None:
            continue
        post = create_thread(
            member(author), board, title, f"{LABEL}\n\n{body}", visibility="public"
        )
        thread = db.session.get(Thread, post.thread_id)
        for replier, text in replies:
            reply_to_thread(member(replier), thread, f"{LABEL}\n\n{text}")
        added += 1
    # A fixed seed, so the demo looks the same on every machine: not used for security.
    rng, today = random.Random(2026), date.today()  # nosec B311
    for slug, count in DEMO_REPORT_BOARDS.items():
        board = boards.get(slug)
        if board is None:
            continue
        for number in range(1, count + 1):
            answers = _demo_answers(rng, board, today)
            file_report(
                member(f"demo-reporter-{number}"),
                board,
                f"{board.name}: demo report {number}",
                f"{LABEL}\n\nPain went from {answers['pain_before']} to "
                f"{answers['pain_best']} at best.",
                answers,
                visibility="public",
            )
            added += 1
    # Demo members joined long ago, so their reports count at once (a new member's count
    # after a week) and the outcomes pages show a release straight away.
    demo_ids = [m.id for m in members.values()]
    db.session.execute(
        sa.update(User)
        .where(User.id.in_(demo_ids))
        .values(created_at=utcnow() - timedelta(days=400))
    )
    db.session.commit()
    refresh_boards([board.id for board in boards.values()], force=True)
    return added
