"""The pages: watch buttons, the header's unread count, /notifications, following one,
"Mark all read", the settings page; visitors and other members kept out."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.notifications.models import Notification
from forum.notifications.views import PER_PAGE
from forum.threads.models import Thread
from forum.threads.services import create_thread
from tests.conftest import first_post_id, login
from tests.notifications.support import kinds_of, notifications_of, watch, watches


def _html(response) -> str:
    return unescape(response.get_data(as_text=True))


def _signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _thread_path(thread) -> str:
    return f"/t/{thread.id}/{thread.slug}"


# -- watching ---------------------------------------------------------------------------


def test_watch_and_unwatch_a_thread_from_its_page(app, make_user, make_thread):
    reader = make_user("reader")
    thread = make_thread()
    client = _signed_in(app, reader)
    page = _html(client.get(_thread_path(thread)))
    assert f'action="/t/{thread.id}/watch"' in page
    assert "Watch this thread" in page

    response = client.post(f"/t/{thread.id}/watch")
    assert response.status_code == 302
    assert response.location == _thread_path(thread)
    assert watches(app, reader, thread)
    page = _html(client.get(_thread_path(thread)))
    assert f'action="/t/{thread.id}/unwatch"' in page
    assert "Stop watching" in page

    client.post(f"/t/{thread.id}/unwatch")
    assert not watches(app, reader, thread)


def test_watch_and_unwatch_a_board_from_its_page(app, make_user, make_board, make_thread):
    reader = make_user("reader")
    board = make_board(slug="rfa", name="Radiofrequency ablation")
    client = _signed_in(app, reader)
    assert 'action="/b/rfa/watch"' in _html(client.get("/b/rfa"))
    response = client.post("/b/rfa/watch")
    assert (response.status_code, response.location) == (302, "/b/rfa")
    assert 'action="/b/rfa/unwatch"' in _html(client.get("/b/rfa"))
    make_thread(board=board)
    assert kinds_of(app, reader) == ["thread"]
    client.post("/b/rfa/unwatch")
    make_thread(board=board)
    assert kinds_of(app, reader) == ["thread"]


def test_watch_redirects_only_to_this_site(app, make_user, make_thread):
    thread = make_thread()
    client = _signed_in(app, make_user())
    response = client.post(f"/t/{thread.id}/watch", data={"next": "https://evil.example/phish"})
    assert not response.location.startswith("https://evil.example")
    response = client.post(f"/t/{thread.id}/unwatch", data={"next": "/settings/notifications"})
    assert response.location == "/settings/notifications"


def test_a_thread_awaiting_approval_cannot_be_watched_by_others(make_app, make_user, make_board):
    app = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    newcomer, reader, board = make_user(), make_user(), make_board()
    with app.app_context():  # a brand-new member's thread waits for approval, hidden
        post = create_thread(
            db.session.get(User, newcomer.id),
            db.session.get(Board, board.id),
            "Hello all",
            "Hi",
            visibility="public",
        )
        thread = db.session.get(Thread, post.thread_id)
        assert thread.is_hidden
        db.session.expunge(thread)
    assert _signed_in(app, reader).post(f"/t/{thread.id}/watch").status_code == 404
    assert not watches(app, reader, thread)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/t/{thread}/watch"),
        ("post", "/t/{thread}/unwatch"),
        ("post", "/b/{board}/watch"),
        ("post", "/b/{board}/unwatch"),
        ("get", "/settings/notifications"),
        ("post", "/settings/notifications"),
        ("get", "/notifications"),
        ("get", "/notifications/{notification}"),
        ("post", "/notifications/read"),
    ],
)
def test_visitors_are_sent_to_sign_in(app, client, make_user, make_thread, method, path):
    reader = make_user()
    thread = make_thread()
    watch(app, reader, thread=thread)
    with app.app_context():
        board_slug = db.session.scalar(sa.select(Board.slug).where(Board.id == thread.board_id))
    url = path.format(thread=thread.id, board=board_slug, notification=1)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_watch_needs_the_forms_csrf_token(make_app, make_user, make_thread):
    app = make_app(WTF_CSRF_ENABLED=True)
    reader = make_user()
    thread = make_thread()
    client = app.test_client()
    page = _html(client.get("/login/dev"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    client.post("/login/dev", data={"pseudonym": reader.display_name, "csrf_token": token[1]})

    refused = client.post(f"/t/{thread.id}/watch")
    assert refused.status_code == 400
    assert not watches(app, reader, thread)

    page = _html(client.get(_thread_path(thread)))
    form = re.search(
        rf'<form class="watch" method="post" action="/t/{thread.id}/watch">(.*?)</form>',
        page,
        re.S,
    )
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form[1])
    assert client.post(f"/t/{thread.id}/watch", data={"csrf_token": token[1]}).status_code == 302
    assert watches(app, reader, thread)


# -- the settings page -------------------------------------------------------------------


def test_settings_list_what_is_watched_with_unwatch_buttons(
    app, make_user, make_board, make_thread
):
    reader = make_user("reader")
    board = make_board(slug="scs", name="Spinal cord stimulators")
    thread = make_thread(title="Dorsal root ganglion trial")
    watch(app, reader, thread=thread, board=board)
    client = _signed_in(app, reader)
    assert "/settings/notifications" in _html(client.get("/settings"))
    page = _html(client.get("/settings/notifications"))
    assert "Dorsal root ganglion trial" in page
    assert "Spinal cord stimulators" in page
    assert f'action="/t/{thread.id}/unwatch"' in page
    assert 'action="/b/scs/unwatch"' in page
    assert 'name="next" value="/settings/notifications"' in page

    response = client.post(f"/t/{thread.id}/unwatch", data={"next": "/settings/notifications"})
    assert response.location == "/settings/notifications"
    assert "Dorsal root ganglion trial" not in _html(client.get("/settings/notifications"))


def test_auto_watch_can_be_turned_off_and_on(app, make_user, make_thread, make_post):
    reader = make_user()
    client = _signed_in(app, reader)
    checked = '<input checked id="auto_watch" name="auto_watch" type="checkbox"'
    assert checked in _html(client.get("/settings/notifications"))
    assert client.post("/settings/notifications", data={}).status_code == 302
    page = _html(client.get("/settings/notifications"))
    assert '<input id="auto_watch" name="auto_watch" type="checkbox"' in page
    thread = make_thread()
    make_post(thread, author=reader)
    assert not watches(app, reader, thread)

    client.post("/settings/notifications", data={"auto_watch": "y"})
    make_post(thread, author=reader)
    assert watches(app, reader, thread)


# -- the header and /notifications --------------------------------------------------------


def test_the_header_shows_the_unread_count(app, make_user, make_thread, make_post):
    reader = make_user("reader")
    client = _signed_in(app, reader)
    page = _html(client.get("/"))
    assert 'href="/notifications"' in page
    assert "unread notification" not in page

    thread = make_thread(author=reader)
    make_post(thread)
    make_post(thread)  # batched with the first
    make_post(make_thread(), body="@reader what do you think?")
    page = _html(client.get("/"))
    assert '<span aria-hidden="true">2</span>' in page
    assert '<span class="visually-hidden">2 unread notifications</span>' in page


def test_the_list_is_newest_first_and_following_marks_read(app, make_user, make_thread, make_post):
    reader = make_user("reader")
    first_thread = make_thread(author=reader, title="Older thread here")
    reply = make_post(first_thread)
    make_post(make_thread(title="Newer thread here"), body="Hi @reader")
    client = _signed_in(app, reader)

    page = _html(client.get("/notifications"))
    assert page.index("mentioned you in “Newer thread here”") < page.index(
        "replied in “Older thread here”"
    )
    assert "<time datetime=" in page
    reply_note = next(n for n in notifications_of(app, reader) if n.kind == "reply")
    assert f'href="/notifications/{reply_note.id}"' in page
    assert not reply_note.read  # listing is reading nothing

    response = client.get(f"/notifications/{reply_note.id}")
    assert response.status_code == 302
    assert response.location == f"{_thread_path(first_thread)}#p{reply.id}"
    assert [n.read for n in notifications_of(app, reader)] == [True, False]
    assert '<span aria-hidden="true">1</span>' in _html(client.get("/"))


def test_mark_all_read_leaves_what_arrived_after_the_page(app, make_user, make_thread, make_post):
    reader = make_user("reader")
    thread = make_thread(author=reader)
    make_post(thread)
    client = _signed_in(app, reader)
    page = _html(client.get("/notifications"))
    until = re.search(r'name="until" type="hidden" value="([^"]+)"', page)[1]
    make_post(make_thread(), body="@reader look")  # arrives while the page is open

    response = client.post("/notifications/read", data={"until": until})
    assert response.status_code == 302
    assert [(n.kind, n.read) for n in notifications_of(app, reader)] == [
        ("reply", True),
        ("mention", False),
    ]
    client.post("/notifications/read")
    assert all(n.read for n in notifications_of(app, reader))
    assert "Mark all read" not in _html(client.get("/notifications"))


def test_fred_cannot_open_or_mark_others_notifications(
    app, make_user, make_thread, make_post, fred
):
    reader = make_user("reader")
    make_post(make_thread(author=reader, title="Reader's private worries"))
    make_post(make_thread(author=fred, title="Fred's own thread"))
    [mine] = notifications_of(app, reader)
    client = _signed_in(app, fred)
    assert client.get(f"/notifications/{mine.id}").status_code == 404
    page = _html(client.get("/notifications"))
    assert "Fred's own thread" in page
    assert "Reader's private worries" not in page
    client.post("/notifications/read")
    assert [n.read for n in notifications_of(app, reader)] == [False]
    assert [n.read for n in notifications_of(app, fred)] == [True]


def test_the_list_is_paginated(app, make_user, make_thread, make_post):
    reader = make_user("reader")
    with app.app_context():
        db.session.execute(
            sa.insert(Notification),
            [
                {"user_id": reader.id, "kind": "sanction", "text": f"warning: note {n}"}
                for n in range(PER_PAGE + 3)
            ],
        )
        db.session.commit()
    client = _signed_in(app, reader)
    first = _html(client.get("/notifications"))
    assert first.count('href="/notifications/') == PER_PAGE
    assert 'href="/notifications?page=2"' in first
    second = _html(client.get("/notifications?page=2"))
    assert second.count('href="/notifications/') == 3
    assert client.get("/notifications?page=3").status_code == 404


def test_account_notifications_open_the_settings_pages(app, make_user):
    reader = make_user()
    with app.app_context():
        db.session.add(Notification(user_id=reader.id, kind="sanction", text="warning"))
        db.session.commit()
    [seen] = notifications_of(app, reader)
    response = _signed_in(app, reader).get(f"/notifications/{seen.id}")
    assert response.location == "/settings/sanctions"


def test_a_signed_in_thread_page_stays_within_the_query_ceiling(
    app, make_user, make_thread, make_post, count_queries
):
    reader = make_user()
    thread = make_thread(author=reader)
    make_post(thread)
    client = _signed_in(app, reader)
    client.get(_thread_path(thread))  # the first view notes how far they read
    # A thread and the home page also read what the member has not read (forum/reading);
    # a thread page with their bookmarks and who reacted, in the same statement.
    for path, ceiling in ((_thread_path(thread), 5), ("/", 5), ("/notifications", 4)):
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) <= ceiling, (path, statements)
    unread = [s for s in statements if "notifications" in s and "count" in s.lower()]
    assert unread  # the count is one of them
    assert first_post_id(app, thread)
