"""Flagging posts: who may flag what, when flags hide a post, what each reader then sees,
a member's own flags, and the bad actor kept out of the moderators' tools.

The factories write through a session of their own; service tests call them before their
own session first reads and re-fetch what they need with db.session.get."""

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.moderation import services
from forum.moderation.models import Flag, ModerationAction, Sanction
from forum.moderation.sanctions import appeal_sanction, impose_sanction
from forum.threads.models import Post, Thread
from tests.conftest import age_accounts, first_post_id, login

REASONS = [
    "spam",
    "harassment",
    "misinformation",
    "promotion",
    "private_information",
    "self_harm",
    "other",
]
PLACEHOLDER = "hidden pending moderator review"

# -- helpers ---------------------------------------------------------------------------


def _flag(user, post_id: int, reason: str = "spam", note: str = "") -> Flag:
    """Flag through the service, in the caller's app context, with fresh objects."""
    return services.flag_post(
        db.session.get(User, user.id), db.session.get(Post, post_id), reason, note
    )


def _flag_in(app, user, post_id: int, reason: str = "spam", note: str = "") -> None:
    with app.app_context():
        _flag(user, post_id, reason, note)


def _state(post_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Post, post_id).state


def _flags(post_id: int) -> list[Flag]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Flag).where(Flag.post_id == post_id)))


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _page(client, thread) -> str:
    response = client.get(f"/t/{thread.id}/{thread.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no {name} textarea on the page"
    return unescape(match.group(1)).strip()


@pytest.fixture
def target(make_user, make_thread):
    """A post by its author, to be flagged."""
    author = make_user("author-ann")
    thread = make_thread(author=author, title="Radiofrequency ablation", body="Try my clinic")
    return author, thread


# -- what a flag needs ------------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_is_accepted(app, app_ctx, make_user, target, reason):
    author, thread = target
    flagger = make_user()
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)

    _flag(flagger, post_id, reason, note="Looks wrong to me")

    [flag] = _flags(post_id)
    assert flag.reason == reason
    assert flag.note == "Looks wrong to me"
    assert flag.flagger_id == flagger.id
    assert flag.outcome is None
    assert flag.is_urgent is (reason == "self_harm")


@pytest.mark.parametrize("note", ["", "   \n "])
def test_other_needs_a_note(app, app_ctx, make_user, target, note):
    _, thread = target
    flagger = make_user()
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)

    with pytest.raises(DomainError) as refused:
        _flag(flagger, post_id, "other", note)

    assert refused.value.field == "note"
    assert "say what is wrong" in refused.value.message
    assert _flags(post_id) == []


@pytest.mark.parametrize("reason", ["", "rude", "Spam", "self-harm"])
def test_an_unknown_reason_is_refused(app, app_ctx, make_user, target, reason):
    _, thread = target
    flagger = make_user()
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)

    with pytest.raises(DomainError) as refused:
        _flag(flagger, post_id, reason, "a note")

    assert refused.value.field == "reason"
    assert _flags(post_id) == []


def test_an_account_younger_than_24_hours_cannot_flag(app, app_ctx, make_user, target):
    _, thread = target
    newcomer, day_old = make_user(), make_user()
    age_accounts(app, newcomer, hours=23)
    age_accounts(app, day_old, hours=25)
    post_id = first_post_id(app, thread)

    with pytest.raises(NotAllowed) as refused:
        _flag(newcomer, post_id)
    assert "24 hours" in refused.value.message
    assert _flags(post_id) == []

    _flag(day_old, post_id)
    assert [flag.flagger_id for flag in _flags(post_id)] == [day_old.id]


def test_a_new_moderator_may_flag_at_once(app, app_ctx, make_user, target):
    _, thread = target
    new_moderator = make_user("mod-new", role="moderator")  # created just now
    post_id = first_post_id(app, thread)

    _flag(new_moderator, post_id, "harassment")

    assert [flag.flagger_id for flag in _flags(post_id)] == [new_moderator.id]


def test_a_member_cannot_flag_their_own_post(app, app_ctx, target):
    author, thread = target
    age_accounts(app, author)
    post_id = first_post_id(app, thread)

    with pytest.raises(DomainError) as refused:
        _flag(author, post_id)

    assert "your own post" in refused.value.message
    assert _flags(post_id) == []


@pytest.mark.parametrize("state", ["hidden", "deleted"])
def test_a_hidden_or_removed_post_cannot_be_flagged(app, app_ctx, make_user, target, state):
    _, thread = target
    flagger = make_user()
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)
    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == post_id).values(state=state))
        db.session.commit()

    with pytest.raises(DomainError) as refused:
        _flag(flagger, post_id)

    assert "already hidden or removed" in refused.value.message
    assert _flags(post_id) == []


def test_a_member_cannot_flag_the_same_post_twice_while_it_is_open(app, app_ctx, make_user, target):
    _, thread = target
    flagger = make_user()
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)
    _flag(flagger, post_id, "spam")

    with pytest.raises(Conflict) as refused:
        _flag(flagger, post_id, "harassment", "and rude")

    assert "already flagged this post" in refused.value.message
    assert [flag.reason for flag in _flags(post_id)] == ["spam"]


@pytest.mark.parametrize("decision", ["keep", "hide"])
def test_after_a_decision_the_same_member_may_flag_again(
    app, app_ctx, make_user, target, moderator, decision
):
    _, thread = target
    flagger = make_user()
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)
    first = _flag(flagger, post_id, "spam")
    services.decide_on_post(
        db.session.get(User, moderator.id), db.session.get(Post, post_id), decision, "", [first.id]
    )
    if decision == "hide":
        services.restore_post(db.session.get(User, moderator.id), db.session.get(Post, post_id))

    _flag(flagger, post_id, "promotion", "Still advertising")

    flags = _flags(post_id)
    assert len(flags) == 2
    assert [flag.outcome for flag in sorted(flags, key=lambda f: f.id)] == [
        services.DECISIONS[decision],
        None,
    ]


def test_the_daily_limit_refuses_the_third_flag(make_app, make_user, make_thread):
    limited = make_app(FLAG_DAILY_LIMIT=2)
    flagger = make_user()
    threads = [make_thread(title=f"Thread number {n}") for n in range(4)]
    age_accounts(limited, flagger)
    post_ids = [first_post_id(limited, thread) for thread in threads]
    with limited.app_context():
        _flag(flagger, post_ids[0])
        _flag(flagger, post_ids[1])
        with pytest.raises(NotAllowed) as refused:
            _flag(flagger, post_ids[2])
        assert "today's limit" in refused.value.message
        assert _flags(post_ids[2]) == []

        # The limit is per day: flags older than a day no longer count.
        db.session.execute(
            sa.update(Flag)
            .where(Flag.flagger_id == flagger.id)
            .values(created_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
        _flag(flagger, post_ids[3])
        assert len(_flags(post_ids[3])) == 1


def test_the_daily_limit_does_not_bind_moderators(make_app, make_user, make_thread, moderator):
    limited = make_app(FLAG_DAILY_LIMIT=2)
    threads = [make_thread(title=f"Thread number {n}") for n in range(3)]
    post_ids = [first_post_id(limited, thread) for thread in threads]
    with limited.app_context():
        for post_id in post_ids:
            _flag(moderator, post_id)
        assert all(len(_flags(post_id)) == 1 for post_id in post_ids)


# -- flags that hide a post -------------------------------------------------------------


def test_the_threshold_counts_distinct_members(app, app_ctx, make_user, target):
    author, thread = target
    flaggers = [make_user() for _ in range(3)]
    age_accounts(app, *flaggers)
    post_id = first_post_id(app, thread)

    _flag(flaggers[0], post_id, "spam")
    _flag(flaggers[1], post_id, "promotion")
    assert _state(post_id) == "visible"
    assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0

    _flag(flaggers[2], post_id, "misinformation")
    assert _state(post_id) == "hidden"
    assert db.session.get(Post, post_id).moderation_reason is None  # pending review
    [entry] = db.session.scalars(sa.select(ModerationAction)).all()
    assert entry.action == "hide_on_flags"
    assert entry.actor_id is None  # automatic
    assert (entry.target_type, entry.target_id) == ("post", post_id)
    assert entry.subject_user_id == author.id


def test_one_member_flagging_twice_counts_once(make_app, make_user, target):
    strict = make_app(FLAG_HIDE_THRESHOLD=2)
    _, thread = target
    flagger = make_user()
    age_accounts(strict, flagger)
    post_id = first_post_id(strict, thread)
    with strict.app_context():
        _flag(flagger, post_id, "spam")
        with pytest.raises(Conflict):
            _flag(flagger, post_id, "harassment", "again")
        assert _state(post_id) == "visible"


def test_declined_flags_do_not_count_towards_hiding(make_app, make_user, target, moderator):
    strict = make_app(FLAG_HIDE_THRESHOLD=2)
    _, thread = target
    first, second = make_user(), make_user()
    age_accounts(strict, first, second)
    post_id = first_post_id(strict, thread)
    with strict.app_context():
        flag = _flag(first, post_id, "spam")
        services.decide_on_post(
            db.session.get(User, moderator.id), db.session.get(Post, post_id), "keep", "", [flag.id]
        )
        _flag(second, post_id, "spam")
        assert _state(post_id) == "visible"


def test_a_moderators_flag_hides_at_once(app, app_ctx, target, moderator):
    author, thread = target
    post_id = first_post_id(app, thread)

    _flag(moderator, post_id, "harassment")

    assert _state(post_id) == "hidden"
    [entry] = db.session.scalars(sa.select(ModerationAction)).all()
    assert entry.action == "hide_on_flags"
    assert entry.actor_id == moderator.id
    assert entry.subject_user_id == author.id


def test_members_flags_never_hide_a_moderators_post(
    app, app_ctx, make_user, make_thread, moderator
):
    thread = make_thread(author=moderator, title="Board rules and medical disclaimer")
    flaggers = [make_user() for _ in range(4)]
    age_accounts(app, *flaggers)
    post_id = first_post_id(app, thread)

    for flagger in flaggers:
        _flag(flagger, post_id, "harassment")

    assert _state(post_id) == "visible"
    assert len(_flags(post_id)) == 4  # recorded for review all the same
    assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0


def test_self_harm_flags_never_hide_and_make_the_item_urgent(
    app, app_ctx, make_user, target, moderator
):
    _, thread = target
    flaggers = [make_user() for _ in range(4)]
    age_accounts(app, *flaggers)
    post_id = first_post_id(app, thread)

    for flagger in flaggers:
        _flag(flagger, post_id, "self_harm", "They said goodbye")

    assert _state(post_id) == "visible"
    assert all(flag.is_urgent for flag in _flags(post_id))
    [item] = services.list_queue(db.session.get(User, moderator.id))
    assert item.post.id == post_id
    assert item.is_urgent
    assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0


def test_a_self_harm_flag_does_not_count_towards_hiding(app, app_ctx, make_user, target):
    _, thread = target
    flaggers = [make_user() for _ in range(3)]
    age_accounts(app, *flaggers)
    post_id = first_post_id(app, thread)

    _flag(flaggers[0], post_id, "self_harm")
    _flag(flaggers[1], post_id, "spam")
    _flag(flaggers[2], post_id, "spam")

    assert _state(post_id) == "visible"


def test_a_moderators_self_harm_flag_does_not_hide(app, app_ctx, target, moderator):
    _, thread = target
    post_id = first_post_id(app, thread)

    _flag(moderator, post_id, "self_harm")

    assert _state(post_id) == "visible"
    assert _flags(post_id)[0].is_urgent


# -- what readers see of a hidden post ---------------------------------------------------


@pytest.fixture
def hidden_by_flags(app, make_user, make_thread, make_post):
    """A reply hidden by three members' flags, pending review."""
    author = make_user("author-hal")
    thread = make_thread(title="Spinal cord stimulator, year two", body="Opening post.")
    post_id = make_post(thread, author, "Order the secret cure from my shop").id
    flaggers = [make_user() for _ in range(3)]
    age_accounts(app, *flaggers)
    for flagger in flaggers:
        _flag_in(app, flagger, post_id, "promotion")
    with app.app_context():
        assert db.session.get(Post, post_id).state == "hidden"
    return author, thread, post_id


def test_visitors_and_other_members_see_a_placeholder(app, hidden_by_flags, fred):
    _, thread, _ = hidden_by_flags
    for client in (app.test_client(), _client(app, fred)):
        page = _page(client, thread)
        assert PLACEHOLDER in page
        assert "secret cure" not in page
        assert "Opening post." in page  # the rest of the thread is still there


def test_other_ways_to_a_hidden_post_do_not_show_it(app, hidden_by_flags, fred):
    _, thread, post_id = hidden_by_flags
    client = _client(app, fred)
    pages = {
        "flag form": client.get(f"/p/{post_id}/flag"),
        "quote": client.get(f"/t/{thread.id}/reply?quote={post_id}"),
        "history": client.get(f"/p/{post_id}/history"),
        "visitor history": app.test_client().get(f"/p/{post_id}/history"),
    }
    leaks = [name for name, response in pages.items() if "secret cure" in _text(response)]
    assert leaks == []


def test_the_author_sees_their_hidden_post_with_a_notice(app, hidden_by_flags):
    author, thread, _ = hidden_by_flags
    page = _page(_client(app, author), thread)
    assert "secret cure" in page
    assert "Others see a placeholder" in page
    assert "waits for a moderator" in page


def test_moderators_see_the_hidden_post(app, hidden_by_flags, moderator):
    _, thread, post_id = hidden_by_flags
    client = _client(app, moderator)
    page = _page(client, thread)
    assert "secret cure" in page
    assert f'action="/moderation/posts/{post_id}/restore"' in page
    log = client.get("/moderation/log?action=hide_on_flags").get_data(as_text=True)
    assert "hide_on_flags" in log
    assert f"post {post_id}" in log
    assert "author-hal" in log


# -- flagging through the pages ---------------------------------------------------------


def test_flagging_through_the_form(app, make_user, target):
    _, thread = target
    flagger = make_user("careful-carol")
    age_accounts(app, flagger)
    post_id = first_post_id(app, thread)
    client = _client(app, flagger)

    form = client.get(f"/p/{post_id}/flag")
    assert form.status_code == 200
    for label in ("Spam", "Harassment or abuse", "Someone may be at risk of self-harm", "Other"):
        assert label in _text(form)

    response = client.post(
        f"/p/{post_id}/flag", data={"reason": "misinformation", "note": "Dosage is wrong"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#p{post_id}")
    assert "Moderators will review this post" in _text(client.get(response.headers["Location"]))
    with app.app_context():
        [flag] = _flags(post_id)
        assert (flag.reason, flag.note, flag.flagger_id) == (
            "misinformation",
            "Dosage is wrong",
            flagger.id,
        )


def test_the_flag_form_needs_a_login(app, target):
    _, thread = target
    post_id = first_post_id(app, thread)
    response = app.test_client().post(f"/p/{post_id}/flag", data={"reason": "spam"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        assert _flags(post_id) == []


def _refused(client, post_id, data, status, message):
    response = client.post(f"/p/{post_id}/flag", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:2000]
    assert message in unescape(html)
    assert _textarea(html, "note") == data.get("note", "")
    return html


def test_refusals_through_the_form_keep_the_note(app, make_user, target, fred):
    author, thread = target
    post_id = first_post_id(app, thread)
    newcomer = make_user()  # just signed up
    flagger = make_user()
    age_accounts(app, author, fred, flagger)

    _refused(
        _client(app, newcomer),
        post_id,
        {"reason": "spam", "note": "Just joined and this is spam"},
        403,
        "New accounts can flag posts after 24 hours",
    )
    _refused(
        _client(app, flagger),
        post_id,
        {"reason": "other", "note": ""},
        422,
        "Please say what is wrong with this post.",
    )
    _refused(
        _client(app, flagger),
        post_id,
        {"reason": "made-up", "note": "Odd reason"},
        422,
        "Not a valid choice",
    )
    _refused(
        _client(app, author),
        post_id,
        {"reason": "spam", "note": "Flagging myself"},
        422,
        "You cannot flag your own post",
    )
    with app.app_context():
        assert _flags(post_id) == []


def test_flagging_twice_through_the_form_is_refused_and_keeps_the_note(app, target, fred):
    _, thread = target
    post_id = first_post_id(app, thread)
    age_accounts(app, fred)
    client = _client(app, fred)
    assert client.post(f"/p/{post_id}/flag", data={"reason": "spam"}).status_code == 302

    _refused(
        client,
        post_id,
        {"reason": "harassment", "note": "Second try from fred"},
        409,
        "You have already flagged this post",
    )
    with app.app_context():
        assert [flag.reason for flag in _flags(post_id)] == ["spam"]


def test_flagging_a_hidden_post_through_the_form_is_refused(app, hidden_by_flags, fred):
    _, _, post_id = hidden_by_flags
    age_accounts(app, fred)
    _refused(
        _client(app, fred),
        post_id,
        {"reason": "spam", "note": "Pile on"},
        422,
        "already hidden or removed",
    )
    with app.app_context():
        assert fred.id not in {flag.flagger_id for flag in _flags(post_id)}


def test_the_daily_limit_through_the_form(make_app, make_user, make_thread):
    limited = make_app(FLAG_DAILY_LIMIT=2)
    flagger = make_user()
    threads = [make_thread(title=f"Thread number {n}") for n in range(3)]
    age_accounts(limited, flagger)
    post_ids = [first_post_id(limited, thread) for thread in threads]
    client = _client(limited, flagger)
    for post_id in post_ids[:2]:
        assert client.post(f"/p/{post_id}/flag", data={"reason": "spam"}).status_code == 302
    _refused(
        client,
        post_ids[2],
        {"reason": "spam", "note": "Third today"},
        403,
        "You have reached today's limit of flags",
    )


# -- a member's own flags ---------------------------------------------------------------


def test_settings_lists_my_flags_with_the_outcome(app, make_user, make_thread, moderator):
    flagger = make_user("watchful-wes")
    age_accounts(app, flagger)
    upheld_thread = make_thread(title="Buy cheap pills here", body="Advert")
    declined_thread = make_thread(title="My honest nerve block review", body="It helped")
    waiting_thread = make_thread(title="Still waiting thread", body="Hmm")
    ids = {
        name: first_post_id(app, thread)
        for name, thread in (
            ("upheld", upheld_thread),
            ("declined", declined_thread),
            ("waiting", waiting_thread),
        )
    }
    _flag_in(app, flagger, ids["upheld"], "promotion")
    _flag_in(app, flagger, ids["declined"], "misinformation")
    _flag_in(app, flagger, ids["waiting"], "other", "Odd tone")
    mod = _client(app, moderator)
    with app.app_context():
        flag_ids = {name: [f.id for f in _flags(post_id)] for name, post_id in ids.items()}
    for name, decision, reason in (
        ("upheld", "hide", "Advertising"),
        ("declined", "keep", "A personal account is fine"),
    ):
        response = mod.post(
            f"/moderation/posts/{ids[name]}/decide",
            data={"decision": decision, "reason": reason, "flag_ids": flag_ids[name][0]},
        )
        assert response.status_code == 302

    page = _text(_client(app, flagger).get("/settings/flags"))

    listing = re.search(r'<ol class="recent-posts">(.*?)</ol>', page, re.S)
    assert listing, page
    items = re.findall(r"<li>(.*?)</li>", listing.group(1), re.S)
    assert len(items) == 3
    by_title = {
        title: next(item for item in items if title in item)
        for title in ("Buy cheap pills here", "My honest nerve block review", "Still waiting")
    }
    upheld = by_title["Buy cheap pills here"]
    assert "Commercial promotion" in upheld
    assert "moderators agreed (Advertising)" in upheld
    declined = by_title["My honest nerve block review"]
    assert "Medical misinformation" in declined
    assert "moderators kept the post (A personal account is fine)" in declined
    assert "Waiting for a moderator" in by_title["Still waiting"]


def test_my_flags_shows_only_my_own(app, make_user, target, fred):
    _, thread = target
    other = make_user()
    age_accounts(app, other, fred)
    _flag_in(app, other, first_post_id(app, thread), "spam")
    page = _client(app, fred).get("/settings/flags").get_data(as_text=True)
    assert "You have not flagged any post" in page
    assert "Radiofrequency ablation" not in page


# -- the bad actor and visitors ----------------------------------------------------------


@pytest.fixture
def moderation_targets(app, make_user, make_thread, make_board, moderator):
    """A hidden post with an open flag, a thread, another board, a member, and an appeal."""
    victim = make_user("victim-vic")
    thread = make_thread(author=victim, title="Victim's thread", body="Sincere account")
    board = make_board(slug="other-board")
    post_id = first_post_id(app, thread)
    _flag_in(app, moderator, post_id, "spam")  # hides it at once
    with app.app_context():
        sanction = impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, victim.id),
            "warning",
            "Be kind",
            None,
        )
        appeal = appeal_sanction(db.session.get(User, victim.id), sanction, "This was unfair.")
        flag_id = _flags(post_id)[0].id
        return {
            "thread": thread,
            "post_id": post_id,
            "flag_id": flag_id,
            "board": board,
            "victim": victim,
            "appeal_id": appeal.id,
        }


def _moderation_posts(targets) -> list[tuple[str, dict]]:
    post_id, thread_id = targets["post_id"], targets["thread"].id
    tools = f"/moderation/threads/{thread_id}"
    return [
        (
            f"/moderation/posts/{post_id}/decide",
            {"decision": "keep", "reason": "", "flag_ids": str(targets["flag_id"])},
        ),
        (f"/moderation/posts/{post_id}/decide", {"decision": "delete", "reason": "x"}),
        (f"/moderation/posts/{post_id}/restore", {"reason": "I like it"}),
        (f"{tools}?tool=lock", {"reason": "x"}),
        (f"{tools}?tool=pin", {"reason": "x"}),
        (f"{tools}?tool=move", {"move-board": "other-board", "move-reason": "x"}),
        (f"{tools}?tool=rename", {"rename-title": "Pwned by fred", "rename-reason": "x"}),
        (
            f"/moderation/members/{targets['victim'].display_name}",
            {"kind": "ban", "reason": "Because I can"},
        ),
        ("/moderation/members/mod-maria", {"kind": "ban", "reason": "Revenge"}),
        (f"/moderation/appeals/{targets['appeal_id']}", {"decision": "overturned"}),
    ]


def _snapshot(targets) -> tuple:
    db.session.expire_all()
    post = db.session.get(Post, targets["post_id"])
    thread = db.session.get(Thread, targets["thread"].id)
    return (
        post.state,
        post.body_source,
        thread.title,
        thread.board_id,
        thread.is_locked,
        thread.is_pinned,
        db.session.scalar(sa.select(sa.func.count(Sanction.id))),
        db.session.scalar(sa.select(sa.func.count(ModerationAction.id))),
        tuple(db.session.scalars(sa.select(Flag.outcome).order_by(Flag.id))),
        tuple(db.session.scalars(sa.select(User.banned_at).order_by(User.id))),
    )


def test_fred_cannot_reach_the_moderation_pages(app, moderation_targets, fred):
    client = _client(app, fred)
    thread_id = moderation_targets["thread"].id
    for path in (
        "/moderation",
        "/moderation/log",
        "/moderation/log?member=victim-vic",
        f"/moderation/threads/{thread_id}",
        "/moderation/members/victim-vic",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Sincere account" not in response.get_data(as_text=True)


def test_fred_cannot_use_the_moderation_tools(app, moderation_targets, fred):
    client = _client(app, fred)
    with app.app_context():
        before = _snapshot(moderation_targets)
    for path, data in _moderation_posts(moderation_targets):
        assert client.post(path, data=data).status_code == 403, path
    with app.app_context():
        assert _snapshot(moderation_targets) == before


def test_visitors_are_sent_to_sign_in(app, moderation_targets):
    client = app.test_client()
    thread_id = moderation_targets["thread"].id
    with app.app_context():
        before = _snapshot(moderation_targets)
    for path in ("/moderation", "/moderation/log", f"/moderation/threads/{thread_id}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    for path, data in _moderation_posts(moderation_targets):
        response = client.post(path, data=data)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    with app.app_context():
        assert _snapshot(moderation_targets) == before
