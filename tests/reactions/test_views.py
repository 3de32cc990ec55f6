"""Reacting through the pages: the form, the script's JSON, refusals, who sees what, cached
visitors' pages, and the statements a thread page runs."""

import re

import pytest
import sqlalchemy as sa

from forum.extensions import db
from forum.threads.models import Post
from tests.conftest import csrf_token, login


def _path(thread) -> str:
    return f"/t/{thread.id}/{thread.slug}"


def _react(client, post_id, kind="helpful", **kwargs):
    return client.post(f"/p/{post_id}/react", data={"kind": kind}, **kwargs)


def _pressed(html: str, label: str) -> str:
    found = re.search(rf'aria-pressed="(\w+)">{label} <span class="reaction-count">(\d*)<', html)
    assert found, f"no {label} button"
    return found.groups()


def test_a_member_reacts_with_the_form_and_comes_back_to_the_post(client, reacted):
    _, reader, thread, post_id = reacted
    login(client, reader)
    page = client.get(_path(thread)).get_data(as_text=True)
    assert _pressed(page, "Helpful") == ("false", "")  # no count shows no "0"

    response = _react(client, post_id)
    assert response.status_code == 302 and response.location.endswith(f"#p{post_id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "You marked this post “Helpful”." in page
    assert _pressed(page, "Helpful") == ("true", "1")
    assert _pressed(page, "Me too") == ("false", "")
    assert "<summary>Who reacted</summary>" in page and "reader-rob" in page

    _react(client, post_id)  # a second click takes it back
    page = client.get(_path(thread)).get_data(as_text=True)
    assert _pressed(page, "Helpful") == ("false", "")  # no count shows no "0"


def test_the_script_gets_the_counts_as_json(client, reacted):
    _, reader, _, post_id = reacted
    login(client, reader)
    response = _react(client, post_id, "me_too", headers={"Accept": "application/json"})
    assert response.json == {
        "kind": "me_too",
        "active": True,
        "helpful_count": 0,
        "me_too_count": 1,
    }
    refused = _react(client, post_id, "dislike", headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.json == {"error": "Choose Helpful or Me too."}


def test_the_author_is_refused_with_the_reason_and_sees_no_buttons(client, reacted):
    author, _, thread, post_id = reacted
    login(client, author)
    response = _react(client, post_id)
    assert response.status_code == 403
    assert "You cannot react to your own post." in response.get_data(as_text=True)
    assert 'class="reaction-form"' not in client.get(_path(thread)).get_data(as_text=True)


def test_a_made_up_kind_is_a_clear_422(client, reacted):
    _, reader, _, post_id = reacted
    login(client, reader)
    response = _react(client, post_id, "dislike")
    assert response.status_code == 422
    assert "Choose Helpful or Me too." in response.get_data(as_text=True)


def test_visitors_see_the_counts_but_not_who(app, client, reacted, make_user):
    _, reader, thread, post_id = reacted
    login(client, reader)
    _react(client, post_id)
    visitor = app.test_client()
    page = visitor.get(_path(thread)).get_data(as_text=True)
    assert '<span class="reaction"><span class="reaction-count">1</span> found this helpful' in page
    assert "me too" not in page  # a kind nobody chose shows no "0"
    assert "reader-rob" not in page and "Who reacted" not in page
    assert 'class="reaction-form"' not in page


def test_a_hidden_post_shows_no_counts(app, client, reacted):
    _, reader, thread, post_id = reacted
    login(client, reader)
    _react(client, post_id)
    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == post_id).values(state="hidden"))
        db.session.commit()
    page = client.get(_path(thread)).get_data(as_text=True)
    assert "reaction-count" not in page and "Who reacted" not in page


def test_a_visitors_cached_page_changes_after_a_reaction(app, client, reacted, one_minute):
    _, reader, thread, post_id = reacted
    visitor = app.test_client()
    etag = visitor.get(_path(thread)).headers["ETag"]
    assert visitor.get(_path(thread), headers={"If-None-Match": etag}).status_code == 304
    login(client, reader)
    _react(client, post_id)
    again = visitor.get(_path(thread), headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert '<span class="reaction-count">1</span> found this helpful' in again.get_data(
        as_text=True
    )


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_thread_page_reads_reactions_in_one_statement_whatever_the_posts(
    app, client, reacted, make_user, make_post, count_queries, signed_in
):
    author, reader, thread, post_id = reacted
    others = [make_user() for _ in range(3)]
    login(client, reader)

    def statements() -> int:
        viewer = client if signed_in else app.test_client()
        with count_queries() as counted:
            assert viewer.get(_path(thread)).status_code == 200
        return len(counted)

    _react(client, post_id)
    few = statements()
    for _ in range(6):
        reply = make_post(thread, author=author)
        for member in others:
            login(client, member)
            _react(client, reply.id, "me_too")
    login(client, reader)
    assert statements() == few


def test_without_a_csrf_token_nothing_changes(make_app, reacted):
    _, reader, thread, post_id = reacted
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/login/dev").get_data(as_text=True))
    client.post("/login/dev", data={"pseudonym": reader.display_name, "csrf_token": token})
    assert _react(client, post_id).status_code == 400
    token = csrf_token(client.get(_path(thread)).get_data(as_text=True))
    response = client.post(f"/p/{post_id}/react", data={"kind": "helpful", "csrf_token": token})
    assert response.status_code == 302


def test_the_author_turns_reaction_notices_off_in_settings(app, client, reacted):
    author, reader, _, post_id = reacted
    login(client, author)
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert '<input checked id="notify_reactions" name="notify_reactions"' in page
    client.post("/settings/notifications", data={"auto_watch": "y"})  # the box unticked
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert '<input id="notify_reactions" name="notify_reactions"' in page

    reader_client = app.test_client()
    login(reader_client, reader)
    _react(reader_client, post_id)
    assert "found your post helpful" not in client.get("/notifications").get_data(as_text=True)
