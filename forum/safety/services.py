"""Patient safety: noticing posts that may come from someone in crisis.

A match never stops a post. Its author is offered helplines first (the views decide
that), and moderators see the post at the top of their queue, marked urgent."""

import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from forum.extensions import db, utcnow
from forum.moderation.models import Flag
from forum.moderation_log import log_action
from forum.threads.models import Post

PHRASES_FILE = Path(__file__).with_name("crisis_phrases.txt")
CRISIS_NOTE = "Matched a crisis phrase"
_APOSTROPHES = "'\u2018\u2019\u02bc`"


def load_phrases(path: Path = PHRASES_FILE) -> list[str]:
    """The maintained phrases: one a line, blank lines and # comments left out."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _phrase_pattern(phrase: str) -> str:
    words = []
    for word in phrase.split():
        # An apostrophe matches any apostrophe, or none: people type "dont" as often.
        parts = [re.escape(part) for part in re.split(f"[{_APOSTROPHES}]", word)]
        words.append(f"[{_APOSTROPHES}]?".join(parts))
    # Whole words only: "killer pain" is not "kill myself", "dead nerve" not "better off dead".
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@cache
def _crisis_pattern() -> re.Pattern:
    return re.compile("|".join(_phrase_pattern(p) for p in load_phrases()), re.IGNORECASE)


def matches_crisis_phrase(text: str | None) -> bool:
    """Whether the text contains one of the crisis phrases (case and spacing ignored)."""
    return bool(text) and _crisis_pattern().search(text) is not None


def flag_for_care(post: Post, text: str) -> bool:
    """If the text matches a crisis phrase, put the post in the moderation queue as urgent:
    an automatic self-harm flag (no member filed it) and a line in the moderation log.
    In the caller's transaction; one open automatic flag per post. Returns whether it matched."""
    if not matches_crisis_phrase(text):
        return False
    already = db.session.scalar(
        sa.select(Flag.id).where(
            Flag.post_id == post.id,
            Flag.flagger_id.is_(None),
            Flag.reason == "self_harm",
            Flag.outcome.is_(None),
        )
    )
    if already is None:
        db.session.add(
            Flag(
                post_id=post.id,
                flagger_id=None,
                reason="self_harm",
                note=CRISIS_NOTE,
                is_urgent=True,
                created_at=utcnow(),
            )
        )
        log_action(None, "crisis_phrase", post, subject_user_id=post.author_id, reason=CRISIS_NOTE)
    return True
