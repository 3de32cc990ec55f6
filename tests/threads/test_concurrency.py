"""Several clients replying to one thread at the same moment: every reply lands, in order.

On SQLite this needs WAL plus BEGIN IMMEDIATE (a deferred read-then-write transaction fails
with "database is locked"); on PostgreSQL the thread row's UPDATE serialises the positions."""

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, Thread
from tests.conftest import login

WRITERS = 4
REPLIES_EACH = 8


def test_concurrent_replies_all_land_with_distinct_positions(app, make_user, make_thread):
    thread = make_thread(title="A busy thread")
    writers = [make_user(f"writer-{n}") for n in range(WRITERS)]

    def write(writer):
        client = app.test_client()
        login(client, writer)
        return [
            client.post(f"/t/{thread.id}/reply", data={"body": f"{writer.display_name} #{n}"})
            .status_code
            for n in range(REPLIES_EACH)
        ]

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = [status for result in pool.map(write, writers) for status in result]

    assert statuses == [302] * (WRITERS * REPLIES_EACH)
    with app.app_context():
        positions = db.session.scalars(
            sa.select(Post.position).where(Post.thread_id == thread.id).order_by(Post.position)
        ).all()
        post_count = db.session.scalar(
            sa.select(Thread.post_count).where(Thread.id == thread.id)
        )
    expected = WRITERS * REPLIES_EACH + 1
    assert positions == list(range(1, expected + 1))
    assert post_count == expected
