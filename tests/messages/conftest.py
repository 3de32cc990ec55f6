"""Members who may write to each other (here a month, with an approved post), and the
requests a person makes on the messages pages."""

import re

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.messages.models import Conversation, Message
from tests.conftest import set_standing


def _may_write(app, make_user, name: str):
    member = make_user(name)
    set_standing(app, member, days=40, posts=3)
    return member


@pytest.fixture
def ana(app, make_user):
    return _may_write(app, make_user, "ana")


@pytest.fixture
def ben(app, make_user):
    return _may_write(app, make_user, "ben")


@pytest.fixture
def cleo(app, make_user):
    return _may_write(app, make_user, "cleo")


@pytest.fixture
def newcomer(make_user):
    """Joined today, no post approved yet: a new member."""
    return make_user("newcomer-nia")


def start(client, to: str, subject="Which clinic?", body="Where did you have it done?"):
    return client.post("/messages/new", data={"to": to, "subject": subject, "body": body})


def reply(client, conversation_id: int, body: str):
    return client.post(f"/messages/{conversation_id}", data={"body": body})


def conversation_id(response) -> int:
    """The conversation a redirect after sending points at."""
    return int(re.search(r"/messages/(\d+)", response.headers["Location"]).group(1))


def only_conversation(app) -> Conversation:
    with app.app_context():
        return db.session.scalars(sa.select(Conversation)).one()


def message_bodies(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Message.body_source).order_by(Message.id)))


def text(response) -> str:
    return response.get_data(as_text=True)
