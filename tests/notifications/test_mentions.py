"""@mentions and quotes: rendered links (forum/content.py) and the members told of them."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.content import find_references, quote_markdown, render_markdown
from forum.extensions import db, utcnow
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, edit_post, reply_to_thread
from tests.conftest import first_post_id, login
from tests.notifications.support import kinds_of, notifications_of, post_state, watch

REL = "nofollow ugc noopener noreferrer"


# -- rendering -----------------------------------------------------------------------------


def test_a_known_name_links_to_the_profile():
    html = render_markdown("Thanks @Alice.Smith, that helped.", {"alice.smith"})
    assert html == (
        f'<p>Thanks <a href="/u/Alice.Smith" rel="{REL}">@Alice.Smith</a>, that helped.</p>'
    )


def test_matching_is_case_insensitive():
    assert '<a href="/u/ALICE"' in render_markdown("@ALICE hi", {"alice"})


def test_an_unknown_name_stays_plain_text():
    assert render_markdown("Ask @nobody or @alice", {"alice"}) == (
        f'<p>Ask @nobody or <a href="/u/alice" rel="{REL}">@alice</a></p>'
    )


@pytest.mark.parametrize(
    "source",
    [
        "Run `@alice` in the shell",
        "```\n@alice\n```",
        "    @alice indented code",
        "[ask @alice](https://example.org)",
        "write to me@alice.org",
        "see https://example.org/@alice",
        "@al",  # too short to be a pseudonym
    ],
)
def test_no_mention_in_code_links_or_addresses(source):
    html = render_markdown(source, {"alice", "al"})
    assert "/u/" not in html
    assert "alice" not in find_references(source).mentions


def test_a_mention_cannot_smuggle_markup():
    html = render_markdown('@alice"onmouseover="x <b>', {"alice"})
    assert (
        html
        == f'<p><a href="/u/alice" rel="{REL}">@alice</a>&quot;onmouseover=&quot;x &lt;b&gt;</p>'
    )


def test_references_find_mentions_and_quoted_posts():
    source = quote_markdown("Mention of @carol inside the quote", "bob", "/p/17")
    source += "Agreed, @Dave and @dave. See also [this](https://elsewhere.example/p/9)."
    refs = find_references(source)
    assert refs.mentions == {"dave"}  # once; names inside a quote are not mentions
    assert refs.quoted_post_ids == {17}  # only posts on this site


def test_rendering_without_names_links_nothing():
    assert render_markdown("@alice") == "<p>@alice</p>"


# -- who is told ------------------------------------------------------------------------------


def _reply(app, author, thread, body: str) -> Post:
    with app.app_context():
        post = reply_to_thread(
            db.session.get(User, author.id), db.session.get(Thread, thread.id), body
        )
        db.session.expunge(post)
        return post


def test_a_mentioned_member_is_told_once_and_the_post_links_them(app, make_user, make_thread):
    alice, writer = make_user("alice"), make_user("writer")
    thread = make_thread(title="Burst DRG settings")
    post = _reply(app, writer, thread, "@alice did you try @Alice's settings? @nobody knows.")
    assert post.body_html.count('href="/u/alice"') + post.body_html.count('href="/u/Alice"') == 2
    assert "@nobody" in post.body_html and "/u/nobody" not in post.body_html
    [seen] = notifications_of(app, alice)
    assert (seen.kind, seen.post_id, seen.actor_id) == ("mention", post.id, writer.id)
    assert seen.summary == "writer mentioned you in “Burst DRG settings”"
    assert seen.path == f"/p/{post.id}"


def test_no_notification_for_mentioning_oneself(app, make_user, make_thread):
    writer = make_user("writer")
    thread = make_thread()
    post = _reply(app, writer, thread, "As @writer said before")
    assert 'href="/u/writer"' in post.body_html
    assert kinds_of(app, writer) == []


def test_no_notification_for_a_name_in_code(app, make_user, make_thread):
    alice = make_user("alice")
    thread = make_thread()
    _reply(app, make_user(), thread, "Type `@alice` then\n\n```\n@alice\n```")
    assert kinds_of(app, alice) == []


def test_deleted_members_are_neither_linked_nor_told(app, make_user, make_thread):
    gone = make_user("gone-member")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == gone.id).values(deleted_at=utcnow()))
        db.session.commit()
    post = _reply(app, make_user(), make_thread(), "Where is @gone-member?")
    assert "/u/" not in post.body_html
    assert kinds_of(app, gone) == []


def test_an_edit_that_adds_a_mention_tells_only_the_new_name(app, make_user, make_thread):
    alice, bob, writer = make_user("alice"), make_user("bob"), make_user("writer")
    thread = make_thread()
    post = _reply(app, writer, thread, "Hello @alice")
    with app.app_context():
        edit_post(
            db.session.get(User, writer.id),
            db.session.get(Post, post.id),
            "Hello @alice and @bob",
            post.version,
        )
    assert kinds_of(app, alice) == ["mention"]  # not told twice
    assert kinds_of(app, bob) == ["mention"]


def test_a_hidden_post_tells_nobody_even_when_edited(app, make_user, make_thread, moderator):
    alice, writer = make_user("alice"), make_user("writer")
    post = _reply(app, writer, make_thread(), "Nothing to see")
    with app.app_context():
        stored = db.session.get(Post, post.id)
        stored.state = "hidden"
        db.session.commit()
        edit_post(db.session.get(User, moderator.id), stored, "Now with @alice", stored.version)
    assert post_state(app, post.id) == "hidden"
    assert kinds_of(app, alice) == []


def test_at_most_ten_members_are_told_of_one_post(app, make_user, make_thread):
    names = [make_user(f"crowd{n:02d}").display_name for n in range(12)]
    _reply(app, make_user(), make_thread(), " ".join(f"@{name}" for name in names))
    told = [name for name in names if kinds_of(app, _user(app, name))]
    assert len(told) == 10


# -- quotes -------------------------------------------------------------------------------------


def test_quoting_a_post_tells_its_author(app, client, make_user, make_thread):
    pat, quoter = make_user("pat"), make_user("quoter")
    thread = make_thread(author=pat, title="Ketamine infusions")
    quoted_id = first_post_id(app, thread)
    login(client, quoter)
    form = client.get(f"/t/{thread.id}/reply?quote={quoted_id}").get_data(as_text=True)
    assert f"(/p/{quoted_id})" in form  # the quote links back to the post
    body = quote_markdown("First post.", "pat", f"/p/{quoted_id}") + "Same for me."
    response = client.post(f"/t/{thread.id}/reply", data={"body": body})
    assert response.status_code == 302

    quote = [n for n in notifications_of(app, pat) if n.kind == "quote"]
    assert len(quote) == 1
    assert quote[0].actor_id == quoter.id
    assert quote[0].summary == "quoter quoted your post in “Ketamine infusions”"
    # pat also watches the thread (started it): one post, one notification, the quote
    assert kinds_of(app, pat) == ["quote"]


def test_quoting_oneself_or_a_removed_post_tells_nobody(app, make_user, make_thread):
    pat = make_user("pat")
    thread = make_thread(author=pat)
    quoted_id = first_post_id(app, thread)
    _reply(app, pat, thread, quote_markdown("x", "pat", f"/p/{quoted_id}") + "me again")
    assert "quote" not in kinds_of(app, pat)

    other = make_user()
    removed = _reply(app, other, thread, "to be removed")
    with app.app_context():
        db.session.get(Post, removed.id).state = "deleted"
        db.session.commit()
    _reply(app, pat, thread, f"[other wrote](/p/{removed.id}): gone")
    assert kinds_of(app, other) == ["reply"]  # a reply in a thread they watch, no quote


def _user(app, name: str):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.display_name == name))
        db.session.expunge(user)
        return user


# -- one post, one notification per member --------------------------------------------------


def test_a_reply_that_mentions_quotes_and_answers_a_watcher_tells_them_once(
    app, make_user, make_thread, make_post
):
    """Mention outranks quote, which outranks reply (forum/notifications/fanout.py)."""
    pat, writer = make_user("pat"), make_user("writer")
    thread = make_thread(author=pat, title="Genicular RFA")  # pat watches it
    quoted_id = first_post_id(app, thread)
    body = quote_markdown("First post.", "pat", f"/p/{quoted_id}") + "Same here, @pat."

    post = _reply(app, writer, thread, body)

    [seen] = notifications_of(app, pat)
    assert (seen.kind, seen.post_id, seen.actor_id) == ("mention", post.id, writer.id)
    assert seen.summary == "writer mentioned you in “Genicular RFA”"

    # The next plain reply is a reply again, and the mention did not count as one.
    make_post(thread, author=writer)
    assert [(n.kind, n.count) for n in notifications_of(app, pat)] == [
        ("mention", 1),
        ("reply", 1),
    ]


def test_a_quote_outranks_a_reply_and_a_mention_a_new_thread(
    app, make_user, make_board, make_thread
):
    pat, dee, writer = make_user("pat"), make_user("dee"), make_user("writer")
    thread = make_thread(author=pat, title="Genicular RFA")
    quoted_id = first_post_id(app, thread)
    _reply(app, writer, thread, quote_markdown("First post.", "pat", f"/p/{quoted_id}") + "Yes.")
    assert kinds_of(app, pat) == ["quote"]

    board = make_board()
    watch(app, dee, board=board)
    with app.app_context():
        create_thread(
            db.session.get(User, writer.id),
            board,
            "Asking @dee",
            "Which, @dee?",
            visibility="public",
        )
    assert kinds_of(app, dee) == ["mention"]


def test_each_member_still_hears_of_a_post_for_their_own_reason(app, make_user, make_thread):
    pat, alice, watcher, writer = (make_user(n) for n in ("pat", "alice", "watcher", "writer"))
    thread = make_thread(author=pat, title="Genicular RFA")
    watch(app, alice, thread=thread)
    watch(app, watcher, thread=thread)
    quoted_id = first_post_id(app, thread)
    body = quote_markdown("First post.", "pat", f"/p/{quoted_id}") + "Ask @alice too."

    post = _reply(app, writer, thread, body)

    for member, kind in ((pat, "quote"), (alice, "mention"), (watcher, "reply")):
        [seen] = notifications_of(app, member)
        assert (seen.kind, seen.post_id) == (kind, post.id), member.display_name


def test_an_edit_does_not_tell_a_member_the_post_already_told(app, make_user, make_thread):
    pat, writer = make_user("pat"), make_user("writer")
    thread = make_thread(author=pat)
    quoted_id = first_post_id(app, thread)
    post = _reply(app, writer, thread, quote_markdown("x", "pat", f"/p/{quoted_id}") + "Hm.")
    with app.app_context():
        edit_post(
            db.session.get(User, writer.id),
            db.session.get(Post, post.id),
            quote_markdown("x", "pat", f"/p/{quoted_id}") + "Hm, @pat?",
            post.version,
        )
    assert kinds_of(app, pat) == ["quote"]
