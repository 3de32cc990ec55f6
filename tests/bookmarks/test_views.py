"""Bookmarks through the pages: the post footer's button, the note, the list, who sees what."""

import re

import sqlalchemy as sa

from forum.bookmarks.models import Bookmark
from forum.extensions import db
from forum.threads.models import Post, Thread
from tests.bookmarks.conftest import press
from tests.conftest import login


def _text(response) -> str:
    return response.get_data(as_text=True)


def _button(html: str, post_id: int) -> str | None:
    """The label of the post's bookmark button, or None when the page offers none."""
    match = re.search(rf'action="/p/{post_id}/bookmark">.*?<button[^>]*>(\w+)</button>', html, re.S)
    return match.group(1) if match else None


def test_a_member_bookmarks_a_post_and_finds_it_in_their_list(app, client, member, kept_post):
    login(client, member)
    assert _button(_text(client.get(f"/p/{kept_post}", follow_redirects=True)), kept_post) == (
        "Bookmark"
    )
    response = press(client, kept_post, keep="y")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#p{kept_post}")
    page = _text(client.get(response.headers["Location"]))
    assert _button(page, kept_post) == "Bookmarked"
    assert 'aria-pressed="true"' in page
    listing = _text(client.get("/bookmarks"))
    assert "Pacing after an ablation" in listing
    assert "writer-wren" in listing
    assert "First post." in listing


def test_the_button_toggles_and_pressing_twice_keeps_the_choice(app, client, member, kept_post):
    login(client, member)
    press(client, kept_post)  # no keep: toggles on
    press(client, kept_post, keep="y")  # a second press of the same button
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 1
    press(client, kept_post)  # toggles off
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
    assert "no bookmarks yet" in _text(client.get("/bookmarks"))


def test_visitors_see_no_button_and_are_sent_to_sign_in(client, kept_post):
    page = _text(client.get(f"/p/{kept_post}", follow_redirects=True))
    assert _button(page, kept_post) is None
    assert client.get("/bookmarks").headers["Location"].startswith("/login?next=")
    assert client.post(f"/p/{kept_post}/bookmark").headers["Location"].startswith("/login")


def test_a_note_is_saved_shown_and_edited(app, client, member, kept_post):
    login(client, member)
    form = client.get(f"/p/{kept_post}/bookmark")
    assert form.status_code == 200
    response = client.post(
        f"/p/{kept_post}/bookmark",
        data={"note": "Ask Dr Okafor about this"},
    )
    assert response.headers["Location"] == "/bookmarks"
    assert "Ask Dr Okafor about this" in _text(client.get("/bookmarks"))
    # Opening the form again shows the note, ready to edit.
    assert "Ask Dr Okafor about this" in _text(client.get(f"/p/{kept_post}/bookmark"))


def test_a_note_too_long_is_refused_and_the_text_kept(app, client, member, kept_post):
    login(client, member)
    note = "Remember to ask about the pulsed option. " * 15  # > 500 characters
    response = client.post(f"/p/{kept_post}/bookmark", data={"note": note})
    assert response.status_code == 422
    page = _text(response)
    assert "at most 500 characters" in page
    assert note.strip() in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0


def test_a_post_the_member_may_no_longer_see_is_no_longer_available(app, client, member, kept_post):
    login(client, member)
    press(client, kept_post, keep="y")
    with app.app_context():
        post = db.session.get(Post, kept_post)
        db.session.execute(
            sa.update(Thread).where(Thread.id == post.thread_id).values(is_hidden=True)
        )
        db.session.commit()
    listing = _text(client.get("/bookmarks"))
    assert "No longer available" in listing
    assert "Pacing after an ablation" not in listing
    assert "First post." not in listing
    # It can still be removed from the list.
    bookmark_id = re.search(r'action="/bookmarks/(\d+)/remove"', listing).group(1)
    response = client.post(f"/bookmarks/{bookmark_id}/remove")
    assert response.headers["Location"] == "/bookmarks"
    assert "No longer available" not in _text(client.get("/bookmarks"))


def test_a_hidden_post_cannot_be_bookmarked(app, client, member, kept_post):
    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == kept_post).values(state="hidden"))
        db.session.commit()
    login(client, member)
    page = _text(client.get(f"/p/{kept_post}", follow_redirects=True))
    assert _button(page, kept_post) is None
    response = client.post(f"/p/{kept_post}/bookmark", data={"keep": "y"})
    assert response.status_code == 403


def test_nobody_else_sees_or_removes_a_members_bookmarks(app, client, member, fred, kept_post):
    login(client, member)
    client.post(f"/p/{kept_post}/bookmark", data={"note": "Private worry about my nerves"})
    with app.app_context():
        bookmark_id = db.session.scalar(sa.select(Bookmark.id))
    other = app.test_client()
    login(other, fred)
    listing = _text(other.get("/bookmarks"))
    assert "Private worry" not in listing
    assert "Pacing after an ablation" not in listing
    assert "Private worry" not in _text(other.get(f"/p/{kept_post}/bookmark"))
    response = other.post(f"/bookmarks/{bookmark_id}/remove")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Bookmark, bookmark_id) is not None


def test_the_list_is_paginated_newest_first(make_app, make_thread, make_user, member):
    app = make_app(BOOKMARKS_PER_PAGE=2)
    client = app.test_client()
    writer = make_user("writer-wyn")
    titles = [f"Thread number {n}" for n in range(3)]
    threads = [make_thread(author=writer, title=title) for title in titles]
    login(client, member)
    for thread in threads:
        with app.app_context():
            post_id = db.session.scalar(
                sa.select(Post.id).where(Post.thread_id == thread.id, Post.position == 1)
            )
        press(client, post_id, keep="y")
    first, second = _text(client.get("/bookmarks")), _text(client.get("/bookmarks?page=2"))
    assert "Thread number 2" in first and "Thread number 1" in first
    assert first.index("Thread number 2") < first.index("Thread number 1")
    assert "Thread number 0" in second and "Thread number 2" not in second
    assert "Page 1 of 2" in first
    assert client.get("/bookmarks?page=3").status_code == 404


def test_posting_without_a_csrf_token_is_refused(make_app, make_user, make_thread):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    member = make_user("careful-cal")
    thread = make_thread()
    with app.app_context():
        post_id = db.session.scalar(sa.select(Post.id).where(Post.thread_id == thread.id))
    page = _text(client.get("/login/dev"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post("/login/dev", data={"pseudonym": member.display_name, "csrf_token": token})
    assert client.post(f"/p/{post_id}/bookmark", data={"keep": "y"}).status_code == 400
    assert client.post(f"/p/{post_id}/bookmark", data={"note": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
    # The button the thread page shows carries its token.
    page = _text(client.get(f"/p/{post_id}", follow_redirects=True))
    button = rf'action="/p/{post_id}/bookmark">\s*<input type="hidden" name="csrf_token"'
    token = re.search(button + r' value="([^"]+)"', page).group(1)
    response = client.post(f"/p/{post_id}/bookmark", data={"keep": "y", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 1


def test_a_member_pressing_too_fast_is_told_to_wait(make_app, make_user, make_thread):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_BOOKMARKS="3 per minute")
    client = app.test_client()
    member = make_user("quick-quin")
    thread = make_thread()
    with app.app_context():
        post_id = db.session.scalar(sa.select(Post.id).where(Post.thread_id == thread.id))
    login(client, member)
    statuses = [press(client, post_id).status_code for _ in range(3)]
    refused = press(client, post_id)
    assert statuses == [302, 302, 302]
    assert refused.status_code == 429
    # Reading the note form is not counted.
    assert client.get(f"/p/{post_id}/bookmark").status_code == 200
