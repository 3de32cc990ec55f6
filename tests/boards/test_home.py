"""The home page: what Firsthand is for, the boards people write on with their outcome
figures, the rest folded away, the latest activity across boards (as the policy allows each
reader to see it), and the ways to compare treatments and share an experience."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards import services as home_services
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation.services import decide_on_post
from forum.reports.releases import refresh_boards
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, delete_post
from tests.conftest import age_accounts, first_post_id, login, sqlite_only

pytestmark = pytest.mark.usefixtures("one_minute")


def _board(app, slug: str, name: str, family: str | None = "injection") -> Board:
    with app.app_context():
        board = Board(
            slug=slug, name=name, category="Tests", description=f"About {name}.", family=family
        )
        db.session.add(board)
        db.session.commit()
        db.session.refresh(board)
        db.session.expunge(board)
        return board


def _section(page: str, heading: str) -> str:
    """The HTML of the page's section under the h2 `heading`."""
    start = page.index(f">{heading}</h2>")
    return page[start : page.index("</section>", start)]


def _lede(page: str) -> str:
    return " ".join(re.search(r'<p class="lede">(.*?)</p>', page, re.S).group(1).split())


def _latest_titles(page: str) -> list[str]:
    section = _section(page, "Latest activity")
    return re.findall(r'class="thread-title" href="[^"]+">([^<]+)</a>', section)


def _date(app, thread, days_ago: float) -> None:
    """Move a thread's latest activity back in time (its board's stays as it was)."""
    with app.app_context():
        db.session.execute(
            sa.update(Thread)
            .where(Thread.id == thread.id)
            .values(last_post_at=utcnow() - timedelta(days=days_ago))
        )
        db.session.commit()


# -- what the site is, and what to do here ------------------------------------------------


def test_a_visitor_is_told_what_the_site_is_and_how_to_post(client):
    page = client.get("/").get_data(as_text=True)
    lede = _lede(page)
    assert "Patients with chronic pain comparing notes" in lede
    assert "sign in to post under a pseudonym" in lede


def test_a_member_is_spoken_to_as_a_member(client, make_user):
    login(client, make_user("kind-kestrel"))
    page = client.get("/").get_data(as_text=True)
    lede = _lede(page)
    assert "Welcome back, kind-kestrel." in lede
    assert "sign in to post" not in page


def test_calls_to_action_compare_treatments_and_share_an_experience(app, client, make_user):
    _board(app, "comparing-treatments", "Comparing and combining treatments", family=None)
    page = client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/outcomes">Compare treatments</a>' in page
    share = '<a class="button secondary" href="/b/comparing-treatments/report">'
    assert share + "Share your experience</a>" in page

    # A visitor is led through signing in; a member gets the form that asks the treatment.
    visitor = client.get("/b/comparing-treatments/report")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    login(client, make_user())
    form = client.get("/b/comparing-treatments/report").get_data(as_text=True)
    assert "Choose a treatment" in form


# -- the boards --------------------------------------------------------------------------


def test_boards_without_threads_fold_into_one_line(app, client, make_thread):
    busy = _board(app, "busy-block", "Busy blocks")
    for n in range(3):
        _board(app, f"quiet-{n}", f"Quiet treatment {n}")
    make_thread(board=busy, title="My first block")

    page = client.get("/").get_data(as_text=True)

    boards = _section(page, "Treatments people write about")
    folded = boards[boards.index("<details") :]
    assert "<summary>3 more treatments, no posts yet</summary>" in folded
    for n in range(3):
        assert f'<a href="/b/quiet-{n}">Quiet treatment {n}</a>' in folded
    cards = boards[: boards.index("<details")]
    assert 'href="/b/busy-block">Busy blocks</a>' in cards
    assert "My first block" in cards
    assert "Quiet treatment" not in cards


def test_community_boards_with_threads_are_named_apart_from_the_treatments(
    app, client, make_thread
):
    make_thread(board=_board(app, "chat", "General chat", family=None), title="Hello all")
    make_thread(board=_board(app, "knees", "Knee blocks"), title="Knee block day")
    boards = _section(client.get("/").get_data(as_text=True), "Treatments people write about")
    cards = boards[: boards.index('class="community-boards"')]
    assert "Knee blocks" in cards and "General chat" not in cards
    community = boards[boards.index('class="community-boards"') :]
    assert '<a href="/b/chat">General chat</a> <span class="muted">(1 thread)</span>' in community


def test_a_community_board_among_the_folded_ones_makes_them_boards(app, client, make_thread):
    make_thread(board=_board(app, "busy", "Busy"))
    _board(app, "quiet-treatment", "Quiet treatment")
    _board(app, "quiet-community", "Quiet community", family=None)
    page = client.get("/").get_data(as_text=True)
    assert "<summary>2 more boards, no posts yet</summary>" in page


def test_a_treatment_shows_its_headline_figure_from_the_current_release(
    app, client, make_user, make_thread
):
    board = _board(app, "steroid-shots", "Steroid shots")
    quiet = _board(app, "few-reports", "Few reports")
    authors = [make_user(f"reporter-{n}") for n in range(11)]
    age_accounts(app, *authors, hours=24 * 8)  # old enough for their reports to count
    with app.app_context():
        for n, author in enumerate(authors):
            # 5 of 10 with at least 30% less pain (7 to 3), 5 with less (7 to 6).
            target = db.session.get(Board, quiet.id if n == 10 else board.id)
            answers = {
                "treatment": target,
                "pain_before": 7,
                "pain_best": 6 if n % 2 else 3,
                "pgic": 3,
            }
            file_report(author, target, f"Report {n}", "How it went.", answers, visibility="public")
        refresh_boards([board.id, quiet.id], force=True)

    page = client.get("/").get_data(as_text=True)

    card = page[page.index('href="/b/steroid-shots"') :]
    card = card[: card.index("</li>")]
    assert '<a href="/b/steroid-shots/outcomes">Outcomes</a>' in card
    assert "10 reports · at least 30% less pain for 5 of 10" in " ".join(card.split())
    few = page[page.index('href="/b/few-reports"') :]
    assert "1 report: too few to sum up yet" in few[: few.index("</li>")]


# -- latest activity ---------------------------------------------------------------------


def test_latest_activity_lists_the_newest_threads_across_boards(app, client, make_thread):
    boards = [_board(app, f"b{n}", f"Board {n}") for n in range(3)]
    threads = [
        make_thread(board=boards[n % 3], title=f"Thread number {n}")
        for n in range(home_services.LATEST_THREADS + 2)
    ]
    for age, thread in enumerate(reversed(threads)):
        _date(app, thread, days_ago=age + 1)

    page = client.get("/").get_data(as_text=True)

    newest_first = [t.title for t in reversed(threads)][: home_services.LATEST_THREADS]
    assert _latest_titles(page) == newest_first
    section = _section(page, "Latest activity")
    assert 'in <a href="/b/b0">Board 0</a>' in section
    assert "<time datetime=" in section


def test_a_visitor_sees_a_members_only_threads_title_never_who_wrote(
    app, client, make_thread, make_post, make_user
):
    writer = make_user("private-writer")
    thread = make_thread(title="Pump refill worries", visibility="members")
    make_post(thread, author=writer)

    page = client.get("/").get_data(as_text=True)
    section = _section(page, "Latest activity")
    assert "Pump refill worries" in section and "Members only" in section
    assert "private-writer" not in page
    assert "last post <time" in section

    login(client, make_user())
    page = client.get("/").get_data(as_text=True)
    assert "last by private-writer" in _section(page, "Latest activity")


def test_threads_waiting_for_approval_or_without_their_opening_post_are_not_listed(
    app, client, make_thread, make_user, moderator
):
    shown = make_thread(title="A thread still standing")
    hidden = make_thread(title="Opening post hidden by a moderator")
    deleted = make_thread(title="Opening post deleted by its author")
    waiting = make_thread(title="Waiting for approval")
    with app.app_context():
        db.session.execute(sa.update(Thread).where(Thread.id == waiting.id).values(is_hidden=True))
        db.session.commit()
        post = db.session.get(Post, first_post_id(app, hidden))
        decide_on_post(db.session.merge(moderator), post, "hide", "Off topic.", [])
        post = db.session.get(Post, first_post_id(app, deleted))
        delete_post(db.session.get(User, deleted.author_id), post)

    login(client, make_user())  # a member sees the most: still not these
    titles = _latest_titles(client.get("/").get_data(as_text=True))
    assert titles == [shown.title]


# -- visitors' cached copies -------------------------------------------------------------


def _etag(client) -> str:
    return client.get("/").headers["ETag"]


def _fresh(client, etag: str) -> str:
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200, "the visitor's old copy was kept"
    return response.get_data(as_text=True)


def test_a_visitors_copy_goes_stale_when_latest_activity_changes(
    app, client, make_thread, make_post, moderator
):
    board = _board(app, "one-board", "One board")
    older = make_thread(board=board, title="Older thread")
    newer = make_thread(board=board, title="Newer thread")
    _date(app, older, days_ago=2)

    # A reply: the board's row moves (its counters), and the thread comes first.
    etag = _etag(client)
    make_post(older, body="Back again.")
    assert _latest_titles(_fresh(client, etag)) == ["Older thread", "Newer thread"]

    # A moderator hides an opening post: no board row moves, the post's version does.
    etag = _etag(client)
    with app.app_context():
        post = db.session.get(Post, first_post_id(app, newer))
        decide_on_post(db.session.merge(moderator), post, "hide", "Off topic.", [])
    assert _latest_titles(_fresh(client, etag)) == ["Older thread"]

    # A thread made members-only: who last wrote in it is no longer shown to visitors.
    etag = _etag(client)
    with app.app_context():
        db.session.execute(
            sa.update(Thread).where(Thread.id == older.id).values(visibility="members")
        )
        db.session.commit()
    assert "last post <time" in _section(_fresh(client, etag), "Latest activity")


def test_a_visitors_copy_goes_stale_when_a_latest_poster_changes_their_name(
    app, client, make_thread
):
    # The older thread is in "Latest activity" but is not its board's latest thread.
    board = _board(app, "names", "Names")
    older = make_thread(board=board, title="Who wrote last")
    make_thread(board=board, title="Newest on the board")
    etag = _etag(client)
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == older.last_poster_id)
            .values(display_name="renamed-writer")
        )
        db.session.commit()
    assert "last by renamed-writer" in _section(_fresh(client, etag), "Latest activity")


@sqlite_only
def test_latest_activity_costs_the_same_however_many_threads_a_board_holds(
    app, make_board, make_user
):
    """The home page's one statement finds "Latest activity" among the newest posts, then
    joins those few threads to their boards: it must not walk a board's every thread
    (SQLite did, when both conditions sat in one join). Work is counted in SQLite's
    virtual-machine steps, which do not depend on the machine's speed."""
    board, author = make_board(), make_user()

    def steps_with(threads: int) -> int:
        with app.app_context():
            member = db.session.get(User, author.id)
            target = db.session.get(Board, board.id)
            while target.thread_count < threads:
                create_thread(
                    member, target, "Another thread", "Its first post.", visibility="public"
                )
            db.session.commit()
            counted = [0]

            def count() -> int:
                counted[0] += 1
                return 0

            connection = db.session.connection().connection.driver_connection
            connection.set_progress_handler(count, 100)
            try:
                home_services.list_boards_and_latest_activity()
            finally:
                connection.set_progress_handler(None, 100)
            return counted[0]

    # Past the window of newest posts (100), so both look at as many threads.
    few, many = steps_with(150), steps_with(600)
    assert many < few * 1.2, (few, many)
