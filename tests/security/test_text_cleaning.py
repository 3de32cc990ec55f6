"""One rule for every free-text field: no control characters (a multi-line field keeps tab
and newline), and a single-line field also folds line breaks into spaces and drops the
bidirectional overrides and isolates that could make it read other than it is."""

import importlib
import pkgutil

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField

import forum
from forum.accounts.models import User
from forum.content import clean_text
from forum.extensions import db
from forum.forms import ForumForm
from forum.moderation.models import Appeal, Flag, ModerationAction, Sanction
from forum.threads.models import Thread
from tests.conftest import age_accounts, first_post_id, login

CONTROLS = "".join(map(chr, [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
DIRTY = f"Le{CONTROLS}ft\u202egnp.exe{BIDI} and\r\nnext\tline"


def assert_clean(text: str, multiline: bool) -> None:
    assert not set(text) & set(CONTROLS.replace("\t", "")), repr(text)
    if not multiline:
        assert not set(text) & set(BIDI + "\n\t"), repr(text)


def test_the_rule():
    assert clean_text("a\x00b\x1fc\x7fd", multiline=True) == "abcd"
    assert clean_text("one\r\ntwo\tthree", multiline=True) == "one\ntwo\tthree"
    assert clean_text("one\r\ntwo\tthree", multiline=False) == "one two three"
    assert clean_text("a\u202eb\u2066c", multiline=False) == "abc"
    assert clean_text("شكرا \u202b", multiline=True) == "شكرا \u202b"  # bodies keep RTL marks
    assert clean_text(None, multiline=False) is None


def _all_forms() -> list[type]:
    for module in pkgutil.walk_packages(forum.__path__, "forum."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("forum."):
                found.append(sub)
    return found


def test_every_form_of_the_forum_cleans_its_text():
    forms = _all_forms()
    assert len(forms) >= 20
    assert [f.__qualname__ for f in forms if not issubclass(f, ForumForm)] == []


def test_every_text_field_of_every_form_is_cleaned(app):
    checked = 0
    with app.test_request_context(method="POST"):
        for form_class in _all_forms():
            names = [
                name
                for name, unbound in vars(form_class).items()
                if getattr(unbound, "field_class", None)
                and issubclass(unbound.field_class, StringField)
            ]
            data = MultiDict({name: DIRTY for name in names})
            form = form_class(formdata=data, meta={"csrf": False})
            for name in names:
                field = getattr(form, name)
                if field.data is None:
                    continue
                assert_clean(field.data, multiline=isinstance(field, TextAreaField))
                checked += 1
    assert checked >= 15


# -- as a member and a moderator would meet them ------------------------------------------


def test_a_thread_title_keeps_none(app, client, member, make_board):
    board = make_board(slug="blocks")
    login(client, member)
    response = client.post(
        f"/b/{board.slug}/new",
        data={
            "title": "Nerve\x01 block\u202e \x1bresults\nhere",
            "body": "My\x07 story.\r\nLine two.",
            "visibility": "public",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        thread = db.session.scalar(sa.select(Thread))
        assert thread.title == "Nerve block results here"


def test_a_declared_interest_keeps_none(app, client, member):
    login(client, member)
    client.post("/settings/interests", data={"interest": "Consultant\x01 to\u202e\nAcme"})
    with app.app_context():
        assert db.session.get(User, member.id).declared_interest == "Consultant to Acme"


def test_a_flag_note_an_appeal_and_a_moderators_reason_keep_none(
    app, client, make_user, make_thread, moderator
):
    flagger, author = make_user("flagger-flo"), make_user("author-al")
    age_accounts(app, flagger)
    thread = make_thread(author=author, title="A thread to flag")
    post_id = first_post_id(app, thread)
    login(client, flagger)
    client.post(f"/p/{post_id}/flag", data={"reason": "other", "note": "Look\x01 at\x1b this\r\n"})
    login(client, moderator)
    client.post(
        f"/moderation/members/{author.display_name}",
        data={"kind": "warning", "reason": "Be\x08 kind\x7f.\r\nPlease."},
    )
    client.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": "hide", "reason": "Off\x01 topic\n\u202eagain"},
    )
    login(client, author)
    with app.app_context():
        sanction_id = db.session.scalar(sa.select(Sanction.id))
    client.post(
        f"/settings/sanctions?sanction={sanction_id}",
        data={"text": "I\x01 was\x1b on topic.\r\nPlease look again."},
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Flag.note)) == "Look at this"
        assert db.session.scalar(sa.select(Sanction.reason)) == "Be kind.\nPlease."
        assert db.session.scalar(sa.select(Appeal.text)) == "I was on topic.\nPlease look again."
        reasons = db.session.scalars(sa.select(ModerationAction.reason)).all()
        assert "Off topic again" in reasons


@pytest.mark.parametrize("name", ["bad\u202ename", "bad\x01name"])
def test_a_pseudonym_never_keeps_them(app, client, member, name):
    login(client, member)
    client.post("/settings/pseudonym", data={"pseudonym": name})
    with app.app_context():
        stored = db.session.get(User, member.id).display_name
    assert_clean(stored, multiline=False)


def test_a_reason_for_locking_a_thread_keeps_none(app, client, make_thread, moderator):
    thread = make_thread(title="A thread to lock")
    login(client, moderator)
    response = client.post(
        f"/moderation/threads/{thread.id}?tool=lock", data={"reason": "Going\x01 in\ncircles"}
    )
    assert response.status_code == 302
    with app.app_context():
        reasons = db.session.scalars(sa.select(ModerationAction.reason)).all()
    assert reasons == ["Going in circles"]
