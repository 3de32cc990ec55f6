"""A visitor's copy of a thread page is tagged by the row versions of exactly the posts the
page shows: placeholders for hidden and deleted posts included, replies still waiting for
approval left out, on every page."""

import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post, Thread
from forum.threads.services import list_posts
from forum.threads.versions import post_versions, thread_head_or_404


def test_the_versions_name_the_posts_of_every_page(app, make_thread, make_post, member):
    thread = make_thread(author=member, title="Long thread about genicular RFA")
    for n in range(12):
        make_post(thread, body=f"Reply number {n}")
    with app.app_context():
        ids = db.session.scalars(
            sa.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.position)
        ).all()
        db.session.execute(sa.update(Post).where(Post.id == ids[3]).values(state="hidden"))
        db.session.execute(sa.update(Post).where(Post.id == ids[7]).values(state="deleted"))
        # A reply waiting for approval has no place yet: a visitor's page never shows it.
        db.session.execute(
            sa.update(Post).where(Post.id == ids[-1]).values(state="pending", position=None)
        )
        db.session.execute(sa.update(Thread).where(Thread.id == thread.id).values(post_count=12))
        db.session.commit()
        thread_row = db.session.get(Thread, thread.id)
        for per_page in (4, 5, 12):
            pages = -(-12 // per_page)
            shown = [
                [post.id for post in list_posts(thread_row, number, per_page).items]
                for number in range(1, pages + 1)
            ]
            versions = [
                [row[0] for row in thread_head_or_404(thread.id, number, per_page).versions[1]]
                for number in range(1, pages + 1)
            ]
            assert versions == shown, per_page
            assert [i for page in shown for i in page] == ids[:-1]


def test_a_posts_block_is_keyed_by_the_versions_a_visitors_page_is(
    app, make_thread, make_post, member
):
    """A post's own versions (forum/threads/blocks.py keys its rendering by them) are the
    ones a visitor's page is tagged by: its author and editor (and its report with the
    report's board: tests/threads/test_blocks.py has a report)."""
    thread = make_thread(author=member, title="Thread with an edit")
    reply = make_post(thread, body="A reply, edited below")
    with app.app_context():
        db.session.execute(
            sa.update(Post).where(Post.id == reply.id).values(edited_by_id=member.id)
        )
        db.session.commit()
        thread_row = db.session.get(Thread, thread.id)
        loaded = list_posts(thread_row, 1, 20).items
        head = thread_head_or_404(thread.id, 1, 20)
        assert [post_versions(post) for post in loaded] == list(head.versions[1])
        assert loaded[1].edited_by is not None
