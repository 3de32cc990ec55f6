"""Moderation outcomes that concern a member tell them, in the moderator's transaction."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.moderation import sanctions
from forum.moderation.models import Flag
from forum.moderation.services import (
    decide_on_post,
    flag_post,
    moderator_edit,
    restore_post,
)
from forum.threads.models import Post
from tests.conftest import age_accounts, first_post_id
from tests.notifications.support import kinds_of, notifications_of


@pytest.fixture
def flagged(app, make_user, make_thread, make_post):
    """A reply by `author` in a thread titled “Pump refill went wrong”, flagged by two
    members (aged past the 24-hour rule)."""
    author = make_user("author")
    flaggers = [make_user("flagger-one"), make_user("flagger-two")]
    age_accounts(app, *flaggers)
    thread = make_thread(title="Pump refill went wrong")
    post = make_post(thread, author=author, body="Buy my miracle cure")
    for flagger in flaggers:
        _flag(app, flagger, post.id)
    return author, flaggers, post


def _flag(app, user, post_id: int, reason: str = "spam") -> None:
    with app.app_context():
        flag_post(db.session.get(User, user.id), db.session.get(Post, post_id), reason)


def _decide(app, moderator, post_id: int, decision: str, reason: str = "") -> int:
    with app.app_context():
        flag_ids = list(
            db.session.scalars(
                sa.select(Flag.id).where(Flag.post_id == post_id, Flag.outcome.is_(None))
            )
        )
        return decide_on_post(
            db.session.get(User, moderator.id),
            db.session.get(Post, post_id),
            decision,
            reason,
            flag_ids,
        )


def test_hiding_tells_the_flaggers_and_the_author(app, flagged, moderator):
    author, flaggers, post = flagged
    assert _decide(app, moderator, post.id, "hide", "Advertising") == 2
    for flagger in flaggers:
        [seen] = notifications_of(app, flagger)
        assert (seen.kind, seen.actor_id, seen.text) == (
            "flag_decided",
            moderator.id,
            "upheld: Advertising",
        )
        assert seen.summary == (
            "Your flag on a post in “Pump refill went wrong” was upheld: Advertising"
        )
        assert seen.path == "/settings/flags"
    [hidden] = [n for n in notifications_of(app, author) if n.kind == "post_hidden"]
    assert hidden.summary == "A moderator hid your post in “Pump refill went wrong”: Advertising"
    assert hidden.path == f"/p/{post.id}"


def test_keeping_tells_the_flaggers_it_was_declined(app, flagged, moderator):
    author, flaggers, post = flagged
    _decide(app, moderator, post.id, "keep", "Not spam: a real experience")
    assert [n.text for n in notifications_of(app, flaggers[0])] == [
        "declined: Not spam: a real experience"
    ]
    assert "post_hidden" not in kinds_of(app, author)


def test_removal_says_removed(app, flagged, moderator):
    author, _, post = flagged
    _decide(app, moderator, post.id, "delete", "Spam")
    [removed] = [n for n in notifications_of(app, author) if n.kind == "post_hidden"]
    assert removed.summary == "A moderator removed your post in “Pump refill went wrong”: Spam"


def test_hidden_by_flags_then_kept_is_hidden_then_restored(
    app, make_user, make_thread, make_post, moderator
):
    author = make_user("author")
    flaggers = [make_user() for _ in range(3)]
    age_accounts(app, *flaggers)
    post = make_post(make_thread(title="Nerve block diary"), author=author)
    for flagger in flaggers:
        _flag(app, flagger, post.id)
    hidden = [n for n in notifications_of(app, author) if n.kind == "post_hidden"]
    assert [(n.actor_id, n.summary) for n in hidden] == [
        (None, "Your post in “Nerve block diary” was hidden until reviewed")
    ]  # who flagged is not said
    _decide(app, moderator, post.id, "keep", "Fine as it is")
    restored = [n for n in notifications_of(app, author) if n.kind == "post_restored"]
    assert [n.summary for n in restored] == [
        "A moderator restored your post in “Nerve block diary”: Fine as it is"
    ]


def test_restoring_a_hidden_post_tells_its_author(app, flagged, moderator):
    author, _, post = flagged
    _decide(app, moderator, post.id, "hide", "Checking")
    with app.app_context():
        restore_post(db.session.get(User, moderator.id), db.session.get(Post, post.id), "Checked")
    assert kinds_of(app, author)[-1] == "post_restored"


def test_a_moderator_edit_upholds_flags_and_tells_the_flaggers(app, flagged, moderator):
    _, flaggers, post = flagged
    with app.app_context():
        stored = db.session.get(Post, post.id)
        moderator_edit(
            db.session.get(User, moderator.id), stored, "[removed link]", stored.version, "Link"
        )
    assert [n.text for n in notifications_of(app, flaggers[1])] == ["upheld: Link"]


def test_a_moderator_acting_on_their_own_post_is_not_told(app, make_thread, moderator):
    thread = make_thread(author=moderator)
    with app.app_context():
        post = db.session.get(Post, first_post_id(app, thread))
        decide_on_post(db.session.get(User, moderator.id), post, "hide", "test", [])
    assert "post_hidden" not in kinds_of(app, moderator)


@pytest.mark.parametrize(
    ("kind", "ends", "summary"),
    [
        ("warning", None, "A moderator warned you: Be kind"),
        ("silence", timedelta(days=2), "A moderator silenced you until "),
        ("suspension", timedelta(days=7), "A moderator suspended your account until "),
        ("ban", None, "A moderator banned your account: Be kind"),
    ],
)
def test_a_sanction_tells_the_member(app, moderator, fred, kind, ends, summary):
    with app.app_context():
        sanctions.impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, fred.id),
            kind,
            "Be kind",
            utcnow() + ends if ends else None,
        )
    [seen] = notifications_of(app, fred)
    assert seen.kind == "sanction"
    assert seen.summary.startswith(summary)
    assert seen.summary.endswith(": Be kind")
    assert seen.path == "/settings/sanctions"


@pytest.mark.parametrize(("decision", "verdict"), [("upheld", "kept"), ("overturned", "lifted")])
def test_a_decided_appeal_tells_the_member(app, make_user, moderator, fred, decision, verdict):
    other = make_user("mod-otto", role="moderator")
    with app.app_context():
        sanction = sanctions.impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, fred.id),
            "silence",
            "Heated",
            utcnow() + timedelta(days=1),
        )
        appeal = sanctions.appeal_sanction(
            db.session.get(User, fred.id), sanction, "I was quoting my doctor."
        )
        sanctions.decide_appeal(db.session.get(User, other.id), appeal, decision, "Reviewed")
    seen = notifications_of(app, fred)[-1]
    assert seen.kind == "appeal_decided"
    assert seen.summary == f"A moderator decided your appeal and {verdict} the sanction: Reviewed"
