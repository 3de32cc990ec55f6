import pytest

from forum.extensions import db
from forum.threads.models import Post
from tests.conftest import first_post_id


@pytest.fixture
def kept_post(app, make_thread, make_user):
    """A public thread by someone else; its first post, which members may bookmark."""
    thread = make_thread(author=make_user("writer-wren"), title="Pacing after an ablation")
    with app.app_context():
        return db.session.get(Post, first_post_id(app, thread)).id


def press(client, post_id: int, keep: str | None = None):
    """Press the post's Bookmark / Bookmarked button (tests run with CSRF off; one test
    turns it on: test_views.py)."""
    return client.post(f"/p/{post_id}/bookmark", data={} if keep is None else {"keep": keep})
