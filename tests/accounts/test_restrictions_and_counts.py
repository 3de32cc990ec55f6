"""A restriction covers every way of publishing text, the name and declared interest shown
on every post included; and a profile counts only the posts its viewer may read."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.threads.models import Post
from tests.conftest import login
from tests.moderation.test_sanctions import page


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


@pytest.fixture
def silenced(app, make_user):
    """A silenced member with a declared interest, signed in."""
    member = make_user("quiet-quinn")
    with app.app_context():
        user = db.session.get(User, member.id)
        user.silenced_until = utcnow() + timedelta(days=3)
        user.declared_interest = "Nurse at a pain clinic"
        db.session.commit()
    return member, _client(app, member)


def test_a_silenced_member_cannot_change_their_pseudonym(app, silenced):
    member, client = silenced

    response = client.post("/settings/pseudonym", data={"pseudonym": "Loud-Lou"})

    assert response.status_code == 403
    shown = page(response)
    assert "silenced" in shown.errors
    assert 'value="Loud-Lou"' in response.get_data(as_text=True)  # what they typed is kept
    assert _user(app, member.id).display_name == "quiet-quinn"


def test_a_silenced_member_cannot_change_their_declared_interest(app, silenced):
    member, client = silenced

    response = client.post("/settings/interests", data={"interest": "Buy my clinic pills"})

    assert response.status_code == 403
    assert "silenced" in page(response).errors
    assert "Buy my clinic pills" in response.get_data(as_text=True)
    assert _user(app, member.id).declared_interest == "Nurse at a pain clinic"


def test_the_settings_page_tells_a_silenced_member_why_before_they_type(app, silenced):
    _, client = silenced

    shown = page(client.get("/settings"))

    assert "While you are silenced" in shown.notices


def test_once_the_silence_ends_they_can_change_both(app, silenced):
    member, client = silenced
    with app.app_context():
        db.session.get(User, member.id).silenced_until = utcnow() - timedelta(minutes=1)
        db.session.commit()

    assert client.post("/settings/interests", data={"interest": ""}).status_code == 302
    assert client.post("/settings/pseudonym", data={"pseudonym": "Loud-Lou"}).status_code == 302
    user = _user(app, member.id)
    assert (user.display_name, user.declared_interest) == ("Loud-Lou", None)


# -- profile counts ----------------------------------------------------------------------------


@pytest.fixture
def writer(app, make_user, make_thread, make_post):
    """A member with one public post, two replies in a members-only thread, and a deleted
    and a hidden reply in the public thread."""
    writer = make_user("counted-cora")
    public = make_thread(title="Public thread on nerve blocks")
    private = make_thread(title="Members-only thread on pumps", visibility="members")
    make_post(public, author=writer, body="Public words.")
    make_post(private, author=writer, body="Members-only words.")
    make_post(private, author=writer, body="More members-only words.")
    gone = make_post(public, author=writer, body="Deleted words.")
    hidden = make_post(public, author=writer, body="Hidden words.")
    with app.app_context():
        db.session.get(Post, gone.id).state = "deleted"
        db.session.get(Post, hidden.id).state = "hidden"
        db.session.commit()
    return writer


def _posts_shown(response) -> str:
    html = response.get_data(as_text=True)
    return html.split("Posts</dt><dd>", 1)[1].split("<", 1)[0]


def test_a_visitor_sees_a_count_of_public_posts_only(client, writer):
    assert _posts_shown(client.get("/u/counted-cora")) == "1"


def test_a_member_sees_members_only_posts_counted_too(app, writer, member):
    assert _posts_shown(_client(app, member).get("/u/counted-cora")) == "3"


def test_the_profile_page_stays_within_its_statement_budget(app, writer, count_queries, client):
    with count_queries() as statements:
        response = client.get("/u/counted-cora")
    assert response.status_code == 200
    # the member, their posts with the count, their treatment path
    assert len(statements) <= 3, statements


def test_a_hidden_history_still_shows_a_visitor_the_public_count(app, writer, client):
    with app.app_context():
        db.session.get(User, writer.id).hide_history = True
        db.session.commit()

    response = client.get("/u/counted-cora")

    assert _posts_shown(response) == "1"
    assert "shows their recent posts to signed-in members only" in response.get_data(as_text=True)


def test_counts_leave_out_threads_awaiting_approval(app, make_user, make_thread, client):
    writer = make_user("waiting-wes")
    thread = make_thread(author=writer, title="Not yet approved")
    with app.app_context():
        db.session.execute(
            sa.update(Post).where(Post.thread_id == thread.id).values(state="pending")
        )
        db.session.commit()

    assert _posts_shown(client.get("/u/waiting-wes")) == "0"
