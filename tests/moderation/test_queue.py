"""The moderators' side: the review queue, decisions on posts, edits, thread tools and
the append-only moderation log, through the pages a moderator uses."""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

import forum
from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation import services
from forum.moderation.models import Flag, ModerationAction
from forum.moderation.sanctions import impose_sanction
from forum.threads.models import Post, PostRevision, Thread
from tests.conftest import age_accounts, first_post_id, login

# -- helpers ---------------------------------------------------------------------------


def _flag(app, user, post_id: int, reason: str = "spam", note: str = "", ago=None) -> int:
    """A flag through the service; `ago` backdates it (a timedelta)."""
    with app.app_context():
        flag = services.flag_post(
            db.session.get(User, user.id), db.session.get(Post, post_id), reason, note
        )
        if ago is not None:
            flag.created_at = utcnow() - ago
            db.session.commit()
        return flag.id


def _hold_for_approval(app, post_id: int, written=None) -> None:
    """Make a thread's first post wait for approval, set directly in the database."""
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.state = "pending"
        if written is not None:
            post.created_at = written
        db.session.get(Thread, post.thread_id).is_hidden = True
        db.session.commit()


def _warn(app, moderator, member, reason: str = "Be kind") -> None:
    with app.app_context():
        impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, member.id),
            "warning",
            reason,
            None,
        )


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _queue_items(html: str) -> dict[int, str]:
    """The queue's items in page order: post id -> the item's HTML (unescaped)."""
    found = re.findall(
        r'<article class="post queue-item[^"]*" aria-labelledby="q(\d+)">(.*?)</article>',
        html,
        re.S,
    )
    return {int(post_id): unescape(body) for post_id, body in found}


def _shown_flag_ids(html: str, post_id: int) -> str:
    """The flag ids the decision form for a post carries, as the browser would send them."""
    match = re.search(
        rf'action="/moderation/posts/{post_id}/decide".*?name="flag_ids" value="([^"]*)"',
        html,
        re.S,
    )
    assert match, f"post {post_id} is not in the queue"
    return match.group(1)


def _decide(client, post_id: int, decision: str, reason: str = "", follow=False):
    """Load the queue and press a decision button on a post, as a moderator would."""
    flag_ids = _shown_flag_ids(client.get("/moderation").get_data(as_text=True), post_id)
    return client.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": decision, "reason": reason, "flag_ids": flag_ids},
        follow_redirects=follow,
    )


def _thread_page(client, thread_id: int) -> str:
    with client.application.app_context():
        thread = db.session.get(Thread, thread_id)
        path = f"/t/{thread.id}/{thread.slug}"
    response = client.get(path)
    assert response.status_code == 200
    return _text(response)


def _log(target: tuple[str, int] | None = None, action: str | None = None) -> list:
    """Log entries, oldest first, about a ("post"|"thread", id) target and/or of an action."""
    db.session.expire_all()
    query = sa.select(ModerationAction).order_by(ModerationAction.id)
    if target is not None:
        query = query.where(
            ModerationAction.target_type == target[0], ModerationAction.target_id == target[1]
        )
    if action is not None:
        query = query.where(ModerationAction.action == action)
    return list(db.session.scalars(query))


def _flag_outcomes(post_id: int) -> list:
    db.session.expire_all()
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Flag.outcome, Flag.outcome_reason, Flag.resolved_by_id)
            .where(Flag.post_id == post_id)
            .order_by(Flag.id)
        )
    ]


@pytest.fixture
def flaggers(app, make_user):
    people = [make_user(f"flagger-{n}") for n in range(3)]
    age_accounts(app, *people)
    return people


@pytest.fixture
def hidden_post(app, make_user, make_thread, make_post, flaggers):
    """A reply that three members flagged, hidden pending review; returns its author, thread
    and post id."""
    author = make_user("author-abe")
    thread = make_thread(title="Botox for migraine: my diary", body="Opening post.")
    post_id = make_post(thread, author, "Buy my miracle cure at my shop").id
    for flagger, reason in zip(flaggers, ("promotion", "spam", "promotion"), strict=True):
        _flag(app, flagger, post_id, reason)
    with app.app_context():
        assert db.session.get(Post, post_id).state == "hidden"
    return author, thread, post_id


# -- the queue -------------------------------------------------------------------------


def test_the_queue_shows_urgent_items_first_then_the_oldest(
    app, make_user, make_thread, flaggers, moderator
):
    def post_of(title):
        return first_post_id(app, make_thread(title=title))

    newer = post_of("Newer flagged thread")
    older = post_of("Older flagged thread")
    urgent_recent = post_of("Recent urgent thread")
    urgent_earlier = post_of("Earlier urgent thread")
    pending = post_of("Pending first post")
    decided = post_of("Already decided thread")
    _flag(app, flaggers[0], newer, "spam", ago=timedelta(hours=1))
    _flag(app, flaggers[0], older, "spam", ago=timedelta(hours=5))
    _flag(app, flaggers[1], older, "harassment", ago=timedelta(minutes=30))
    _flag(app, flaggers[0], urgent_recent, "self_harm", ago=timedelta(minutes=5))
    _flag(app, flaggers[1], urgent_earlier, "spam", ago=timedelta(hours=2))
    _flag(app, flaggers[2], urgent_earlier, "self_harm", ago=timedelta(minutes=20))
    decided_flag = _flag(app, flaggers[0], decided, "spam", ago=timedelta(hours=9))
    _hold_for_approval(app, pending, written=utcnow() - timedelta(hours=3))
    with app.app_context():
        services.decide_on_post(
            db.session.get(User, moderator.id),
            db.session.get(Post, decided),
            "keep",
            "",
            [decided_flag],
        )

    response = _client(app, moderator).get("/moderation")

    assert response.status_code == 200
    items = _queue_items(response.get_data(as_text=True))
    # Urgent first (oldest flag first among them), then everything else by its oldest flag
    # (or, for a post awaiting approval, by when it was written).
    assert list(items) == [urgent_earlier, urgent_recent, older, pending, newer]
    assert "Urgent: possible risk of self-harm" in items[urgent_earlier]
    assert "Urgent: possible risk of self-harm" in items[urgent_recent]
    assert "Urgent" not in items[older]
    assert "Pending first post" in items[pending]
    assert "awaiting approval" in items[pending]
    assert "0 flags" in items[pending]


def test_each_item_shows_what_a_moderator_needs(app, make_user, make_thread, flaggers, moderator):
    veteran = make_user("author-vera")
    newcomer = make_user("author-newt")
    age_accounts(app, veteran, hours=24 * 3 + 1)
    veteran_post = first_post_id(
        app, make_thread(author=veteran, title="Genicular nerve ablation results", body="Hi")
    )
    newcomer_post = first_post_id(
        app, make_thread(author=newcomer, title="Ketamine infusion questions", body="Hello")
    )
    _warn(app, moderator, veteran, "Stay on topic")
    _warn(app, moderator, veteran, "No advertising")
    _warn(app, moderator, newcomer, "Be kind")
    _flag(app, flaggers[0], veteran_post, "promotion", "Clinic link in the signature")
    _flag(app, flaggers[1], veteran_post, "misinformation", "Says it cures arthritis")
    _flag(app, flaggers[2], newcomer_post, "other", "Feels like a sock puppet")

    items = _queue_items(_client(app, moderator).get("/moderation").get_data(as_text=True))

    vera = items[veteran_post]
    assert "Genicular nerve ablation results" in vera
    assert "author-vera" in vera
    assert re.search(r"member since <time[^>]*>3 days ago</time>", vera)
    assert "2 prior sanctions" in vera
    assert "2 flags" in vera
    assert "Commercial promotion" in vera
    assert "Clinic link in the signature" in vera
    assert "Medical misinformation or advice stated as fact" in vera
    assert "Says it cures arthritis" in vera
    assert "flagger-0" in vera and "flagger-1" in vera
    newt = items[newcomer_post]
    assert "Ketamine infusion questions" in newt
    assert "author-newt" in newt
    assert re.search(r"member since <time[^>]*>just now</time>", newt)
    assert re.search(r"\b1 prior sanction\b(?!s)", newt)
    assert "1 flag<" in newt
    assert "Other" in newt and "Feels like a sock puppet" in newt
    assert "Clinic link" not in newt


def test_the_queue_is_empty_when_nothing_waits(app, moderator):
    page = _text(_client(app, moderator).get("/moderation"))
    assert "Nothing waits for review" in page
    assert _queue_items(page) == {}


# -- decisions -------------------------------------------------------------------------


def _assert_logged(entry, moderator, post_id, author, action, reason, before, after, flags):
    assert entry.action == action
    assert entry.actor_id == moderator.id
    assert (entry.target_type, entry.target_id) == ("post", post_id)
    assert entry.subject_user_id == author.id
    assert entry.reason == reason
    assert entry.details["before"] == before
    assert entry.details["after"] == after
    if flags is not None:
        assert entry.details["flags"] == flags


def _log_rows(html: str) -> list[list[str]]:
    """The log table's rows as lists of cell texts."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", unescape(cell)).split())
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_keep_declines_the_flags_and_restores_the_hidden_post(app, hidden_post, moderator):
    author, thread, post_id = hidden_post
    mod = _client(app, moderator)

    response = _decide(mod, post_id, "keep", "A personal account is allowed", follow=True)

    assert "Decision recorded: keep" in _text(response)
    assert post_id not in _queue_items(response.get_data(as_text=True))
    visitor = _thread_page(app.test_client(), thread.id)
    assert "miracle cure" in visitor
    assert "hidden pending moderator review" not in visitor
    with app.app_context():
        assert db.session.get(Post, post_id).state == "visible"
        assert (
            _flag_outcomes(post_id)
            == [("declined", "A personal account is allowed", moderator.id)] * 3
        )
        [entry] = _log(("post", post_id), "post_keep")
        _assert_logged(
            entry,
            moderator,
            post_id,
            author,
            "post_keep",
            "A personal account is allowed",
            "hidden",
            "visible",
            3,
        )
    [row] = _log_rows(mod.get("/moderation/log?action=post_keep").get_data(as_text=True))
    assert row[1:5] == ["mod-maria", "post_keep", f"post {post_id}", "author-abe"]
    assert "A personal account is allowed" in row[5]
    assert "before: hidden" in row[5] and "after: visible" in row[5]


def test_hide_upholds_the_flags_and_the_author_sees_why(app, hidden_post, moderator, fred):
    author, thread, post_id = hidden_post
    mod = _client(app, moderator)

    response = _decide(mod, post_id, "hide", "Advertising a clinic", follow=True)

    assert "Decision recorded: hide" in _text(response)
    author_page = _thread_page(_client(app, author), thread.id)
    assert "Hidden by a moderator: Advertising a clinic" in author_page
    assert "miracle cure" in author_page
    for reader in (app.test_client(), _client(app, fred)):
        page = _thread_page(reader, thread.id)
        assert "Post hidden by a moderator" in page
        assert "miracle cure" not in page
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.state, post.moderation_reason) == ("hidden", "Advertising a clinic")
        assert _flag_outcomes(post_id) == [("upheld", "Advertising a clinic", moderator.id)] * 3
        [entry] = _log(("post", post_id), "post_hide")
        _assert_logged(
            entry,
            moderator,
            post_id,
            author,
            "post_hide",
            "Advertising a clinic",
            "hidden",
            "hidden",
            3,
        )


def test_hide_works_on_a_post_that_was_still_visible(app, make_thread, flaggers, moderator):
    thread = make_thread(title="A lone flag thread", body="Mildly rude post")
    post_id = first_post_id(app, thread)
    _flag(app, flaggers[0], post_id, "harassment")
    _decide(_client(app, moderator), post_id, "hide", "Rude")
    page = _thread_page(app.test_client(), thread.id)
    assert "Post hidden by a moderator" in page
    assert "Mildly rude post" not in page
    with app.app_context():
        [entry] = _log(("post", post_id), "post_hide")
        assert (entry.details["before"], entry.details["after"]) == ("visible", "hidden")


def test_delete_leaves_a_placeholder_and_a_moderator_can_restore(app, hidden_post, moderator):
    author, thread, post_id = hidden_post
    mod = _client(app, moderator)

    _decide(mod, post_id, "delete", "Spam link")

    visitor = _thread_page(app.test_client(), thread.id)
    assert "Post removed by a moderator" in visitor
    assert "miracle cure" not in visitor
    assert "Removed by a moderator: Spam link" in _thread_page(_client(app, author), thread.id)
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.state, post.deleted_by_id) == ("deleted", moderator.id)
        assert _flag_outcomes(post_id) == [("upheld", "Spam link", moderator.id)] * 3
        [entry] = _log(("post", post_id), "post_delete")
        _assert_logged(
            entry, moderator, post_id, author, "post_delete", "Spam link", "hidden", "deleted", 3
        )
    mod_page = _thread_page(mod, thread.id)
    assert f'action="/moderation/posts/{post_id}/restore"' in mod_page

    response = mod.post(f"/moderation/posts/{post_id}/restore", data={"reason": "On appeal"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#p{post_id}")
    visitor = _thread_page(app.test_client(), thread.id)
    assert "miracle cure" in visitor
    assert "removed by a moderator" not in visitor.lower()
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.state, post.deleted_by_id, post.moderation_reason) == ("visible", None, None)
        [entry] = _log(("post", post_id), "post_restore")
        _assert_logged(
            entry,
            moderator,
            post_id,
            author,
            "post_restore",
            "On appeal",
            "deleted",
            "visible",
            None,
        )


def test_restoring_a_visible_post_is_refused(app, make_thread, moderator):
    thread = make_thread(title="Nothing wrong here", body="Fine post")
    post_id = first_post_id(app, thread)
    mod = _client(app, moderator)
    response = mod.post(f"/moderation/posts/{post_id}/restore", data={}, follow_redirects=True)
    assert "This post is not hidden or deleted" in _text(response)
    with app.app_context():
        assert _log(("post", post_id)) == []


def test_a_moderator_edit_keeps_the_replaced_version(app, make_user, make_thread, make_post):
    author = make_user("author-ed")
    moderator = make_user("mod-mo", role="moderator")
    thread = make_thread(title="Occipital nerve block", body="Opening post.")
    post_id = make_post(thread, author, "Call me on 555-0100, Dr Smith's patient list").id
    mod = _client(app, moderator)
    form = mod.get(f"/p/{post_id}/edit")
    assert form.status_code == 200
    version = re.search(r'name="version"[^>]*value="(\d+)"', form.get_data(as_text=True))
    assert version, "no version field on the edit form"

    response = mod.post(
        f"/p/{post_id}/edit",
        data={"body": "[phone number removed by a moderator]", "version": version.group(1)},
    )

    assert response.status_code == 302
    assert "phone number removed" in _thread_page(app.test_client(), thread.id)
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.body_source == "[phone number removed by a moderator]"
        assert post.edited_by_id == moderator.id
        [revision] = db.session.scalars(
            sa.select(PostRevision).where(PostRevision.post_id == post_id)
        ).all()
        assert revision.replaced_by_moderator is True
        assert revision.editor_id == author.id
        assert "555-0100" in revision.body_source


def test_an_authors_own_edit_is_not_marked_as_a_moderators(app, make_user, make_thread, make_post):
    author = make_user("author-own")
    thread = make_thread(title="Epidural steroid injection", body="Opening post.")
    post_id = make_post(thread, author, "Frist version").id
    client = _client(app, author)
    assert (
        client.post(f"/p/{post_id}/edit", data={"body": "First version", "version": "1"})
    ).status_code == 302
    with app.app_context():
        [revision] = db.session.scalars(
            sa.select(PostRevision).where(PostRevision.post_id == post_id)
        ).all()
        assert revision.replaced_by_moderator is False


# -- two moderators on the same item ---------------------------------------------------


def test_the_second_moderator_is_told_who_decided_first(app, make_user, hidden_post, moderator):
    _, thread, post_id = hidden_post
    second = make_user("mod-max", role="moderator")
    maria, max_ = _client(app, moderator), _client(app, second)
    maria_ids = _shown_flag_ids(maria.get("/moderation").get_data(as_text=True), post_id)
    max_ids = _shown_flag_ids(max_.get("/moderation").get_data(as_text=True), post_id)
    assert maria_ids == max_ids != ""

    first = maria.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": "hide", "reason": "Advertising", "flag_ids": maria_ids},
    )
    second_try = max_.post(
        f"/moderation/posts/{post_id}/decide",
        data={"decision": "keep", "reason": "Looks fine", "flag_ids": max_ids},
        follow_redirects=True,
    )

    assert first.status_code == 302
    assert "Already handled by mod-maria" in _text(second_try)
    assert "Decision recorded" not in _text(second_try)
    assert "miracle cure" not in _thread_page(app.test_client(), thread.id)
    with app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.state, post.moderation_reason) == ("hidden", "Advertising")
        assert _flag_outcomes(post_id) == [("upheld", "Advertising", moderator.id)] * 3
        assert [e.action for e in _log(("post", post_id)) if e.action.startswith("post_")] == [
            "post_hide"
        ]


def _shown_version(page: str, post_id: int) -> str:
    """The post version the queue's decision form carries (what this moderator saw)."""
    form = page[page.index(f'action="/moderation/posts/{post_id}/decide"') :]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


def test_the_second_moderator_cannot_overturn_a_decided_pending_post(
    app, make_user, make_thread, moderator
):
    """A post awaiting approval has no flags: the first decision must still stand."""
    thread = make_thread(title="A first post held for approval", body="Hello everyone")
    post_id = first_post_id(app, thread)
    _hold_for_approval(app, post_id)
    second = make_user("mod-max", role="moderator")
    maria, max_ = _client(app, moderator), _client(app, second)
    maria_page = maria.get("/moderation").get_data(as_text=True)
    max_page = max_.get("/moderation").get_data(as_text=True)

    maria.post(
        f"/moderation/posts/{post_id}/decide",
        data={
            "decision": "keep",
            "reason": "",
            "flag_ids": _shown_flag_ids(maria_page, post_id),
            "version": _shown_version(maria_page, post_id),
        },
    )
    second_try = max_.post(
        f"/moderation/posts/{post_id}/decide",
        data={
            "decision": "delete",
            "reason": "Spam",
            "flag_ids": _shown_flag_ids(max_page, post_id),
            "version": _shown_version(max_page, post_id),
        },
        follow_redirects=True,
    )

    assert "Already handled by mod-maria" in _text(second_try)
    with app.app_context():
        assert db.session.get(Post, post_id).state == "visible"
        assert [e.action for e in _log(("post", post_id))] == ["post_keep"]


# -- thread tools ----------------------------------------------------------------------


def _tool(client, thread_id: int, tool: str, **data):
    return client.post(f"/moderation/threads/{thread_id}?tool={tool}", data=data)


def test_a_locked_thread_refuses_replies(app, make_thread, member, moderator):
    thread = make_thread(title="Heated argument thread", body="Opening post.")
    mod = _client(app, moderator)
    reader = _client(app, member)

    response = _tool(mod, thread.id, "lock", reason="Cooling off")

    assert response.status_code == 302
    assert "This thread is locked" in _thread_page(reader, thread.id)
    refused = reader.post(f"/t/{thread.id}/reply", data={"body": "One more thing!"})
    assert refused.status_code == 403
    assert "This thread is locked" in _text(refused)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.thread_id == thread.id))
            == 1
        )
        [entry] = _log(("thread", thread.id), "thread_lock")
        assert (entry.actor_id, entry.target_type, entry.reason) == (
            moderator.id,
            "thread",
            "Cooling off",
        )
        assert entry.subject_user_id == thread.author_id

    assert _tool(mod, thread.id, "unlock", reason="Calm again").status_code == 302
    assert reader.post(f"/t/{thread.id}/reply", data={"body": "Thanks"}).status_code == 302
    with app.app_context():
        assert len(_log(("thread", thread.id), "thread_unlock")) == 1


def _board_titles(client, slug: str) -> list[str]:
    html = client.get(f"/b/{slug}").get_data(as_text=True)
    return [unescape(t) for t in re.findall(r'class="thread-title"[^>]*>(.*?)</a>', html)]


def test_a_pinned_thread_is_listed_first(app, make_board, make_thread, moderator):
    board = make_board(slug="pinning")
    oldest = make_thread(board=board, title="Read this first: board guide")
    make_thread(board=board, title="Middle thread here")
    make_thread(board=board, title="Newest thread here")
    mod = _client(app, moderator)
    visitor = app.test_client()
    assert _board_titles(visitor, "pinning")[0] == "Newest thread here"

    assert _tool(mod, oldest.id, "pin", reason="Guide").status_code == 302

    assert _board_titles(visitor, "pinning") == [
        "Read this first: board guide",
        "Newest thread here",
        "Middle thread here",
    ]
    assert _tool(mod, oldest.id, "unpin").status_code == 302
    assert _board_titles(visitor, "pinning")[-1] == "Read this first: board guide"
    with app.app_context():
        assert [e.action for e in _log(("thread", oldest.id))] == ["thread_pin", "thread_unpin"]
        assert _log(("thread", oldest.id))[0].reason == "Guide"


def _board_state(board_id: int) -> tuple:
    db.session.expire_all()
    board = db.session.get(Board, board_id)
    return (board.thread_count, board.post_count, board.last_thread_id, board.last_post_at)


def _recount(board_id: int) -> tuple:
    """The same facts counted afresh from the threads and posts tables. A thread waiting for
    approval (hidden) and a reply without a place yet count nowhere."""
    shown = sa.and_(Thread.board_id == board_id, ~Thread.is_hidden)
    thread_count = db.session.scalar(sa.select(sa.func.count(Thread.id)).where(shown))
    post_count = db.session.scalar(
        sa.select(sa.func.count(Post.id)).join(Thread).where(shown, Post.position.is_not(None))
    )
    latest = db.session.execute(
        sa.select(Thread.id, Thread.last_post_at)
        .where(shown)
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(1)
    ).first()
    return (
        thread_count,
        post_count,
        latest.id if latest else None,
        latest.last_post_at if latest else None,
    )


def _sync_board(board_id: int) -> None:
    """Set a board's counters to the recount (after changing posts in the database)."""
    thread_count, post_count, last_thread_id, last_post_at = _recount(board_id)
    db.session.execute(
        sa.update(Board)
        .where(Board.id == board_id)
        .values(
            thread_count=thread_count,
            post_count=post_count,
            last_thread_id=last_thread_id,
            last_post_at=last_post_at,
        )
    )
    db.session.commit()


def test_moving_a_thread_keeps_both_boards_right(
    app, make_board, make_thread, make_post, moderator
):
    source = make_board(slug="source-board", name="Source board")
    target = make_board(slug="target-board", name="Target board")
    staying = make_thread(board=source, title="Thread that stays")
    make_post(staying)
    elsewhere = make_thread(board=target, title="Thread already there")
    make_post(elsewhere)
    moving = make_thread(board=source, title="Thread that moves")
    make_post(moving)
    make_post(moving)  # the latest activity of both boards
    with app.app_context():
        assert _board_state(source.id) == _recount(source.id)
        assert _board_state(source.id)[:3] == (2, 5, moving.id)
    mod = _client(app, moderator)

    response = _tool(
        mod, moving.id, "move", **{"move-board": "target-board", "move-reason": "Wrong board"}
    )

    assert response.status_code == 302
    with app.app_context():
        assert _board_state(source.id) == _recount(source.id)
        assert _board_state(target.id) == _recount(target.id)
        assert _board_state(source.id)[:3] == (1, 2, staying.id)
        assert _board_state(target.id)[:3] == (2, 5, moving.id)
        assert db.session.get(Thread, moving.id).board_id == target.id
        [entry] = _log(("thread", moving.id), "thread_move")
        assert (entry.actor_id, entry.reason) == (moderator.id, "Wrong board")
        assert (entry.details["before"], entry.details["after"]) == (source.id, target.id)
    assert "Thread that moves" in _board_titles(app.test_client(), "target-board")
    assert "Thread that moves" not in _board_titles(app.test_client(), "source-board")
    assert "Target board" in _thread_page(app.test_client(), moving.id)

    # Moving the last thread away leaves the source board empty, not pointing at it.
    _tool(mod, staying.id, "move", **{"move-board": "target-board", "move-reason": ""})
    with app.app_context():
        assert _board_state(source.id) == _recount(source.id) == (0, 0, None, None)
        assert _board_state(target.id) == _recount(target.id)
        assert _board_state(target.id)[:3] == (3, 7, moving.id)


def test_moving_a_thread_awaiting_approval_keeps_counts_right(
    app, make_board, make_thread, moderator
):
    """A held thread counts nowhere: moving it changes no counter, approving it later
    counts it once, on the board it is on by then."""
    source = make_board(slug="source-board")
    target = make_board(slug="target-board")
    make_thread(board=source, title="Visible source thread")
    make_thread(board=target, title="Visible target thread")
    waiting = make_thread(board=source, title="A new member's first thread")
    post_id = first_post_id(app, waiting)
    _hold_for_approval(app, post_id)
    with app.app_context():
        _sync_board(source.id)  # as a held thread would be: never counted
        before = {board.id: _board_state(board.id) for board in (source, target)}
        assert before[source.id][:2] == (1, 1)
    mod = _client(app, moderator)

    response = _tool(mod, waiting.id, "move", **{"move-board": "target-board"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Thread, waiting.id).board_id == target.id
        assert _board_state(source.id) == _recount(source.id) == before[source.id]
        assert _board_state(target.id) == _recount(target.id) == before[target.id]

    _decide(mod, post_id, "keep")

    with app.app_context():
        assert _board_state(source.id) == _recount(source.id)
        assert _board_state(target.id) == _recount(target.id)
        assert _board_state(source.id)[:2] == (1, 1)
        assert _board_state(target.id)[:3] == (2, 2, waiting.id)


def test_moving_to_an_unknown_board_changes_nothing(app, make_board, make_thread, moderator):
    board = make_board(slug="home-board")
    thread = make_thread(board=board, title="A thread to keep")
    mod = _client(app, moderator)
    response = _tool(mod, thread.id, "move", **{"move-board": "no-such-board"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Thread, thread.id).board_id == board.id
        assert _board_state(board.id) == _recount(board.id)
        assert _log(("thread", thread.id)) == []


def test_renaming_a_thread(app, make_thread, moderator):
    thread = make_thread(title="HELP!!!!!", body="Opening post.")
    mod = _client(app, moderator)

    response = _tool(
        mod,
        thread.id,
        "rename",
        **{"rename-title": "Help with a failed nerve block", "rename-reason": "Clearer title"},
    )

    assert response.status_code == 302
    assert "<h1>Help with a failed nerve block</h1>" in _thread_page(app.test_client(), thread.id)
    with app.app_context():
        assert db.session.get(Thread, thread.id).title == "Help with a failed nerve block"
        [entry] = _log(("thread", thread.id), "thread_rename")
        assert (entry.actor_id, entry.reason) == (moderator.id, "Clearer title")
        assert (entry.details["before"], entry.details["after"]) == (
            "HELP!!!!!",
            "Help with a failed nerve block",
        )

    short = _tool(mod, thread.id, "rename", **{"rename-title": "Hi"})
    assert short.status_code == 422
    with app.app_context():
        assert db.session.get(Thread, thread.id).title == "Help with a failed nerve block"
        assert len(_log(("thread", thread.id))) == 1


# -- the log ---------------------------------------------------------------------------


def test_the_log_lists_newest_first_and_filters(app, make_user, make_thread, flaggers, moderator):
    other_mod = make_user("mod-max", role="moderator")
    author_a = make_user("author-a")
    author_b = make_user("author-b")
    post_a = first_post_id(app, make_thread(author=author_a, title="Thread by author a"))
    thread_b = make_thread(author=author_b, title="Thread by author b")
    _flag(app, flaggers[0], post_a, "spam")
    maria, max_ = _client(app, moderator), _client(app, other_mod)
    _decide(maria, post_a, "hide", "Spam link")
    _tool(max_, thread_b.id, "lock", reason="Flame war")
    _tool(maria, thread_b.id, "pin", reason="Useful")

    def rows(query: str = "") -> list[tuple[str, str, str]]:
        response = maria.get(f"/moderation/log{query}")
        assert response.status_code == 200
        return [(r[1], r[2], r[4]) for r in _log_rows(response.get_data(as_text=True))]

    assert rows() == [
        ("mod-maria", "thread_pin", "author-b"),
        ("mod-max", "thread_lock", "author-b"),
        ("mod-maria", "post_hide", "author-a"),
    ]
    assert rows("?moderator=mod-max") == [("mod-max", "thread_lock", "author-b")]
    assert rows("?moderator=mod-maria") == [
        ("mod-maria", "thread_pin", "author-b"),
        ("mod-maria", "post_hide", "author-a"),
    ]
    assert rows("?member=author-a") == [("mod-maria", "post_hide", "author-a")]
    assert rows("?action=thread_lock") == [("mod-max", "thread_lock", "author-b")]
    assert rows("?moderator=mod-maria&member=author-b") == [("mod-maria", "thread_pin", "author-b")]
    assert rows("?action=post_delete") == []
    page = maria.get("/moderation/log?action=thread_lock").get_data(as_text=True)
    assert "Flame war" in page
    assert f"thread {thread_b.id}" in page


@pytest.mark.parametrize("name", ["moderator", "member"])
def test_filtering_the_log_by_an_unknown_name_shows_no_entries(
    app, make_user, make_thread, moderator, name
):
    """A typo in the filter must not look as if that name did (or suffered) everything."""
    thread = make_thread(author=make_user("author-c"), title="Thread by author c")
    maria = _client(app, moderator)
    _tool(maria, thread.id, "lock", reason="Flame war")
    assert len(_log_rows(maria.get("/moderation/log").get_data(as_text=True))) == 1

    page = maria.get(f"/moderation/log?{name}=nobody-by-this-name").get_data(as_text=True)

    assert _log_rows(page) == []
    assert "No entries." in page


def test_no_route_can_change_the_log(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/moderation/log")]
    assert rules, "the log has no page"
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, (rule.rule, rule.methods)


_LOG_WRITES = [
    re.compile(r"(?:sa\.)?(?:update|delete)\(\s*ModerationAction\b"),
    re.compile(r"ModerationAction\b[^\n]*\.(?:update|delete)\("),
    re.compile(r"query\(\s*ModerationAction\b[^)]*\)[\s\S]{0,200}?\.(?:update|delete)\("),
    re.compile(r"(?:UPDATE|DELETE\s+FROM)\s+\"?moderation_actions\b", re.I),
    re.compile(r"moderation_actions\b[^\n]*\.(?:update|delete)\("),
    re.compile(r"session\.delete\(\s*(?:entry|action|log_entry)\b"),
]


def _log_writes(source: str) -> list[str]:
    return [match.group(0) for pattern in _LOG_WRITES for match in pattern.finditer(source)]


def test_the_source_never_updates_or_deletes_log_entries():
    # The patterns catch the usual ways of writing it.
    for sample in (
        "db.session.execute(sa.update(ModerationAction).values(reason=''))",
        "db.session.execute(sa.delete(ModerationAction).where(ModerationAction.id == 1))",
        "ModerationAction.query.filter_by(id=1).delete()",
        "db.session.query(ModerationAction).filter(x).update({'reason': ''})",
        'db.session.execute(sa.text("DELETE FROM moderation_actions"))',
        "ModerationAction.__table__.delete()",
    ):
        assert _log_writes(sample), sample
    package = Path(forum.__file__).parent
    offenders = {
        str(path.relative_to(package)): found
        for path in sorted(package.rglob("*.py"))
        if (found := _log_writes(path.read_text()))
    }
    assert offenders == {}


# -- the queue's cost ------------------------------------------------------------------


def _flagged_posts(app, moderator, flaggers, make_user, make_thread, count: int) -> None:
    for n in range(count):
        author = make_user()
        post_id = first_post_id(app, make_thread(author=author, title=f"Flagged thread {n}"))
        _warn(app, moderator, author)
        _flag(app, flaggers[0], post_id, "spam", "Looks like spam")
        _flag(app, flaggers[1], post_id, "self_harm" if n % 4 == 0 else "promotion")


def test_the_queue_runs_the_same_statements_whatever_its_size(
    app, make_user, make_thread, flaggers, moderator, count_queries
):
    mod = _client(app, moderator)
    counts = {}
    for size, added in (("2", 2), ("12", 10)):
        _flagged_posts(app, moderator, flaggers, make_user, make_thread, added)
        with count_queries() as statements:
            response = mod.get("/moderation")
        assert response.status_code == 200
        assert len(_queue_items(response.get_data(as_text=True))) == int(size)
        counts[size] = len(statements)
    assert counts["2"] == counts["12"], counts
    assert counts["12"] <= 8, counts
