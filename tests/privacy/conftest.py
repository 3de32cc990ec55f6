"""Helpers for consent and erasure tests: a member with a trace in every table, and a look at
every stored value, search index included."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.auth.models import Identity
from forum.blocks.models import Block
from forum.bookmarks.models import Bookmark
from forum.drafts.models import Draft
from forum.extensions import db, utcnow
from forum.member_notes.services import add_note
from forum.messages import services as messages
from forum.moderation.models import Appeal, Flag, Sanction
from forum.notifications.models import Notification, OutgoingMail, Subscription
from forum.reports.models import ExperienceReport, ReportRevision
from forum.threads.models import Post, Thread
from forum.threads.services import edit_post
from tests.auth.conftest import live_forum, oidc_provider, provider  # noqa: F401

# Distinctive strings: none may survive an erasure (the posts' words only when kept).
PSEUDONYM = "Zephyrine-Quill"
EMAIL = "zq.hidden-address@mailbox.example"
SUBJECT = "subject-quillwort-7f3a9c"
ISSUER = "https://issuer-quillwort.example"
INTEREST = "Paid speaker for Brambleknoll Clinic"
TITLE = "Thornquist ablation diary"
BODY = "My sciatica and the marrowglint injection"
EARLIER = "First draft about vexillograph pain"
REPLY = "A reply mentioning ptarmigrove relief"
FLAG_NOTE = "Flag note ortolanwise"
APPEAL = "Appeal text brimstonewick"
DISCLOSURE = "Disclosure periwinklemoor"
DRAFT_STORY = "An unposted story about quenchwort nerves"
BOOKMARK_NOTE = "Ask Dr Glimmerfen about this"
MODERATOR_NOTE = "Phoned about the cindermoss crisis, has support at home"
MESSAGE = "A private message about gorsewhistle nerves"
MESSAGE_REPORT_NOTE = "Report note hollowquince"
PERSONAL = (
    PSEUDONYM,
    EMAIL,
    SUBJECT,
    ISSUER,
    INTEREST,
    FLAG_NOTE,
    APPEAL,
    DISCLOSURE,
    DRAFT_STORY,
    BOOKMARK_NOTE,
    MODERATOR_NOTE,
    MESSAGE_REPORT_NOTE,
)
WORDS = (TITLE, BODY, EARLIER, REPLY, MESSAGE)


@dataclass
class Everything:
    member: User
    other: User
    thread_id: int
    first_post_id: int
    reply_id: int
    others_post_id: int
    report_id: int


@pytest.fixture
def member_with_everything(app, make_user, make_board, make_thread, make_post, moderator):
    """A member with a trace in every table: sign-in identity, consent (make_user), declared
    interest, confirmed e-mail and mail, a thread with an edited first post, a reply, an
    experience report with a revision, a flag they filed, a sanction with their appeal,
    notifications to them (a reply, from the fan-out) and from them, watched threads and
    boards, a report draft they have not posted, a block each way, and a moderator's note
    about them."""
    member = make_user(PSEUDONYM)
    other = make_user("other-olive")
    board = make_board()
    thread = make_thread(board=board, author=member, title=TITLE, body=EARLIER)
    others_thread = make_thread(board=board, author=other, title="Someone else's thread")
    reply = make_post(others_thread, author=member, body=REPLY)
    others_post = make_post(thread, author=other, body="Thanks for sharing.")
    now = utcnow()
    with app.app_context():
        user = db.session.get(User, member.id)
        user.declared_interest = INTEREST
        user.notify_email = EMAIL
        user.notify_email_confirmed_at = now
        user.email_frequency = "instant"
        db.session.add(
            Identity(
                user_id=member.id,
                provider="clinic",
                issuer=ISSUER,
                subject=SUBJECT,
                email_digest="d" * 64,
                last_used_at=now,
            )
        )
        first = db.session.scalar(
            sa.select(Post).where(Post.thread_id == thread.id, Post.position == 1)
        )
        db.session.commit()
        first = db.session.get(Post, first.id)
        first.thread = db.session.get(Thread, thread.id)
        edit_post(user, first, BODY, first.version)
        report = ExperienceReport(
            post_id=first.id,
            author_id=member.id,
            board_id=board.id,
            pain_before=8,
            pain_best=3,
            pgic=2,
            has_conflict=True,
            conflict_disclosure=DISCLOSURE,
        )
        db.session.add(report)
        db.session.flush()
        db.session.add(
            ReportRevision(
                report_id=report.id,
                answers={"pain_best": 5, "note": DISCLOSURE},
                written_at=now,
            )
        )
        db.session.add(
            Flag(post_id=others_post.id, flagger_id=member.id, reason="other", note=FLAG_NOTE)
        )
        sanction = Sanction(
            user_id=member.id,
            kind="warning",
            reason="Be kind.",
            starts_at=now,
            created_by_id=moderator.id,
        )
        db.session.add(sanction)
        db.session.flush()
        db.session.add(Appeal(sanction_id=sanction.id, text=APPEAL))
        db.session.add_all(
            [
                Notification(
                    user_id=other.id,
                    kind="mention",
                    thread_id=others_thread.id,
                    post_id=reply.id,
                    actor_id=member.id,
                ),
                Subscription(user_id=member.id, board_id=board.id),
                Bookmark(user_id=member.id, post_id=others_post.id, note=BOOKMARK_NOTE),
                # Blocks both ways: erasure takes each.
                Block(blocker_id=member.id, blocked_id=other.id),
                Block(blocker_id=other.id, blocked_id=member.id),
                Draft(
                    author_id=member.id,
                    kind="report",
                    place=f"report:{board.id}",
                    board_id=board.id,
                    answers={"title": "Not posted yet", "body": DRAFT_STORY},
                    step=2,
                ),
                OutgoingMail(
                    user_id=member.id,
                    to_address=EMAIL,
                    kind="instant",
                    subject=f"New reply for {PSEUDONYM}",
                    body_text=f"Hello {PSEUDONYM}, a reply in {TITLE}.",
                    dedupe_key=f"privacy-test-{member.id}",
                    sent_at=now - timedelta(hours=1),
                ),
            ]
        )
        db.session.commit()
        report_id = report.id
        first_id = first.id
        add_note(db.session.get(User, moderator.id), user, MODERATOR_NOTE)
        # A private conversation a moderator started (a new member may reply), the
        # member's answer, and the moderator's message, which the member reported.
        writer = db.session.get(User, moderator.id)
        sent = messages.start_conversation(writer, PSEUDONYM, "About your first post", "Welcome.")
        user = db.session.get(User, member.id)
        mine = messages.get_membership(user, sent.conversation_id)
        messages.reply(user, mine.conversation, mine, MESSAGE)
        messages.report_message(user, mine, sent, "other", MESSAGE_REPORT_NOTE)
    return Everything(member, other, thread.id, first_id, reply.id, others_post.id, report_id)


def every_stored_value(app) -> list[str]:
    """Every value of every row of every table in the database, as text: the tables the models
    describe, and those they do not (the search index: SQLite's FTS5 table and its shadow
    tables, PostgreSQL's tsvector column)."""
    values = []
    with app.app_context(), db.engine.connect() as connection:
        reflected = sa.MetaData()
        reflected.reflect(connection)
        if connection.dialect.name == "sqlite":
            names = connection.scalars(
                sa.text("SELECT name FROM sqlite_master WHERE type = 'table'")
            ).all()
        else:
            names = list(reflected.tables)
        for name in names:
            for row in connection.execute(sa.text(f'SELECT * FROM "{name}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        values.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        values.append(str(value))
    return values


def assert_gone(app, *needles: str) -> None:
    values = [value.casefold() for value in every_stored_value(app)]
    for needle in needles:
        # Search indexes keep words lower-cased and stemmed: look for a telling part too.
        for part in {needle.casefold(), *_telling_words(needle)}:
            hits = [value for value in values if part in value]
            assert not hits, (needle, part, hits[:3])


def _telling_words(text: str) -> set[str]:
    """The made-up words of a distinctive string (the ones a search index would keep)."""
    made_up = (
        "quillwort",
        "zephyrine",
        "brambleknoll",
        "thornquist",
        "marrowglint",
        "vexillograph",
        "ptarmigrove",
        "ortolanwise",
        "brimstonewick",
        "periwinklemoor",
    )
    lowered = text.casefold()
    return {word for word in made_up if word in lowered}


def fts_matches(app, word: str) -> int:
    """How many posts the search indexes find for a word (either backend): on SQLite in
    the full index or the newest posts' one, on PostgreSQL in the vector or the terms."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            return connection.scalar(
                sa.text(
                    "SELECT count(*) FROM ("
                    " SELECT rowid FROM post_search WHERE post_search MATCH :w UNION"
                    " SELECT rowid FROM post_search_recent WHERE post_search_recent MATCH :w)"
                ),
                {"w": word},
            )
        return connection.scalar(
            sa.text(
                "SELECT count(*) FROM posts, plainto_tsquery('english', :w) AS query"
                " WHERE search_vector @@ query OR search_terms @@ query"
            ),
            {"w": word},
        )
