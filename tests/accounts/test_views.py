import sqlalchemy as sa

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
