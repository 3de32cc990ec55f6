"""A post its author deleted is final for everyone but the author: no moderator button
brings it back; the author may undo the deletion for 14 days, after which
`flask forum purge-expired` erases its text, its earlier versions and its search entry."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.moderation.models import Flag
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, PostRevision
from forum.threads.services import edit_post, get_post_or_404
from tests.conftest import age_accounts, login
from tests.privacy.conftest import assert_gone, fts_matches
from tests.test_csrf import sign_in

BODY = "My marrowglint injection helped for a week."


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _post(post_id: int) -> Post:
    return db.session.get(Post, post_id)


@pytest.fixture
def deleted_reply(app, make_user, make_thread, make_post):
    """A reply with an earlier version, deleted by its author; returns (author, post id)."""
    author = make_user("deleting-dana")
    thread = make_thread(title="Radiofrequency ablation, a year on")
    reply = make_post(thread, author=author, body="First draft about vexillograph pain.")
    with app.app_context():
        post = get_post_or_404(reply.id)
        edit_post(db.session.get(User, author.id), post, BODY, post.version)
    response = _client(app, author).post(f"/p/{reply.id}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert _post(reply.id).state == "deleted"
    return author, reply.id


def _state(app, post_id: int) -> str:
    with app.app_context():
        return _post(post_id).state


def _set_deleted_at(app, post_id: int, days_ago: float) -> None:
    with app.app_context():
        _post(post_id).deleted_at = utcnow() - timedelta(days=days_ago)
        db.session.commit()


# -- moderators cannot bring it back -------------------------------------------------------


def test_a_moderator_cannot_restore_a_post_its_author_deleted(app, deleted_reply, moderator):
    _, post_id = deleted_reply
    mod = _client(app, moderator)

    response = mod.post(f"/moderation/posts/{post_id}/restore", data={"reason": "Useful."})

    assert response.status_code == 403
    assert "deleted by its author" in _text(response)
    assert _state(app, post_id) == "deleted"


def test_the_thread_page_offers_no_restore_for_an_authors_deletion(app, deleted_reply, moderator):
    _, post_id = deleted_reply

    shown = _text(_client(app, moderator).get(f"/p/{post_id}", follow_redirects=True))

    assert "Post deleted by its author" in shown
    assert "Restore" not in shown


@pytest.mark.parametrize("first", ["hide", "keep", "delete"])
def test_hide_then_keep_cannot_republish_an_authors_deletion(app, deleted_reply, moderator, first):
    _, post_id = deleted_reply
    mod = _client(app, moderator)

    for decision in (first, "keep"):
        response = mod.post(
            f"/moderation/posts/{post_id}/decide", data={"decision": decision, "flag_ids": ""}
        )
        assert response.status_code == 403, decision
        assert _state(app, post_id) == "deleted"
    with app.app_context():
        assert _post(post_id).deleted_by_id == _post(post_id).author_id  # still the author's


def test_flags_on_a_post_its_author_deleted_can_only_be_closed(
    app, make_user, make_thread, make_post, moderator
):
    author, flagger = make_user("regretful-rae"), make_user("careful-cy")
    age_accounts(app, flagger)
    reply = make_post(make_thread(), author=author, body=BODY)
    _client(app, flagger).post(f"/p/{reply.id}/flag", data={"reason": "spam"})
    _client(app, author).post(f"/p/{reply.id}/delete")
    mod = _client(app, moderator)

    queue = _text(mod.get("/moderation"))
    item = queue[queue.index(f'aria-labelledby="q{reply.id}"') :]
    item = item[: item.index("</article>")]
    assert 'value="close"' in item
    for offered in ('value="keep"', 'value="hide"', 'value="delete"'):
        assert offered not in item
    flag_ids = re.search(r'name="flag_ids" value="([^"]*)"', item).group(1)

    response = mod.post(
        f"/moderation/posts/{reply.id}/decide", data={"decision": "close", "flag_ids": flag_ids}
    )

    assert response.status_code == 302
    assert _state(app, reply.id) == "deleted"
    with app.app_context():
        assert db.session.scalars(sa.select(Flag.outcome)).all() == ["upheld"]
    assert f'aria-labelledby="q{reply.id}"' not in _text(mod.get("/moderation"))


def test_a_moderator_still_restores_what_a_moderator_removed(
    app, make_thread, make_post, moderator
):
    reply = make_post(make_thread(), body=BODY)
    mod = _client(app, moderator)
    assert (
        mod.post(
            f"/moderation/posts/{reply.id}/decide", data={"decision": "delete", "flag_ids": ""}
        ).status_code
        == 302
    )

    response = mod.post(f"/moderation/posts/{reply.id}/restore", data={"reason": "Mistake."})

    assert response.status_code == 302
    assert _state(app, reply.id) == "visible"


# -- the author may undo it for 14 days --------------------------------------------------------


def test_the_author_undoes_a_deletion_and_everyone_reads_it_again(app, client, deleted_reply):
    author, post_id = deleted_reply
    own = _client(app, author)
    assert "marrowglint" not in _text(client.get(f"/p/{post_id}", follow_redirects=True))

    response = own.post(f"/p/{post_id}/undelete")

    assert response.status_code == 302
    assert _state(app, post_id) == "visible"
    assert "marrowglint" in _text(client.get(f"/p/{post_id}", follow_redirects=True))
    with app.app_context():
        assert _post(post_id).deleted_at is None and _post(post_id).deleted_by_id is None


def test_the_thread_page_offers_its_author_undo_for_14_days(app, deleted_reply, fred):
    author, post_id = deleted_reply
    own = _client(app, author)
    assert "Undo delete" in _text(own.get(f"/p/{post_id}", follow_redirects=True))
    assert "Undo delete" not in _text(
        _client(app, fred).get(f"/p/{post_id}", follow_redirects=True)
    )

    _set_deleted_at(app, post_id, days_ago=14.01)

    assert "Undo delete" not in _text(own.get(f"/p/{post_id}", follow_redirects=True))


def test_undo_is_refused_after_14_days(app, deleted_reply):
    author, post_id = deleted_reply
    _set_deleted_at(app, post_id, days_ago=14.01)
    own = _client(app, author)

    response = own.post(f"/p/{post_id}/undelete")

    assert response.status_code == 403
    assert "14 days" in _text(response)
    assert _state(app, post_id) == "deleted"


def test_nobody_else_may_undo_an_authors_deletion(app, deleted_reply, moderator, fred):
    _, post_id = deleted_reply
    for other in (moderator, fred):
        response = _client(app, other).post(f"/p/{post_id}/undelete")
        assert response.status_code == 403
    assert _state(app, post_id) == "deleted"


def test_a_silenced_author_may_not_republish_by_undoing(app, deleted_reply):
    author, post_id = deleted_reply
    with app.app_context():
        db.session.get(User, author.id).silenced_until = utcnow() + timedelta(days=2)
        db.session.commit()

    response = _client(app, author).post(f"/p/{post_id}/undelete")

    assert response.status_code == 403
    assert "silenced" in _text(response)
    assert _state(app, post_id) == "deleted"


def test_undo_without_a_csrf_token_is_refused(make_app, deleted_reply):
    app = make_app(WTF_CSRF_ENABLED=True)
    author, post_id = deleted_reply
    client = app.test_client()
    sign_in(client, author.display_name)

    response = client.post(f"/p/{post_id}/undelete")

    assert response.status_code == 400
    assert _state(app, post_id) == "deleted"


def test_undoing_a_moderators_removal_is_not_the_authors_to_do(
    app, make_user, make_thread, make_post, moderator
):
    author = make_user("removed-rob")
    reply = make_post(make_thread(), author=author, body=BODY)
    _client(app, moderator).post(
        f"/moderation/posts/{reply.id}/decide", data={"decision": "delete", "flag_ids": ""}
    )

    response = _client(app, author).post(f"/p/{reply.id}/undelete")

    assert response.status_code == 403
    assert _state(app, reply.id) == "deleted"


# -- after 14 days, purge-expired erases it ---------------------------------------------------


def test_purge_erases_the_text_its_versions_and_its_search_entry(app, deleted_reply):
    _, post_id = deleted_reply
    assert fts_matches(app, "marrowglint") == 1
    _set_deleted_at(app, post_id, days_ago=15)

    output = app.test_cli_runner().invoke(args=["forum", "purge-expired"]).output

    assert "1 posts deleted by their authors" in output
    with app.app_context():
        post = _post(post_id)
        assert (post.state, post.body_source, post.body_html) == ("deleted", "", "")
        assert (
            db.session.scalars(sa.select(PostRevision).where(PostRevision.post_id == post_id)).all()
            == []
        )
    assert fts_matches(app, "marrowglint") == 0
    assert_gone(app, "marrowglint", "vexillograph")


def test_purge_leaves_younger_deletions_and_moderators_removals(
    app, deleted_reply, make_thread, make_post, moderator
):
    _, young_id = deleted_reply
    _set_deleted_at(app, young_id, days_ago=13)
    removed = make_post(make_thread(), body="Removed thornquist advice.")
    _client(app, moderator).post(
        f"/moderation/posts/{removed.id}/decide", data={"decision": "delete", "flag_ids": ""}
    )
    _set_deleted_at(app, removed.id, days_ago=30)

    output = app.test_cli_runner().invoke(args=["forum", "purge-expired"]).output

    assert "0 posts deleted by their authors" in output
    with app.app_context():
        assert _post(young_id).body_source == BODY
        assert _post(removed.id).body_source == "Removed thornquist advice."


def test_purge_erases_the_experience_report_the_post_carried(
    app, make_user, make_board, make_thread
):
    author = make_user("reporting-rita")
    thread = make_thread(author=author, body=BODY)
    with app.app_context():
        first = db.session.scalar(sa.select(Post).where(Post.thread_id == thread.id))
        db.session.add(
            ExperienceReport(
                post_id=first.id,
                author_id=author.id,
                board_id=thread.board_id,
                pain_before=8,
                pain_best=3,
                pgic=6,
            )
        )
        db.session.commit()
        first_id = first.id
    _client(app, author).post(f"/p/{first_id}/delete")
    _set_deleted_at(app, first_id, days_ago=15)

    app.test_cli_runner().invoke(args=["forum", "purge-expired"])

    with app.app_context():
        assert db.session.scalars(sa.select(ExperienceReport)).all() == []
