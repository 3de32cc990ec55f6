"""Helpers the notification tests share (not fixtures, so the e-mail tests that live in
this folder are not affected)."""

from dataclasses import dataclass

import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.notifications import services
from forum.notifications.models import Notification, Subscription
from forum.threads.models import Post, Thread


@dataclass(frozen=True)
class Seen:
    id: int
    kind: str
    count: int
    thread_id: int | None
    post_id: int | None
    actor_id: int | None
    text: str | None
    read: bool
    summary: str
    path: str


def notifications_of(app, user, unread_only: bool = False) -> list[Seen]:
    """The member's notifications, oldest first, as plain values."""
    with app.app_context():
        query = (
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .options(*services.notification_options())
            .order_by(Notification.id)
        )
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        return [
            Seen(
                n.id,
                n.kind,
                n.count,
                n.thread_id,
                n.post_id,
                n.actor_id,
                n.text,
                n.read_at is not None,
                services.describe(n),
                services.target_path(n),
            )
            for n in db.session.scalars(query)
        ]


def kinds_of(app, user) -> list[str]:
    return [n.kind for n in notifications_of(app, user)]


def watch(app, user, thread=None, board=None) -> None:
    with app.app_context():
        member = db.session.get(User, user.id)
        if thread is not None:
            services.watch_thread(member, db.session.get(Thread, thread.id))
        if board is not None:
            services.watch_board(member, db.session.get(Board, board.id))


def watches(app, user, thread) -> bool:
    with app.app_context():
        return (
            db.session.scalar(
                sa.select(Subscription.id).where(
                    Subscription.user_id == user.id, Subscription.thread_id == thread.id
                )
            )
            is not None
        )


def mark_all_read(app, user) -> None:
    with app.app_context():
        services.mark_all_read(db.session.get(User, user.id))


def post_state(app, post_id: int) -> str:
    with app.app_context():
        return db.session.get(Post, post_id).state
