from datetime import UTC, datetime

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.threads.models import Post
from forum.threads.services import delete_post


def test_profile_shows_pseudonym_post_count_and_recent_posts(
    client, make_user, make_board, make_thread, make_post
):
    writer = make_user("Writer-Wren")
    board = make_board(name="Cryo board")
    thread = make_thread(board=board, author=writer, title="Cryo on the knee")
    make_post(thread, author=writer, body="follow-up")

    response = client.get("/u/writer-wren")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "<h1>Writer-Wren</h1>" in page
    assert "<title>Writer-Wren · Firsthand</title>" in page
    assert "Posts</dt><dd>2<" in page
    assert page.count("Cryo on the knee") >= 2
    assert "in Cryo board" in page


def test_profile_leaves_out_deleted_posts(app, client, make_user, make_thread):
    writer = make_user("deleter")
    thread = make_thread(author=writer, title="Regretted thread")
    with app.app_context():
        post = db.session.scalar(sa.select(Post).where(Post.thread_id == thread.id))
        delete_post(db.session.get(type(writer), writer.id), post)
    page = client.get("/u/deleter").get_data(as_text=True)
    assert "Regretted thread" not in page
    assert "No posts yet" in page


def test_unknown_member_is_404(client):
    assert client.get("/u/nobody").status_code == 404


def test_profile_says_the_month_and_year_the_member_joined(app, client, make_user):
    """ "Joined March 2025", not "Member since 1 year ago": a month and year is all a reader
    needs, and it reads the same whenever the page is seen."""
    member = make_user("Joiner-June")
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == member.id)
            .values(created_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC))
        )
        db.session.commit()

    page = client.get("/u/joiner-june").get_data(as_text=True)

    assert '<dt>Joined</dt><dd><time datetime="2025-03">March 2025</time></dd>' in page
    assert "Member since" not in page
