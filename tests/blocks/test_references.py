"""A blocked member's mentions and quotes of the member who blocked them: the @name stays
plain text and tells nobody; a quote is not offered, refused with the text kept, and never
notified. Everyone else's mentions and quotes work as before."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.blocks.services import set_block
from forum.extensions import db
from forum.notifications.models import Notification
from forum.threads.models import Post, Thread
from forum.threads.services import edit_post, reply_to_thread
from tests.blocks.conftest import post_ids, thread_path
from tests.conftest import first_post_id, login


def _block(app, blocker, blocked):
    with app.app_context():
        set_block(db.session.get(User, blocker.id), db.session.get(User, blocked.id), True)


def _reply(app, author, thread, body) -> Post:
    with app.app_context():
        return reply_to_thread(
            db.session.get(User, author.id), db.session.get(Thread, thread.id), body
        )


def _told(app, user, kind: str | None = None) -> list[Notification]:
    with app.app_context():
        query = sa.select(Notification).where(Notification.user_id == user.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(db.session.scalars(query))


def test_a_blocked_members_mention_stays_text_and_tells_nobody(
    app, bea, fred, make_user, make_thread
):
    olive = make_user("olive-other")
    thread = make_thread(author=olive, title="Cooled RFA, six months on")
    _block(app, bea, fred)
    post = _reply(app, fred, thread, "What does @bea-blocks think? And @olive-other?")
    assert "@bea-blocks" in post.body_html
    assert 'href="/u/bea-blocks"' not in post.body_html
    assert 'href="/u/olive-other"' in post.body_html  # Olive did not block him
    assert _told(app, bea) == []
    assert [n.kind for n in _told(app, olive, "mention")] == ["mention"]


def test_anyone_else_still_mentions_the_blocker(app, bea, fred, make_user, make_thread):
    olive = make_user("olive-other")
    thread = make_thread(author=olive, title="Cooled RFA, six months on")
    _block(app, bea, fred)
    post = _reply(app, olive, thread, "Ask @bea-blocks, she had it done.")
    assert 'href="/u/bea-blocks"' in post.body_html
    assert [n.kind for n in _told(app, bea)] == ["mention"]


def test_the_blocker_may_still_mention_the_member_they_blocked(
    app, bea, fred, make_user, make_thread
):
    """A block keeps Fred away from Bea; it does not stop Bea naming him."""
    thread = make_thread(author=make_user("olive-other"))
    _block(app, bea, fred)
    post = _reply(app, bea, thread, "I disagree with @fred here.")
    assert 'href="/u/fred"' in post.body_html
    assert [n.kind for n in _told(app, fred)] == ["mention"]


def test_an_edit_that_adds_the_mention_tells_nobody_either(app, bea, fred, make_user, make_thread):
    thread = make_thread(author=make_user("olive-other"))
    _block(app, bea, fred)
    post = _reply(app, fred, thread, "Nothing to see.")
    with app.app_context():
        mine = db.session.get(Post, post.id)
        mine.thread = db.session.get(Thread, thread.id)
        edited = edit_post(db.session.get(User, fred.id), mine, "Hey @bea-blocks", mine.version)
        assert 'href="/u/bea-blocks"' not in edited.body_html
    assert _told(app, bea) == []


def test_a_moderators_edit_of_the_blocked_members_post_links_nothing_new(
    app, bea, fred, moderator, make_user, make_thread
):
    """The mention is rendered as the post's author may write it, whoever edits."""
    thread = make_thread(author=make_user("olive-other"))
    _block(app, bea, fred)
    post = _reply(app, fred, thread, "Hey @bea-blocks, look at this.")
    with app.app_context():
        his = db.session.get(Post, post.id)
        his.thread = db.session.get(Thread, thread.id)
        edited = edit_post(
            db.session.get(User, moderator.id), his, "Hey @bea-blocks, look.", his.version
        )
        assert 'href="/u/bea-blocks"' not in edited.body_html


def test_the_quote_link_is_not_offered_on_the_blockers_posts(
    app, client, bea, fred, make_user, make_thread, make_post
):
    olive = make_user("olive-other")
    thread = make_thread(author=bea, title="Bea's pulsed RF diary")
    make_post(thread, author=olive, body="Olive's answer.")
    beas_post, olives_post = post_ids(app, thread)
    _block(app, bea, fred)
    login(client, fred)
    page = client.get(thread_path(app, thread)).get_data(as_text=True)
    assert f"quote={beas_post}" not in page
    assert f"quote={olives_post}" in page
    # Nothing on the page says why: Bea's post reads as to anyone.
    assert "blocked" not in page.lower()


def test_the_reply_form_does_not_quote_the_blocker_and_says_so(app, client, bea, fred, make_thread):
    thread = make_thread(author=bea, title="Bea's pulsed RF diary")
    beas_post = first_post_id(app, thread)
    _block(app, bea, fred)
    login(client, fred)
    response = client.get(f"/t/{thread.id}/reply?quote={beas_post}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "That post cannot be quoted." in page
    assert "bea-blocks wrote" not in page


def test_a_reply_quoting_the_blocker_is_refused_with_the_text_kept(
    app, client, bea, fred, make_thread
):
    thread = make_thread(author=bea, title="Bea's pulsed RF diary", body="My own words.")
    beas_post = first_post_id(app, thread)
    _block(app, bea, fred)
    login(client, fred)
    typed = f"[bea-blocks wrote](/p/{beas_post}):\n> My own words.\n\nFred's unkind answer."
    response = client.post(f"/t/{thread.id}/reply", data={"body": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "That post cannot be quoted." in page
    assert "Fred&#39;s unkind answer." in page or "Fred's unkind answer." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1
    assert _told(app, bea) == []


def test_others_quote_the_blocker_and_she_is_told(app, client, bea, fred, make_user, make_thread):
    olive = make_user("olive-other")
    thread = make_thread(author=bea, title="Bea's pulsed RF diary")
    beas_post = first_post_id(app, thread)
    _block(app, bea, fred)
    _reply(app, olive, thread, f"[bea-blocks wrote](/p/{beas_post}):\n> First post.\n\nSame here.")
    assert [n.kind for n in _told(app, bea, "quote")] == ["quote"]


def test_a_quote_written_before_the_block_tells_nobody_when_edited(
    app, bea, fred, make_user, make_thread
):
    """Fred quoted Bea before she blocked him; his edit that keeps the quote is refused
    too (he may not quote her now), and nothing of it reaches her."""
    thread = make_thread(author=make_user("olive-other"))
    beas = make_thread(author=bea, title="Bea's own thread")
    beas_post = first_post_id(app, beas)
    quote = f"[bea-blocks wrote](/p/{beas_post}):\n> First post.\n\n"
    post = _reply(app, fred, thread, quote + "Agreed.")
    with app.app_context():
        db.session.execute(sa.delete(Notification))
        db.session.commit()
    _block(app, bea, fred)
    with app.app_context():
        from forum.notifications.fanout import notify_references

        # The fan-out alone, as a listener of an edit runs it: no quote notice for Bea.
        notify_references(db.session.get(Post, post.id))
        db.session.commit()
    assert _told(app, bea) == []


def test_rendering_every_post_again_keeps_a_blocked_members_mention_plain(
    app, bea, fred, make_user, make_thread
):
    """`flask forum rerender` renders each post as its author may write it."""
    thread = make_thread(author=make_user("olive-other"))
    post = _reply(app, fred, thread, "Ping @bea-blocks and @olive-other.")
    _block(app, bea, fred)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["forum", "rerender"])
        assert result.exit_code == 0, result.output
        html = db.session.get(Post, post.id).body_html
    assert 'href="/u/bea-blocks"' not in html
    assert 'href="/u/olive-other"' in html
