"""A new member is not surprised: the forms that publish tell a member whose posts wait for
a moderator, before they write; and they may edit a post while it waits (it keeps
waiting). An edit refused says why."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.boards.models import Board
from forum.extensions import db
from forum.threads.models import Post, PostRevision, Thread
from forum.threads.services import create_thread, delete_post, reply_to_thread
from tests.conftest import login

NOTICE = "A moderator reads your first post before others see it, usually within a day"


def _member(name: str, posts: int, role: str = "member") -> User:
    user = create_member(name, role=role, consent=True)
    user.post_count = posts
    db.session.commit()
    return user


def _forum(app) -> dict:
    """A treatment's board with an established member's thread, a newcomer (no post yet),
    an established member and a moderator."""
    with app.app_context():
        board = Board(
            slug="rfa",
            name="RFA",
            category="Testing",
            description="",
            aliases=[],
            position=1,
            family="injection",
        )
        db.session.add(board)
        db.session.commit()
        regular = _member("regular", posts=5)
        opening = create_thread(regular, board, "Ablation at L4", "It helped.", visibility="public")
        _member("newcomer", posts=0)
        _member("mod-mia", posts=0, role="moderator")
        return {"thread": opening.thread_id, "opening": opening.id}


def _client(app, name: str):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.display_name == name))
        db.session.expunge(user)
    client = app.test_client()
    login(client, user)
    return client


def _forms(client, thread_id: int) -> list[str]:
    pages = [client.get(url) for url in ("/b/rfa/new", f"/t/{thread_id}/reply", "/b/rfa/report")]
    assert [page.status_code for page in pages] == [200, 200, 200]
    return [page.get_data(as_text=True) for page in pages]


@pytest.fixture
def approving(make_app):
    """As configured for the site: a new member's first post waits for a moderator."""
    return make_app(NEW_MEMBER_APPROVAL_POSTS=1)


# -- told before the first post --------------------------------------------------------


def test_a_newcomer_whose_posts_wait_is_told_on_every_form(approving):
    ids = _forum(approving)
    for page in _forms(_client(approving, "newcomer"), ids["thread"]):
        assert NOTICE in page
        assert "your later posts wait too until then" in page


@pytest.mark.parametrize("name", ["regular", "mod-mia"])
def test_a_member_whose_posts_need_no_approval_is_not_told(approving, name):
    ids = _forum(approving)
    for page in _forms(_client(approving, name), ids["thread"]):
        assert NOTICE not in page


def test_nobody_is_told_when_approval_is_off(app):
    ids = _forum(app)
    for page in _forms(_client(app, "newcomer"), ids["thread"]):
        assert NOTICE not in page


def test_a_newcomers_post_waits_as_the_form_said(approving):
    ids = _forum(approving)
    client = _client(approving, "newcomer")
    client.post(f"/t/{ids['thread']}/reply", data={"body": "Mine too, at L5."})
    with approving.app_context():
        state = db.session.scalar(sa.select(Post.state).where(Post.body_source.like("Mine%")))
    assert state == "pending"
    # Still told: the next post waits too, until a moderator approves the first.
    assert NOTICE in client.get(f"/t/{ids['thread']}/reply").get_data(as_text=True)


# -- editing a waiting post ------------------------------------------------------------


def _pending_reply(app, ids) -> int:
    with app.app_context():
        newcomer = db.session.scalar(sa.select(User).where(User.display_name == "newcomer"))
        post = reply_to_thread(newcomer, db.session.get(Thread, ids["thread"]), "Frist try, typo.")
        assert post.state == "pending"
        return post.id


def test_the_author_edits_a_post_while_it_waits_and_it_keeps_waiting(approving):
    ids = _forum(approving)
    post_id = _pending_reply(approving, ids)
    client = _client(approving, "newcomer")

    form = client.get(f"/p/{post_id}/edit")
    assert form.status_code == 200
    assert "still waits for a moderator" in form.get_data(as_text=True)
    response = client.post(f"/p/{post_id}/edit", data={"body": "First try, fixed.", "version": "1"})

    assert response.status_code == 302
    with approving.app_context():
        post = db.session.get(Post, post_id)
        assert (post.state, post.position, post.body_source) == (
            "pending",
            None,
            "First try, fixed.",
        )
        revisions = db.session.scalars(
            sa.select(PostRevision.body_source).where(PostRevision.post_id == post_id)
        ).all()
    assert revisions == ["Frist try, typo."]
    page = client.get(response.location).get_data(as_text=True)
    assert "First try, fixed." in page
    # Others still cannot see it, nor that it was edited.
    other = _client(approving, "regular")
    assert "First try, fixed." not in other.get(response.location).get_data(as_text=True)


def test_the_author_edits_the_opening_post_of_a_thread_that_waits(approving):
    _forum(approving)
    client = _client(approving, "newcomer")
    client.post(
        "/b/rfa/new",
        data={"title": "My first ablation", "body": "Long story.", "visibility": "public"},
    )
    with approving.app_context():
        post = db.session.scalar(sa.select(Post).where(Post.body_source == "Long story."))
        post_id = post.id
        assert post.state == "pending"

    response = client.post(
        f"/p/{post_id}/edit",
        data={"title": "My first ablation, at L3", "body": "Short story.", "version": "1"},
    )

    assert response.status_code == 302
    with approving.app_context():
        post = db.session.get(Post, post_id)
        assert (post.state, post.body_source) == ("pending", "Short story.")
        thread = db.session.get(Thread, post.thread_id)
        assert (thread.title, thread.is_hidden) == ("My first ablation, at L3", True)


def test_others_still_cannot_edit_a_waiting_post(approving):
    ids = _forum(approving)
    post_id = _pending_reply(approving, ids)

    regular = _client(approving, "regular")
    assert regular.get(f"/p/{post_id}/edit").status_code == 404
    sent = {"body": "Not mine.", "version": "1"}
    assert regular.post(f"/p/{post_id}/edit", data=sent).status_code == 404

    moderator = _client(approving, "mod-mia")
    refused = moderator.get(f"/p/{post_id}/edit")
    assert refused.status_code == 403
    assert "can only be approved or rejected" in refused.get_data(as_text=True)
    assert moderator.post(f"/p/{post_id}/edit", data=sent).status_code == 403
    with approving.app_context():
        assert db.session.get(Post, post_id).body_source == "Frist try, typo."


# -- refusals say why ------------------------------------------------------------------


def test_a_refused_edit_says_why(app):
    ids = _forum(app)
    with app.app_context():
        newcomer = db.session.scalar(sa.select(User).where(User.display_name == "newcomer"))
        thread = db.session.get(Thread, ids["thread"])
        mine = reply_to_thread(newcomer, thread, "Soon gone.")
        mine_id = mine.id
        delete_post(newcomer, mine)

    newcomer = _client(app, "newcomer")
    deleted = newcomer.get(f"/p/{mine_id}/edit")
    assert deleted.status_code == 403
    assert "You deleted this post" in deleted.get_data(as_text=True)

    theirs = newcomer.get(f"/p/{ids['opening']}/edit")
    assert theirs.status_code == 403
    assert "You can only edit your own posts." in theirs.get_data(as_text=True)
