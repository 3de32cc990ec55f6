"""What the reading tests share: a member's markers and place, read without HTTP."""

import re

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.reading import services
from forum.reading.models import ThreadRead
from forum.threads.models import Post, Thread

MARKER = re.compile(r'<a class="new-marker" href="([^"]+)">([^<]+)<')


def markers_in(page: str) -> list[tuple[str, str]]:
    """The markers a page shows: (where each leads, its label)."""
    return MARKER.findall(page)


def markers_of(app, member, *threads) -> dict:
    """The member's markers for the threads, as their labels, by thread id."""
    with app.app_context():
        user = db.session.get(User, member.id)
        loaded = [db.session.get(Thread, thread.id) for thread in threads]
        return {i: m.label for i, m in services.list_markers(user, loaded).items()}


def place_of(app, member, thread) -> int | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(ThreadRead.last_read_position).where(
                ThreadRead.user_id == member.id, ThreadRead.thread_id == thread.id
            )
        )


def post_at(app, thread, position: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(Post.id).where(Post.thread_id == thread.id, Post.position == position)
        )


def thread_path(thread) -> str:
    return f"/t/{thread.id}/{thread.slug}"
