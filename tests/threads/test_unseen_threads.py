"""A thread waiting for approval, or rejected, exists for its author and the moderators
only: every address that leads to it answers anyone else 404 and names nothing (not its
title, not its slug), and nobody replies into it. A reply waiting for approval is the same
for everyone but its author and the moderators."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation.sanctions import impose_sanction
from forum.moderation.services import decide_on_post
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, reply_to_thread
from tests.conftest import login

TITLE = "Unapproved ablation story zebra"
SLUG = "unapproved-ablation-story-zebra"


@pytest.fixture
def approving(make_app):
    """The forum as configured for the site: a new member's first post waits."""
    return make_app(NEW_MEMBER_APPROVAL_POSTS=1)


def _member(name: str, role: str = "member", posts: int = 5) -> User:
    user = create_member(name, role=role, consent=True)
    user.post_count = posts  # established: their posts need no approval
    db.session.commit()
    return user


@pytest.fixture
def cast(approving):
    with approving.app_context():
        board = Board(
            slug="rfa", name="RFA", category="Testing", description="", aliases=[], position=1
        )
        db.session.add(board)
        db.session.commit()
        newcomer = _member("newcomer", posts=0)
        opening = create_thread(newcomer, board, TITLE, "My story.", visibility="public")
        ids = {
            "board": board.id,
            "thread": opening.thread_id,
            "opening": opening.id,
            "newcomer": newcomer.id,
            "member": _member("regular").id,
            "moderator": _member("mod-mia", role="moderator").id,
        }
    return ids


def _client(app, name: str | None):
    client = app.test_client()
    if name:
        login(client, _user(app, name))
    return client


def _user(app, name: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.display_name == name))
        db.session.expunge(user)
        return user


def _reject(app, cast) -> None:
    with app.app_context():
        moderator = db.session.get(User, cast["moderator"])
        post = db.session.get(Post, cast["opening"])
        decide_on_post(moderator, post, "delete", "Off topic.", [])


def _visible_reply_in_hidden_thread(app, cast) -> int:
    """A reply as the hole left them: published, with a place, in a thread that waits."""
    with app.app_context():
        post = Post(
            thread_id=cast["thread"],
            author_id=cast["member"],
            position=2,
            body_source="Me too.",
            body_html="<p>Me too.</p>",
            created_at=utcnow(),
            state="visible",
        )
        db.session.add(post)
        db.session.commit()
        return post.id


def _names_nothing(response) -> None:
    assert response.status_code == 404, response.status_code
    assert TITLE not in response.get_data(as_text=True)
    assert SLUG not in response.headers.get("Location", "")


@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_a_member_cannot_reply_into_a_thread_that_waits_or_was_rejected(approving, cast, state):
    if state == "rejected":
        _reject(approving, cast)
    client = _client(approving, "regular")
    response = client.post(f"/t/{cast['thread']}/reply", data={"body": "Hello there."})
    _names_nothing(response)
    with approving.app_context():
        thread = db.session.get(Thread, cast["thread"])
        board = db.session.get(Board, cast["board"])
        assert thread.post_count == 1
        assert db.session.scalar(sa.select(sa.func.count(Post.id))) == 1
        assert board.last_thread_id is None
    home = client.get("/").get_data(as_text=True)
    assert TITLE not in home


def test_the_reply_service_refuses_a_thread_that_waits(approving, cast):
    """Whoever calls it (a view, a job): no position, no count."""
    from forum.errors import NotAllowed

    with approving.app_context():
        member = db.session.get(User, cast["member"])
        thread = db.session.get(Thread, cast["thread"])
        with pytest.raises(NotAllowed):
            reply_to_thread(member, thread, "Hello there.")
        db.session.rollback()
        assert db.session.get(Thread, cast["thread"]).post_count == 1


@pytest.mark.parametrize("viewer", [None, "regular"])
@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_addresses_of_a_thread_that_waits_name_nothing(approving, cast, viewer, state):
    if state == "rejected":
        _reject(approving, cast)
    client = _client(approving, viewer)
    opening = cast["opening"]
    for address in (
        f"/p/{opening}",
        f"/t/{cast['thread']}",
        f"/p/{opening}/history",
        f"/p/{opening}/report/history",
    ):
        _names_nothing(client.get(address))
    if viewer:  # these ask visitors to sign in first
        for address in (
            f"/t/{cast['thread']}/reply",
            f"/t/{cast['thread']}/reply?quote={opening}",
            f"/p/{opening}/flag",
            f"/p/{opening}/edit",
            f"/p/{opening}/delete",
        ):
            _names_nothing(client.get(address))


@pytest.mark.parametrize("viewer", [None, "regular"])
def test_history_of_a_reply_in_a_thread_that_waits_names_nothing(approving, cast, viewer):
    reply_id = _visible_reply_in_hidden_thread(approving, cast)
    client = _client(approving, viewer)
    for address in (f"/p/{reply_id}", f"/p/{reply_id}/history"):
        _names_nothing(client.get(address))
    if viewer:
        _names_nothing(client.get(f"/p/{reply_id}/flag"))


def test_report_history_of_an_opening_post_in_a_thread_that_waits_names_nothing(approving, cast):
    """A moderator hid a waiting opening post, then restored it: visible, thread waiting."""
    with approving.app_context():
        post = db.session.get(Post, cast["opening"])
        post.state = "visible"
        db.session.commit()
    for viewer in (None, "regular"):
        client = _client(approving, viewer)
        _names_nothing(client.get(f"/p/{cast['opening']}/history"))
        _names_nothing(client.get(f"/p/{cast['opening']}/report/history"))


def test_the_author_and_moderators_still_reach_a_thread_that_waits(approving, cast):
    for name in ("newcomer", "mod-mia"):
        client = _client(approving, name)
        response = client.get(f"/p/{cast['opening']}")
        assert response.status_code == 302
        assert SLUG in response.headers["Location"]
        assert TITLE in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_reply_waiting_for_approval_has_no_address_but_for_its_author(approving, cast):
    with approving.app_context():
        thread = create_thread(
            db.session.get(User, cast["member"]),
            db.session.get(Board, cast["board"]),
            "An approved thread",
            "Text.",
            visibility="public",
        ).thread
        late = _member("latecomer", posts=0)
        waiting = reply_to_thread(late, db.session.get(Thread, thread.id), "Waiting reply.")
        assert waiting.state == "pending"
        waiting_id = waiting.id
    for viewer in (None, "regular"):
        client = _client(approving, viewer)
        _names_nothing(client.get(f"/p/{waiting_id}"))
        _names_nothing(client.get(f"/p/{waiting_id}/history"))
    for viewer in ("latecomer", "mod-mia"):
        response = _client(approving, viewer).get(f"/p/{waiting_id}")
        assert response.status_code == 302, viewer


def test_a_silenced_member_is_offered_no_edit_flag_or_quote(approving, cast):
    with approving.app_context():
        member = db.session.get(User, cast["member"])
        post = create_thread(
            member,
            db.session.get(Board, cast["board"]),
            "A thread to read",
            "Text.",
            visibility="public",
        )
        other = reply_to_thread(
            db.session.get(User, cast["moderator"]), post.thread, "A moderator's reply."
        )
        impose_sanction(
            db.session.get(User, cast["moderator"]),
            db.session.get(User, cast["member"]),
            "silence",
            "Cooling off.",
            utcnow().replace(year=utcnow().year + 1),
        )
        thread_id, own_id, other_id = post.thread_id, post.id, other.id
    client = _client(approving, "regular")
    page = client.get(f"/t/{thread_id}", follow_redirects=True).get_data(as_text=True)
    assert f"/p/{own_id}/edit" not in page
    assert f"/p/{own_id}/delete" in page  # taking one's own text down is not publishing
    assert f"/p/{other_id}/flag" not in page
    assert "quote=" not in page
    assert "You cannot reply at the moment." in page


@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_unwatching_a_thread_that_waits_names_nothing(approving, cast, state):
    if state == "rejected":
        _reject(approving, cast)
    response = _client(approving, "regular").post(f"/t/{cast['thread']}/unwatch")
    _names_nothing(response)


def test_an_author_silenced_while_editing_keeps_their_text(approving, cast):
    """The form comes back with the reason and the text sent, not an error page."""
    with approving.app_context():
        post = create_thread(
            db.session.get(User, cast["member"]),
            db.session.get(Board, cast["board"]),
            "A thread to edit",
            "First text.",
            visibility="public",
        )
        post_id, version = post.id, post.version
    client = _client(approving, "regular")
    assert client.get(f"/p/{post_id}/edit").status_code == 200
    with approving.app_context():
        impose_sanction(
            db.session.get(User, cast["moderator"]),
            db.session.get(User, cast["member"]),
            "silence",
            "Cooling off.",
            utcnow().replace(year=utcnow().year + 1),
        )
    response = client.post(
        f"/p/{post_id}/edit",
        data={"title": "A thread to edit", "body": "My careful new words.", "version": version},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You are silenced until" in page
    assert "My careful new words." in page
    # Opening the form again says why at once.
    again = client.get(f"/p/{post_id}/edit")
    assert again.status_code == 403
    assert "You are silenced until" in again.get_data(as_text=True)


def test_the_author_of_a_thread_that_waits_is_not_told_they_are_sanctioned(approving, cast):
    """Replies open once the thread is approved: that is what its author reads, not the
    notice for silenced members."""
    client = _client(approving, "newcomer")
    page = client.get(f"/p/{cast['opening']}", follow_redirects=True).get_data(as_text=True)
    assert TITLE in page
    assert "You cannot reply at the moment" not in page
    assert "Replies open once a moderator approves this thread." in page
    assert f'action="/t/{cast["thread"]}/reply"' not in page
