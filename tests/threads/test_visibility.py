"""Per-thread visibility: the author chooses public or members only; visitors of a
members-only thread see its title and board and nothing its members wrote."""

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.errors import DomainError
from forum.extensions import db, utcnow
from forum.moderation.models import ModerationAction
from forum.threads.models import Thread
from forum.threads.services import create_thread
from tests.conftest import first_post_id, login

SECRET = "My neurologist at the Leeds clinic said the block failed."
NOTICE = "This thread is for signed-in members only"


@pytest.fixture
def closed(make_board, make_user, make_thread, make_post):
    """A members-only thread with a reply, on a board called Nerve blocks."""
    board = make_board(slug="nerve-blocks", name="Nerve blocks")
    author = make_user("quiet-quinn")
    thread = make_thread(
        board=board,
        author=author,
        title="Occipital block, second try",
        body=SECRET,
        visibility="members",
    )
    make_post(thread, author=make_user("replying-rae"), body="Same thing happened to me.")
    return thread


def _visibility(app, thread) -> str:
    with app.app_context():
        return db.session.get(Thread, thread.id).visibility


def _radios(page: str) -> list[str]:
    return re.findall(r'<input[^>]*name="visibility"[^>]*>', page)


def _says_nothing_members_wrote(page: str) -> None:
    for private in (SECRET, "Same thing happened to me.", "quiet-quinn", "replying-rae"):
        assert private not in page


# -- choosing when starting a thread ----------------------------------------------------


def test_the_form_asks_who_can_read_with_neither_answer_chosen(client, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    page = client.get("/b/rfa/new").get_data(as_text=True)

    radios = _radios(page)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["public", "members"]
    assert not any("checked" in radio for radio in radios)
    assert "Who can read this thread?" in page


def test_starting_a_thread_without_choosing_keeps_what_was_typed(client, app, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    response = client.post(
        "/b/rfa/new", data={"title": "My first ablation", "body": "It <b>helped</b> & hurt."}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="visibility-error">Please choose who can read this thread' in page
    assert 'value="My first ablation"' in page
    assert "It &lt;b&gt;helped&lt;/b&gt; &amp; hurt.</textarea>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Thread.id))) == 0


def test_a_made_up_visibility_is_refused(client, app, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    response = client.post(
        "/b/rfa/new", data={"title": "My first ablation", "body": "Text", "visibility": "all"}
    )

    assert response.status_code == 422
    assert 'id="visibility-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Thread.id))) == 0


@pytest.mark.parametrize("choice", ["public", "members"])
def test_the_chosen_visibility_is_kept(client, app, make_board, member, choice):
    make_board(slug="rfa")
    login(client, member)

    response = client.post(
        "/b/rfa/new", data={"title": "My first ablation", "body": "Text", "visibility": choice}
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Thread.visibility)) == choice


def test_the_service_refuses_a_visibility_it_does_not_know(app_ctx, make_board, member):
    board = make_board()
    with pytest.raises(DomainError) as caught:
        create_thread(
            db.session.get(User, member.id), board, "A valid title", "Body", visibility=""
        )
    assert caught.value.field == "visibility"


def test_a_thread_row_without_a_visibility_is_refused(app_ctx, make_board, member):
    """No default anywhere: not in the service, not in the model, not in the database."""
    board = make_board()
    now = utcnow()
    db.session.add(
        Thread(
            board_id=board.id,
            author_id=member.id,
            title="No choice made",
            created_at=now,
            last_post_at=now,
            last_poster_id=member.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# -- what a visitor sees ----------------------------------------------------------------


def test_a_visitor_sees_the_title_and_board_of_a_members_only_thread_only(client, closed):
    response = client.get(f"/t/{closed.id}/{closed.slug}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Occipital block, second try" in page
    assert 'href="/b/nerve-blocks">Nerve blocks</a>' in page
    assert NOTICE in page
    assert f'href="/login?next=/t/{closed.id}/{closed.slug}">Sign in</a>' in page
    _says_nothing_members_wrote(page)
    assert '<article class="post' not in page
    assert '<meta name="robots" content="noindex">' in page
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert ".atom" not in page  # no feed to offer: it would be empty


def test_a_member_reads_a_members_only_thread(client, make_user, closed):
    login(client, make_user("curious-cam"))

    response = client.get(f"/t/{closed.id}/{closed.slug}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SECRET in page
    assert "Same thing happened to me." in page
    assert "quiet-quinn" in page and "replying-rae" in page
    assert NOTICE not in page
    assert '<span class="badge visibility-badge">Members only</span>' in page
    # Crawlers never sign in, but the page is still not one to index.
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_public_thread_is_open_to_visitors_and_crawlers(client, make_user, make_thread):
    thread = make_thread(title="Open thread on TENS", body="TENS helps me a bit.")

    response = client.get(f"/t/{thread.id}/{thread.slug}")

    page = response.get_data(as_text=True)
    assert "TENS helps me a bit." in page
    assert "X-Robots-Tag" not in response.headers
    assert 'content="noindex"' not in page
    assert f'href="http://localhost/t/{thread.id}.atom"' in page
    assert "visibility-badge" not in page  # the badge is for members
    login(client, make_user())
    member_page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert '<span class="badge visibility-badge">Public</span>' in member_page


def test_a_permalink_leads_a_visitor_to_the_notice_not_the_post(app, client, closed):
    post_id = first_post_id(app, closed)

    response = client.get(f"/p/{post_id}", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert NOTICE in page
    _says_nothing_members_wrote(page)


def test_a_post_history_shows_a_visitor_the_notice_only(app, client, make_user, closed):
    post_id = first_post_id(app, closed)

    response = client.get(f"/p/{post_id}/history")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NOTICE in page
    _says_nothing_members_wrote(page)
    assert response.headers["X-Robots-Tag"] == "noindex"
    login(client, make_user())
    assert SECRET in client.get(f"/p/{post_id}/history").get_data(as_text=True)


def test_quoting_needs_signing_in(app, client, closed):
    post_id = first_post_id(app, closed)

    response = client.get(f"/t/{closed.id}/reply?quote={post_id}")

    assert response.status_code == 302
    assert response.location.startswith("/login?")


def test_board_list_marks_members_only_threads_without_naming_anyone(
    client, make_user, closed, make_thread
):
    page = client.get("/b/nerve-blocks").get_data(as_text=True)

    assert "Occipital block, second try" in page
    assert '<span class="badge">Members only</span>' in page
    _says_nothing_members_wrote(page)
    login(client, make_user())
    member_page = client.get("/b/nerve-blocks").get_data(as_text=True)
    assert "by quiet-quinn" in member_page
    assert "last by replying-rae" in member_page


def test_home_page_names_nobody_from_a_members_only_latest_thread(client, closed):
    page = client.get("/").get_data(as_text=True)

    assert "Occipital block, second try" in page
    _says_nothing_members_wrote(page)


def test_profile_recent_posts_leave_out_members_only_threads_for_visitors(
    client, make_user, make_board, make_thread
):
    author = make_user("two-sided-tess")
    board = make_board()
    make_thread(board=board, author=author, title="Open about my pump", visibility="public")
    make_thread(board=board, author=author, title="Private about my pump", visibility="members")

    page = client.get("/u/two-sided-tess").get_data(as_text=True)

    assert "Open about my pump" in page
    assert "Private about my pump" not in page
    login(client, make_user())
    member_page = client.get("/u/two-sided-tess").get_data(as_text=True)
    assert "Open about my pump" in member_page
    assert "Private about my pump" in member_page
    assert member_page.count('<span class="badge">Members only</span>') == 1


def test_pages_of_a_members_only_thread_stay_within_the_query_ceiling(
    client, make_user, closed, count_queries
):
    with count_queries() as visitor:
        assert client.get(f"/t/{closed.id}/{closed.slug}").status_code == 200
    login(client, make_user())
    client.get(f"/t/{closed.id}/{closed.slug}")  # the first view notes how far they read
    with count_queries() as member:
        assert client.get(f"/t/{closed.id}/{closed.slug}").status_code == 200
    assert len(visitor) <= 4
    # and, in one more, where they are in it, their bookmarks and who reacted (marks.py)
    assert len(member) <= 5


# -- changing it later ------------------------------------------------------------------


def test_the_author_makes_a_public_thread_members_only_and_back(
    app, client, make_user, make_thread
):
    author = make_user("changing-chris")
    thread = make_thread(author=author, title="Cooled RF diary", body="Week one.")
    login(client, author)
    page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "Make it members only</button>" in page

    response = client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    assert response.status_code == 302
    assert _visibility(app, thread) == "members"
    page = client.get(response.location).get_data(as_text=True)
    assert "Only signed-in members can read this thread now." in page
    assert "Make it public</button>" in page
    client.post(f"/t/{thread.id}/visibility", data={"visibility": "public"})
    assert _visibility(app, thread) == "public"
    with app.app_context():  # a member's own choice is not a moderation action
        assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0


def test_making_a_thread_members_only_takes_it_out_of_feeds_at_once(
    app, client, make_user, make_thread
):
    author = make_user()
    thread = make_thread(author=author, title="Soon to be private")
    assert "Soon to be private" in client.get("/feeds/latest.atom").get_data(as_text=True)
    login(client, author)

    client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    client.post("/logout")
    assert "Soon to be private" not in client.get("/feeds/latest.atom").get_data(as_text=True)
    assert f"/t/{thread.id}/" not in client.get("/sitemap.xml").get_data(as_text=True)


def test_another_member_may_not_change_it(app, client, fred, make_thread):
    thread = make_thread(title="Not fred's thread")
    login(client, fred)

    response = client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    assert response.status_code == 403
    assert _visibility(app, thread) == "public"
    page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "Make it members only" not in page


def test_a_visitor_is_sent_to_sign_in(app, client, make_thread):
    thread = make_thread()

    response = client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    assert response.status_code == 302
    assert response.location.startswith("/login?")
    assert _visibility(app, thread) == "public"


def test_a_moderator_may_change_it_and_it_is_logged(app, client, moderator, make_thread):
    thread = make_thread(title="Needs more privacy")
    login(client, moderator)

    response = client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    assert response.status_code == 302
    assert _visibility(app, thread) == "members"
    with app.app_context():
        entry = db.session.scalar(sa.select(ModerationAction))
        assert (entry.actor_id, entry.action, entry.target_id) == (
            moderator.id,
            "thread_visibility",
            thread.id,
        )
        assert entry.details == {"before": "public", "after": "members"}


def test_a_change_without_the_csrf_token_is_refused(make_app, make_user, make_thread):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    author = make_user()
    thread = make_thread(author=author)
    page = client.get("/login/dev").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/dev", data={"pseudonym": author.display_name, "csrf_token": token})

    response = client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    assert response.status_code == 400
    assert _visibility(app, thread) == "public"
