import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, Thread


@pytest.fixture
def bea(make_user):
    """The member who blocks."""
    return make_user("bea-blocks")


def press(client, name: str, block: str | None = None, **extra):
    """Press the Block / Unblock button on /u/<name> (tests run with CSRF off; one test
    turns it on: test_views.py)."""
    data = {} if block is None else {"block": block}
    return client.post(f"/u/{name}/block", data={**data, **extra})


def thread_path(app, thread) -> str:
    with app.app_context():
        return f"/t/{thread.id}/{db.session.get(Thread, thread.id).slug}"


def post_ids(app, thread) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.position)
            )
        )
