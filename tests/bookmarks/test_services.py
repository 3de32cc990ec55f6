"""The bookmark services without HTTP: keeping, letting go, notes, and who may."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.auth.services import Visitor
from forum.bookmarks import services
from forum.bookmarks.models import Bookmark
from forum.errors import DomainError, NotAllowed
from forum.extensions import db
from forum.threads.models import Post


def _load(member, post_id):
    return db.session.get(User, member.id), db.session.get(Post, post_id)


def test_keeping_twice_keeps_one_and_letting_go_twice_changes_nothing(app_ctx, member, kept_post):
    user, post = _load(member, kept_post)
    assert services.set_bookmark(user, post, keep=True) is True
    assert services.set_bookmark(user, post, keep=True) is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 1
    assert services.set_bookmark(user, post, keep=False) is False
    assert services.set_bookmark(user, post, keep=False) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0


def test_an_empty_note_clears_the_note_and_keeps_the_bookmark(app_ctx, member, kept_post):
    user, post = _load(member, kept_post)
    services.save_bookmark_note(user, post, "  Ask about nerve testing  ")
    assert services.get_bookmark(user, post).note == "Ask about nerve testing"
    services.save_bookmark_note(user, post, "   ")
    kept = services.get_bookmark(user, post)
    assert kept is not None and kept.note is None


def test_a_note_past_the_limit_is_refused_on_its_field(app_ctx, member, kept_post):
    user, post = _load(member, kept_post)
    with pytest.raises(DomainError) as refusal:
        services.save_bookmark_note(user, post, "x" * 501)
    assert refusal.value.field == "note"
    assert services.get_bookmark(user, post) is None


def test_a_deleted_post_cannot_be_kept(app_ctx, member, kept_post):
    db.session.execute(sa.update(Post).where(Post.id == kept_post).values(state="deleted"))
    db.session.commit()
    user, post = _load(member, kept_post)
    with pytest.raises(NotAllowed):
        services.set_bookmark(user, post, keep=True)


def test_a_visitor_is_offered_no_button_and_costs_no_statement(
    app, member, kept_post, count_queries
):
    with app.app_context():
        post = db.session.get(Post, kept_post)
        with count_queries() as statements:
            assert services.list_bookmarked(Visitor(), [post]) == {}
            assert services.list_bookmarked(None, [post]) == {}
    assert not any("bookmarks" in statement for statement in statements)
