"""A post that matches a crisis phrase: still published, its author offered helplines
first, and moderators see it at the top of their queue, marked urgent."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import Flag, ModerationAction
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, edit_post, reply_to_thread
from tests.conftest import age_accounts, first_post_id, login
from tests.reports.conftest import walk_report_form

CRISIS = "Honestly some nights I want to end it all."
HELPLINES = ("988", "HOME to 741741", "116 123", "https://findahelpline.com")


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _post(app, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get(Post, post_id)
        db.session.expunge(post)
        return post


def _open_flags(app, post_id: int) -> list[Flag]:
    with app.app_context():
        flags = db.session.scalars(
            sa.select(Flag).where(Flag.post_id == post_id, Flag.outcome.is_(None))
        ).all()
        db.session.expunge_all()
        return list(flags)


def _log(app, post_id: int) -> list[ModerationAction]:
    with app.app_context():
        entries = db.session.scalars(
            sa.select(ModerationAction).where(
                ModerationAction.target_type == "post", ModerationAction.target_id == post_id
            )
        ).all()
        db.session.expunge_all()
        return list(entries)


def _last_post_id(app, author) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Post.id)).where(Post.author_id == author.id))


# -- the service --------------------------------------------------------------------------


def test_matching_thread_is_published_with_an_urgent_automatic_flag(app, make_board, member):
    board = make_board()
    with app.app_context():
        post = create_thread(
            db.session.get(User, member.id), board, "A hard week", CRISIS, visibility="public"
        )
        post_id = post.id
    assert _post(app, post_id).state == "visible"
    [flag] = _open_flags(app, post_id)
    assert flag.flagger_id is None
    assert flag.reason == "self_harm" and flag.is_urgent
    assert flag.note == "Matched a crisis phrase"
    [entry] = _log(app, post_id)
    assert entry.action == "crisis_phrase" and entry.actor_id is None
    assert entry.subject_user_id == member.id and entry.reason == "Matched a crisis phrase"


def test_a_crisis_phrase_in_the_title_counts(app, make_board, member):
    board = make_board()
    with app.app_context():
        post = create_thread(
            db.session.get(User, member.id), board, "Suicide and pain", "Ok.", visibility="public"
        )
        post_id = post.id
    assert len(_open_flags(app, post_id)) == 1


def test_ordinary_posts_get_no_flag(app, make_thread, make_post, member):
    thread = make_thread(author=member, body="The killer pain eased; a dead nerve, they said.")
    reply = make_post(thread, body="Glad it helped.")
    assert _open_flags(app, first_post_id(app, thread)) == []
    assert _open_flags(app, reply.id) == []


def test_matching_reply_is_published_and_flagged(app, make_thread, make_post, member):
    reply = make_post(make_thread(), author=member, body="I feel like I have no reason to live.")
    assert _post(app, reply.id).state == "visible"
    assert _post(app, reply.id).position == 2
    assert [f.reason for f in _open_flags(app, reply.id)] == ["self_harm"]


def test_an_edit_that_adds_a_phrase_flags_once(app, make_thread, member):
    thread = make_thread(author=member, body="Fine today.")
    post_id = first_post_id(app, thread)
    with app.app_context():
        author = db.session.get(User, member.id)
        edit_post(author, db.session.get(Post, post_id), "I want to die.", version=1)
        edit_post(author, db.session.get(Post, post_id), "I still want to die.", version=2)
    assert len(_open_flags(app, post_id)) == 1
    assert [e.action for e in _log(app, post_id)] == ["crisis_phrase"]


def test_a_moderators_edit_does_not_flag(app, make_thread, member, moderator):
    thread = make_thread(author=member, body="Fine today.")
    post_id = first_post_id(app, thread)
    with app.app_context():
        moderation.moderator_edit(
            db.session.get(User, moderator.id),
            db.session.get(Post, post_id),
            "Quoting a rule: posts about suicide get a moderator's care.",
            1,
            "Tidied",
        )
    assert _open_flags(app, post_id) == []


def test_a_pending_post_stays_pending_and_is_flagged(make_app, make_board, make_user):
    app = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    newcomer = make_user("newcomer")
    board = make_board()
    with app.app_context():
        post = create_thread(
            db.session.get(User, newcomer.id), board, "First post", CRISIS, visibility="public"
        )
        post_id = post.id
    assert _post(app, post_id).state == "pending"
    assert len(_open_flags(app, post_id)) == 1


def test_the_automatic_flag_does_not_hide_or_count_as_a_members(app, make_thread, make_user):
    """Members' flags still need their own threshold; the automatic one never hides."""
    thread = make_thread(body=CRISIS)
    post_id = first_post_id(app, thread)
    flagger = make_user("worried-friend")
    age_accounts(app, flagger)
    with app.app_context():
        moderation.flag_post(
            db.session.get(User, flagger.id), db.session.get(Post, post_id), "self_harm"
        )
    assert _post(app, post_id).state == "visible"
    assert len(_open_flags(app, post_id)) == 2


# -- the author's way through the pages ------------------------------------------------------


def test_author_of_a_matching_thread_is_shown_helplines_first(client, app, make_board, member):
    board = make_board(slug="tens")
    login(client, member)
    response = client.post(
        "/b/tens/new", data={"title": "A hard week", "body": CRISIS, "visibility": "public"}
    )
    post_id = _last_post_id(app, member)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/help/after-post/{post_id}"

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = _text(page)
    for helpline in HELPLINES:
        assert helpline in text or helpline in page.get_data(as_text=True)
    assert "Continue to your post" in text
    assert "not a crisis service" in text
    with app.app_context():
        thread = db.session.scalar(sa.select(Thread).where(Thread.board_id == board.id))
        thread_path = f"/t/{thread.id}/{thread.slug}"
    assert f'href="{thread_path}#p{post_id}"' in page.get_data(as_text=True)

    # The post is published: anyone can read it.
    client.post("/logout")
    assert "end it all" in _text(client.get(thread_path))


def test_author_of_a_matching_reply_or_edit_is_shown_helplines(client, app, make_thread, member):
    thread = make_thread()
    login(client, member)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "I want to die, truly."})
    reply_id = _last_post_id(app, member)
    assert response.headers["Location"] == f"/help/after-post/{reply_id}"

    own = make_thread(author=member, body="An ordinary day.")
    own_id = first_post_id(app, own)
    response = client.post(
        f"/p/{own_id}/edit",
        data={"title": own.title, "body": "Better off dead, some days.", "version": "1"},
    )
    assert response.headers["Location"] == f"/help/after-post/{own_id}"


def test_ordinary_posts_go_straight_to_the_post(client, app, make_board, member):
    make_board(slug="rfa")
    login(client, member)
    response = client.post(
        "/b/rfa/new", data={"title": "Killer pain", "body": "A dead nerve.", "visibility": "public"}
    )
    assert "/help/" not in response.headers["Location"]
    assert response.headers["Location"].startswith("/t/")


def test_a_moderators_edit_goes_back_to_the_post(client, app, make_thread, member, moderator):
    thread = make_thread(author=member, body="Fine.")
    post_id = first_post_id(app, thread)
    login(client, moderator)
    response = client.post(
        f"/p/{post_id}/edit",
        data={
            "title": thread.title,
            "body": "A post about suicide.",
            "version": "1",
            "reason": "x",
        },
    )
    assert response.status_code == 302
    assert "/help/" not in response.headers["Location"]


def test_the_after_post_page_is_for_the_author_only(client, app, make_thread, member, fred):
    thread = make_thread(author=member, body=CRISIS)
    post_id = first_post_id(app, thread)
    assert client.get(f"/help/after-post/{post_id}").status_code in (302, 401)
    login(client, fred)
    assert client.get(f"/help/after-post/{post_id}").status_code == 404
    assert client.get("/help/after-post/999999").status_code == 404


# -- the moderators' side ------------------------------------------------------------------


def test_matching_post_is_first_in_the_queue_marked_urgent(
    client, app, make_thread, make_user, member, moderator
):
    flagger = make_user("careful-carol")
    age_accounts(app, flagger)
    older = make_thread(title="An older spam thread", body="Buy now.")
    with app.app_context():
        moderation.flag_post(
            db.session.get(User, flagger.id),
            db.session.get(Post, first_post_id(app, older)),
            "spam",
        )
    crisis = make_thread(author=member, title="Tonight is bad", body=CRISIS)

    login(client, moderator)
    page = client.get("/moderation").get_data(as_text=True)
    first = page.index("Tonight is bad")
    assert first < page.index("An older spam thread")
    text = _text(client.get("/moderation"))
    assert "Urgent: possible risk of self-harm" in text
    assert "matched a crisis phrase" in text
    crisis_item = page[page.rindex("<article", 0, first) :]
    assert "urgent" in crisis_item[:200]

    # The moderator keeps the post: the automatic flag is closed like any other.
    post_id = first_post_id(app, crisis)
    flag_ids = re.search(
        rf'action="/moderation/posts/{post_id}/decide".*?name="flag_ids" value="([^"]*)"',
        page,
        re.S,
    ).group(1)
    response = client.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": "keep", "reason": "Reached out by message", "flag_ids": flag_ids},
    )
    assert response.status_code == 302
    assert _open_flags(app, post_id) == []
    assert _post(app, post_id).state == "visible"

    log = _text(client.get("/moderation/log"))
    assert "crisis_phrase" in log and "Matched a crisis phrase" in log


@pytest.mark.parametrize("who", ["visitor", "fred"])
def test_only_moderators_see_the_queue(client, app, make_thread, fred, who):
    make_thread(body=CRISIS)
    if who == "fred":
        login(client, fred)
    response = client.get("/moderation")
    assert response.status_code in (302, 403, 404)
    assert "end it all" not in response.get_data(as_text=True)


def test_reply_service_returns_the_post_for_the_view(app, make_thread, member):
    thread = make_thread()
    with app.app_context():
        reply = reply_to_thread(
            db.session.get(User, member.id), db.session.get(Thread, thread.id), CRISIS
        )
        assert reply.thread.title == thread.title  # the view builds URLs from it


def test_a_story_filed_with_an_experience_report_also_shows_helplines_first(client, make_user, app):
    """Sharing an experience through the report form is a new thread like any other: a
    story with a crisis phrase takes its author to the helplines first."""
    from forum.boards.models import Board
    from forum.extensions import db

    with app.app_context():
        board = Board(
            slug="epidurals",
            name="Epidurals",
            category="Treatments",
            description="",
            aliases=[],
            position=1,
            family="injection",
        )
        db.session.add(board)
        db.session.commit()
    login(client, make_user("hopeless-hal"))
    response = walk_report_form(
        client,
        "epidurals",
        {
            "title": "Third epidural, nothing changed",
            "body": "Some nights I feel better off dead.",
            "treatment": "epidurals",
            "shown_family": "injection",
            "pain_before": "8",
            "pain_best": "8",
            "pgic": "4",
            "has_conflict": "no",
            "visibility": "public",
        },
    )

    assert response.status_code == 302
    assert "/help/after-post/" in response.headers["Location"]
