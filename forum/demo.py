"""Demo content for a fresh development forum. Every demo member's name starts with
"demo-" and every demo post says it is demo content, so nobody mistakes it for a patient."""

import sqlalchemy as sa

from forum.accounts.services import create_member, get_user_by_name
from forum.boards.models import Board
from forum.extensions import db
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
        post = create_thread(member(author), board, title, f"{LABEL}\n\n{body}")
        thread = db.session.get(Thread, post.thread_id)
        for replier, text in replies:
            reply_to_thread(member(replier), thread, f"{LABEL}\n\n{text}")
        added += 1
    return added
