"""HTTP caching as a visitor's browser and a member see it: a page asked for again unchanged
is a 304; any change to what it shows gives the new page; members are never served from a
visitor's cache; static files carry their version and are kept for a year."""

import os
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum import caching
from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.threads import views
from forum.threads.models import Post, Thread
from forum.threads.services import delete_post, edit_post
from tests.conftest import first_post_id, login

# The minute passing between two requests rightly changes a page: tested on its own, below.
pytestmark = pytest.mark.usefixtures("one_minute")


def _thread_path(thread) -> str:
    return f"/t/{thread.id}/{thread.slug}"


def _board_path(app, thread) -> str:
    with app.app_context():
        return "/b/" + db.session.scalar(sa.select(Board.slug).where(Board.id == thread.board_id))


def _get(client, path, etag=None, **kwargs):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(path, headers=headers, **kwargs)


@pytest.fixture
def thread(make_thread, make_post, member):
    thread = make_thread(author=member, title="Cooled RFA, six months on", body="First words.")
    make_post(thread, body="A kind reply.")
    return thread


@pytest.mark.parametrize("page", ["home", "board", "thread"])
def test_a_visitor_asking_again_gets_304_and_no_body(client, thread, page):
    path = {"home": "/", "board": _board_path(client.application, thread)}.get(page)
    path = path or _thread_path(thread)
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in first.headers["Vary"]

    again = _get(client, path, etag)

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


@pytest.mark.parametrize("page", ["home", "board", "thread"])
def test_a_visitors_current_copy_costs_one_statement(client, thread, page, count_queries):
    """Whether asked with an ETag (304) or served from the rendered pages (200), a copy
    that is current is found out with one statement: the rows' versions, with the board
    or thread read in the same statement."""
    path = {"home": "/", "board": _board_path(client.application, thread)}.get(page)
    path = path or _thread_path(thread)
    etag = client.get(path).headers["ETag"]

    with count_queries() as revalidated:
        assert _get(client, path, etag).status_code == 304
    with count_queries() as served:
        assert client.get(path).status_code == 200

    assert len(revalidated) == len(served) == 1


def test_a_new_reply_makes_the_visitors_copy_stale(client, thread, make_post):
    etag = client.get(_thread_path(thread)).headers["ETag"]
    make_post(thread, body="News from the clinic today.")

    response = _get(client, _thread_path(thread), etag)

    assert response.status_code == 200
    assert "News from the clinic today." in response.get_data(as_text=True)
    assert response.headers["ETag"] != etag


def test_an_edit_a_deletion_and_a_new_name_each_make_the_copy_stale(app, client, thread, member):
    path = _thread_path(thread)
    with app.app_context():
        post = db.session.scalar(
            sa.select(Post).where(Post.thread_id == thread.id, Post.position == 1)
        )
        post_id = post.id

    def stale(change) -> str:
        etag = client.get(path).headers["ETag"]
        with app.app_context():
            change()
        response = _get(client, path, etag)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def edit():
        author = db.session.get(User, member.id)
        post = db.session.get(Post, post_id)
        edit_post(author, post, "Edited: the second week was better.", post.version)

    assert "the second week was better" in stale(edit)

    def rename():
        db.session.execute(
            sa.update(User).where(User.id == member.id).values(display_name="patient-pam")
        )
        db.session.commit()

    assert "patient-pam" in stale(rename)

    def delete():
        delete_post(db.session.get(User, member.id), db.session.get(Post, post_id))

    assert "Post deleted by its author" in stale(delete)


def test_relative_times_moving_on_make_the_copy_stale(client, thread, monkeypatch):
    """ "just now" becomes "2 hours ago" without any write: the copy must not stay."""
    path = _thread_path(thread)
    etag = client.get(path).headers["ETag"]
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(caching, "utcnow", lambda: later)

    assert _get(client, path, etag).headers["ETag"] != etag


def _visitor_copy_after(app, client, path, change) -> tuple[int, str]:
    """The status and page a visitor gets, holding the page's ETag, after `change` runs."""
    etag = client.get(path).headers["ETag"]
    with app.app_context():
        change()
        db.session.commit()
    response = _get(client, path, etag)
    return response.status_code, response.get_data(as_text=True)


def _update(model, row_id, **values):
    return lambda: db.session.execute(sa.update(model).where(model.id == row_id).values(values))


@pytest.mark.parametrize("page", ["home", "board", "thread"])
def test_renaming_the_latest_poster_makes_every_copy_naming_them_stale(app, client, thread, page):
    path = {"home": "/", "board": _board_path(app, thread), "thread": _thread_path(thread)}
    with app.app_context():
        last_poster_id = db.session.get(Thread, thread.id).last_poster_id  # the replier
    change = _update(User, last_poster_id, display_name="renamed-rowan")

    status, text = _visitor_copy_after(app, client, path[page], change)

    assert status == 200
    assert "renamed-rowan" in text


@pytest.mark.parametrize("page", ["home", "board"])
def test_retitling_a_thread_makes_the_lists_naming_it_stale(app, client, thread, page):
    path = {"home": "/", "board": _board_path(app, thread)}[page]
    change = _update(Thread, thread.id, title="Cooled RFA, a year on")

    status, text = _visitor_copy_after(app, client, path, change)

    assert status == 200
    assert "Cooled RFA, a year on" in text


def test_a_moderator_hiding_a_post_makes_the_copy_stale(app, client, thread):
    post_id = first_post_id(app, thread)
    status, text = _visitor_copy_after(
        app, client, _thread_path(thread), _update(Post, post_id, state="hidden")
    )
    assert status == 200
    assert "First words." not in text


def test_a_new_thread_makes_the_home_and_board_copies_stale(app, client, thread, make_thread):
    board = _board_path(app, thread)
    home_etag = client.get("/").headers["ETag"]
    board_etag = client.get(board).headers["ETag"]
    with app.app_context():
        same_board = db.session.get(Board, thread.board_id)
    make_thread(board=same_board, title="Pulsed RF for the knee")

    for path, etag in (("/", home_etag), (board, board_etag)):
        response = _get(client, path, etag)
        assert response.status_code == 200, path
        assert "Pulsed RF for the knee" in response.get_data(as_text=True), path


def test_the_copy_holds_all_minute_and_goes_stale_with_the_next(client, thread, monkeypatch):
    """Relative times are reckoned from the minute: within it the page cannot change by
    itself, so the visitor's copy stays current; the next minute it may, so it does not."""
    path = _thread_path(thread)
    minute = utcnow().replace(second=0, microsecond=0) + timedelta(hours=1)
    monkeypatch.setattr(caching, "utcnow", lambda: minute + timedelta(seconds=5))
    etag = client.get(path).headers["ETag"]

    monkeypatch.setattr(caching, "utcnow", lambda: minute + timedelta(seconds=59))
    assert _get(client, path, etag).status_code == 304

    monkeypatch.setattr(caching, "utcnow", lambda: minute + timedelta(seconds=60))
    response = _get(client, path, etag)
    assert response.status_code == 200
    assert "1 hour ago" in response.get_data(as_text=True)


def test_a_member_never_gets_a_304_for_a_visitors_etag(client, thread, make_user):
    path = _thread_path(thread)
    etag = client.get(path).headers["ETag"]
    login(client, make_user("reader-rae"))

    response = _get(client, path, etag)

    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert "reader-rae" in response.get_data(as_text=True)


def test_a_page_made_for_another_host_is_never_served_to_visitors(client, thread):
    path = _thread_path(thread)
    forged = client.get(path, base_url="http://evil.example")
    assert "evil.example" in forged.get_data(as_text=True)

    honest = client.get(path)

    assert "evil.example" not in honest.get_data(as_text=True)
    assert honest.headers["ETag"] != forged.headers["ETag"]


def test_a_waiting_message_is_shown_not_answered_with_304(client, thread):
    path = _thread_path(thread)
    etag = client.get(path).headers["ETag"]
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You signed out.")]

    response = _get(client, path, etag)

    assert response.status_code == 200
    assert "You signed out." in response.get_data(as_text=True)


def test_pages_rendered_once_are_served_again_without_rendering(client, thread, monkeypatch):
    path = _thread_path(thread)
    first = client.get(path).get_data(as_text=True)
    rendered = []
    real = views.render_template
    monkeypatch.setattr(
        views, "render_template", lambda *a, **k: rendered.append(a) or real(*a, **k)
    )

    again = client.get(path).get_data(as_text=True)

    assert again == first
    assert rendered == []


# -- static files -----------------------------------------------------------------------


def _stylesheet(page: str) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)


def test_static_urls_carry_the_files_version_and_are_kept_a_year(client):
    href = _stylesheet(client.get("/").get_data(as_text=True))
    assert re.fullmatch(r"/static/css/forum\.css\?v=[0-9a-f]{12}", href)

    with client.get(href) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_an_unversioned_or_outdated_static_url_is_not_kept_long(client, query):
    with client.get("/static/css/forum.css" + query) as response:
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_the_version_follows_the_files_content(app, tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    app.static_folder = str(tmp_path)
    with app.test_request_context():
        before = caching.static_version("site.css")
        (tmp_path / "site.css").write_text("body { color: navy }")
        os.utime(tmp_path / "site.css", ns=(1, 1))
        after = caching.static_version("site.css")
        assert caching.static_version("missing.css") is None
    assert before and after and before != after
