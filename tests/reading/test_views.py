"""What members see of what is new, through the pages: markers on board and home lists, the
divider on a thread page, Mark all read, and notifications read by reading."""

from forum.accounts.models import User
from forum.export.archive import collect_member_data
from forum.extensions import db, utcnow
from forum.notifications import services as notifications
from forum.notifications.models import Notification
from forum.signals import post_hidden
from forum.threads.models import Post
from forum.threads.services import delete_post
from tests.conftest import csrf_token, login
from tests.notifications.support import notifications_of
from tests.reading.support import markers_in as _markers
from tests.reading.support import place_of, post_at, thread_path


def test_a_board_page_marks_new_replies_for_a_member_and_nothing_for_a_visitor(
    app, client, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread(title="Cooled RF, six months on")
    login(client, reader)
    client.get(thread_path(thread))
    make_post(thread)
    make_post(thread)
    board_path = f"/b/{_board_slug(app, thread)}"
    page = client.get(board_path).get_data(as_text=True)
    assert _markers(page) == [(f"/p/{post_at(app, thread, 2)}", "2 new")]
    assert "Mark all read</button>" in page

    visitor = app.test_client().get(board_path)
    assert "new-marker" not in visitor.get_data(as_text=True)
    assert "Mark all read" not in visitor.get_data(as_text=True)
    assert visitor.headers["ETag"]  # still a visitor's cached page
    assert "Set-Cookie" not in visitor.headers


def test_the_home_page_marks_threads_a_member_never_opened_as_new(
    app, client, make_user, make_thread
):
    reader = make_user("reader")
    thread = make_thread(title="Stimulator trial diary")
    login(client, reader)
    page = client.get("/").get_data(as_text=True)
    assert (thread_path(thread), "New") in _markers(page)
    assert "Mark everything read</button>" in page
    client.get(thread_path(thread))
    assert _markers(client.get("/").get_data(as_text=True)) == []


def test_a_thread_page_puts_a_divider_before_the_first_unread_post(
    app, client, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread()
    login(client, reader)
    first = client.get(thread_path(thread)).get_data(as_text=True)
    assert 'class="new-divider"' not in first  # never opened: all of it is new
    reply = make_post(thread, body="The burning lasted two weeks.")
    page = client.get(thread_path(thread)).get_data(as_text=True)
    divider = page.index('class="new-divider"')
    assert divider < page.index(f'id="p{reply.id}"')
    assert divider > page.index(f'id="p{post_at(app, thread, 1)}"')
    assert place_of(app, reader, thread) == 2
    again = client.get(thread_path(thread)).get_data(as_text=True)
    assert 'class="new-divider"' not in again


def test_mark_all_read_on_a_board_and_on_the_home_page(
    app, client, make_user, make_board, make_thread
):
    reader = make_user("reader")
    board, other = make_board(), make_board()
    make_thread(board=board)
    make_thread(board=other)
    login(client, reader)
    response = client.post(f"/b/{board.slug}/read")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert f"Everything in {board.name} is marked read." in page
    assert _markers(page) == []
    assert len(_markers(client.get("/").get_data(as_text=True))) == 1  # the other board's
    response = client.post("/read")
    assert response.location == "/"
    assert _markers(client.get("/").get_data(as_text=True)) == []


def test_mark_all_read_is_refused_without_its_csrf_token(make_app, make_user, make_board):
    """Visitors are sent to sign in (tests/policy/test_matrix.py); a POST without the
    page's token does nothing."""
    app = make_app(WTF_CSRF_ENABLED=True)
    board = make_board()
    reader = make_user("reader")
    client = app.test_client()
    token = csrf_token(client.get("/login/dev").get_data(as_text=True))
    client.post("/login/dev", data={"pseudonym": reader.display_name, "csrf_token": token})
    assert client.post("/read").status_code == 400
    assert client.post(f"/b/{board.slug}/read").status_code == 400
    page = client.get(f"/b/{board.slug}").get_data(as_text=True)
    response = client.post(f"/b/{board.slug}/read", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302


def test_reading_a_thread_reads_its_notifications(app, client, make_user, make_thread, make_post):
    reader = make_user("reader")
    thread = make_thread(author=reader)
    login(client, reader)
    client.get(thread_path(thread))
    make_post(thread, body="Same here.")
    make_post(thread, body=f"Thanks @{reader.display_name}, same here.")
    kinds = {n.kind for n in notifications_of(app, reader, unread_only=True)}
    assert kinds == {"reply", "mention"}
    client.get(thread_path(thread))
    assert notifications_of(app, reader, unread_only=True) == []
    with app.app_context():
        assert notifications.count_unread(reader) == 0


def test_a_hidden_or_deleted_posts_notifications_leave_the_list(
    app, client, make_user, make_thread, make_post
):
    reader = make_user("reader")
    writer = make_user("writer")
    thread = make_thread(author=reader)
    login(client, reader)
    client.get(thread_path(thread))
    gone = make_post(thread, author=writer, body="This will go.")
    kept = make_post(thread, author=make_user(), body="Mine stays.")
    mention = make_post(thread, author=writer, body=f"@{reader.display_name} look at this.")
    seen = [(n.kind, n.count, n.post_id) for n in notifications_of(app, reader)]
    assert seen == [("reply", 2, gone.id), ("mention", 1, mention.id)]
    with app.app_context():
        author = db.session.get(User, writer.id)
        delete_post(author, db.session.get(Post, gone.id))  # its author deletes it
        delete_post(author, db.session.get(Post, mention.id))
    [batch] = notifications_of(app, reader)
    assert (batch.kind, batch.count, batch.post_id) == ("reply", 1, kept.id)
    page = client.get("/notifications").get_data(as_text=True)
    assert "mentioned you" not in page
    with app.app_context():
        assert notifications.count_unread(reader) == 1
        assert db.session.query(Notification).filter_by(post_id=mention.id).count() == 0


def test_a_post_hidden_by_members_flags_takes_its_mention_along(
    app, make_user, make_thread, make_post
):
    reader = make_user("reader")
    thread = make_thread()
    mention = make_post(thread, body=f"@{reader.display_name} buy my vials")
    assert [n.kind for n in notifications_of(app, reader)] == ["mention"]
    with app.app_context():
        post = db.session.get(Post, mention.id)
        post_hidden.send(post, actor=None, reason=None)  # as flags hiding it announce
        db.session.commit()
    assert notifications_of(app, reader) == []


def _board_slug(app, thread) -> str:
    from forum.boards.models import Board
    from forum.threads.models import Thread

    with app.app_context():
        board_id = db.session.get(Thread, thread.id).board_id
        return db.session.get(Board, board_id).slug


def test_the_data_export_holds_how_far_a_member_read(app, client, make_user, make_thread):
    reader = make_user("reader")
    thread = make_thread(title="Pump refill diary")
    login(client, reader)
    client.get(thread_path(thread))
    client.post("/read")
    with app.app_context():
        document = collect_member_data(reader.id, utcnow()).document
    [read] = document["reading"]["threads"]
    assert (read["thread"]["title"], read["read_up_to_post_number"]) == ("Pump refill diary", 1)
    assert len(document["reading"]["boards_marked_read"]) >= 1
