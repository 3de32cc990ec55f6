"""Blocking through the pages: the profile's button, the settings list, the folded post on
a thread page, what the blocked member and visitors see (nothing), and the bad actor."""

import re

import sqlalchemy as sa

from forum.accounts.models import User
from forum.blocks.models import Block
from forum.blocks.services import set_block
from forum.extensions import db
from forum.notifications.models import Notification
from tests.blocks.conftest import post_ids, press, thread_path
from tests.conftest import login


def _text(response) -> str:
    return response.get_data(as_text=True)


def _button(html: str) -> str | None:
    """The label of the profile's Block / Unblock button, or None when none is offered."""
    match = re.search(r'class="block-form".*?<button[^>]*>(\w+)</button>', html, re.S)
    return match.group(1) if match else None


def _blocks(app) -> list[tuple[int, int]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(sa.select(Block.blocker_id, Block.blocked_id))]


def test_a_member_blocks_from_the_profile_and_unblocks_there(app, client, bea, fred):
    login(client, bea)
    page = _text(client.get("/u/fred"))
    assert _button(page) == "Block"
    assert 'aria-pressed="false"' in page
    assert "They are not told." in page  # what blocking does, before pressing
    response = press(client, "fred", "y")
    assert response.status_code == 302
    assert response.headers["Location"] == "/u/fred"
    page = _text(client.get("/u/fred"))
    assert "You blocked fred. They are not told." in page
    assert _button(page) == "Unblock"
    assert 'aria-pressed="true"' in page
    assert _blocks(app) == [(bea.id, fred.id)]
    press(client, "fred", "y")  # the same button pressed twice
    assert _blocks(app) == [(bea.id, fred.id)]
    press(client, "fred", "n")
    assert _blocks(app) == []
    assert "You unblocked fred." in _text(client.get("/u/fred"))


def test_the_button_is_not_offered_where_blocking_is_not_allowed(
    app, client, bea, moderator, make_user
):
    make_user("admin-ada", role="admin")
    login(client, bea)
    assert _button(_text(client.get("/u/bea-blocks"))) is None  # oneself
    assert _button(_text(client.get("/u/mod-maria"))) is None
    assert _button(_text(client.get("/u/admin-ada"))) is None
    visitor = app.test_client()
    assert _button(_text(visitor.get("/u/bea-blocks"))) is None
    login(visitor, moderator)  # a moderator blocks nobody
    assert _button(_text(visitor.get("/u/bea-blocks"))) is None


def test_blocking_a_moderator_is_refused_with_a_plain_reason(app, client, bea, moderator):
    login(client, bea)
    response = press(client, "mod-maria", "y")
    assert response.status_code == 403
    assert "Moderators and admins cannot be blocked" in _text(response)
    assert _blocks(app) == []


def test_blocking_oneself_or_no_one_is_refused(app, client, bea):
    login(client, bea)
    assert press(client, "bea-blocks", "y").status_code == 403
    assert press(client, "nobody-here", "y").status_code == 404
    assert press(client, "fred", "maybe").status_code in (400, 404)
    assert _blocks(app) == []


def test_visitors_are_sent_to_sign_in(client, fred):
    assert press(client, "fred", "y").headers["Location"].startswith("/login?next=")
    assert client.get("/settings/blocks").headers["Location"].startswith("/login?next=")


def test_settings_list_whom_the_member_blocked_and_unblock_there(app, client, bea, fred, make_user):
    make_user("olive-other")
    login(client, bea)
    assert "Blocked members" in _text(client.get("/settings"))
    assert "You have not blocked anyone." in _text(client.get("/settings/blocks"))
    press(client, "fred", "y")
    page = _text(client.get("/settings/blocks"))
    assert 'href="/u/fred"' in page
    assert "olive-other" not in page
    token_free = re.search(r'action="/u/fred/block">(.*?)</form>', page, re.S).group(1)
    assert 'name="block" type="hidden" value="n"' in token_free
    response = press(client, "fred", "n", next="/settings/blocks")
    assert response.headers["Location"] == "/settings/blocks"
    page = _text(client.get("/settings/blocks"))
    assert "You unblocked fred." in page
    assert "You have not blocked anyone." in page


def test_the_way_back_is_a_path_on_this_site(app, client, bea, fred):
    login(client, bea)
    response = press(client, "fred", "y", next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_the_blocked_members_posts_fold_for_the_blocker_only(
    app, client, bea, fred, moderator, make_user, make_thread, make_post
):
    olive = make_user("olive-other")
    thread = make_thread(author=olive, title="Intrathecal pump refills")
    make_post(thread, author=fred, body="Fred's sharp remark.")
    make_post(thread, author=olive, body="Olive answers.")
    _, freds, olives = post_ids(app, thread)
    path = thread_path(app, thread)
    login(client, bea)
    press(client, "fred", "y")
    page = _text(client.get(path))
    fold = re.search(rf'<article[^>]*id="p{freds}".*?</article>', page, re.S).group(0)
    assert "post-folded" in fold
    assert "<details" in fold and "Post by a member you blocked" in fold
    assert ">Show<" in fold
    # The text is in the page, inside the fold: "Show" needs no request and no script.
    assert "Fred&#39;s sharp remark." in fold or "Fred's sharp remark." in fold
    olive_post = re.search(rf'<article[^>]*id="p{olives}".*?</article>', page, re.S).group(0)
    assert "Post by a member you blocked" not in olive_post
    assert page.count("Post by a member you blocked") == 1
    # Anyone else, moderators included, sees the post as it is.
    for viewer in (olive, fred, moderator):
        other = app.test_client()
        login(other, viewer)
        assert "Post by a member you blocked" not in _text(other.get(path))
    assert "Post by a member you blocked" not in _text(app.test_client().get(path))


def test_a_visitors_page_is_the_same_with_or_without_blocks(
    app, client, bea, fred, make_thread, make_post, one_minute
):
    thread = make_thread(author=bea, title="Spinal cord stimulator trial")
    make_post(thread, author=fred, body="Fred's reply.")
    path = thread_path(app, thread)
    visitor = app.test_client()
    before = visitor.get(path)
    login(client, bea)
    press(client, "fred", "y")
    after = app.test_client().get(path)
    assert after.headers.get("ETag") == before.headers.get("ETag")
    assert _text(after) == _text(before)
    again = app.test_client().get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 304


def test_the_blocked_member_is_never_told(app, client, bea, fred, make_thread, make_post):
    """Fred (the bad actor) is not notified, and nothing he can open says so: not Bea's
    profile, not his notifications, not the thread, not his own data."""
    thread = make_thread(author=bea, title="Radiofrequency ablation, round two")
    make_post(thread, author=fred, body="Fred's reply.")
    login(client, bea)
    press(client, "fred", "y")
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Notification)
                .where(Notification.user_id == fred.id)
            )
            == 0
        )
    his = app.test_client()
    login(his, fred)
    for path in ("/u/bea-blocks", "/notifications", thread_path(app, thread), "/settings/blocks"):
        page = _text(his.get(path)).lower()
        assert "blocked" not in page or path == "/settings/blocks", path
    assert "bea-blocks" not in _text(his.get("/settings/blocks"))


def test_fred_cannot_unblock_himself_or_read_anyones_list(app, client, bea, fred):
    """A block is the blocker's: Fred pressing Unblock on Bea's profile takes back only his
    own (none), and /settings/blocks only ever shows the member's own."""
    with app.app_context():
        set_block(db.session.get(User, bea.id), db.session.get(User, fred.id), True)
    login(client, fred)
    assert press(client, "bea-blocks", "n").status_code == 302
    assert _blocks(app) == [(bea.id, fred.id)]
    assert "You have not blocked anyone." in _text(client.get("/settings/blocks"))
    # Blocking her back is his right; it changes nothing of hers.
    press(client, "bea-blocks", "y")
    assert sorted(_blocks(app)) == sorted([(bea.id, fred.id), (fred.id, bea.id)])


def test_posting_without_a_csrf_token_is_refused(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    make_user("fred")
    member = make_user("careful-cal")
    page = _text(client.get("/login/dev"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post("/login/dev", data={"pseudonym": member.display_name, "csrf_token": token})
    assert client.post("/u/fred/block", data={"block": "y"}).status_code == 400
    assert _blocks(app) == []
    page = _text(client.get("/u/fred"))
    form = re.search(r'class="block-form".*?value="([^"]+)"', page, re.S)
    response = client.post("/u/fred/block", data={"block": "y", "csrf_token": form.group(1)})
    assert response.status_code == 302
    assert len(_blocks(app)) == 1


def test_a_member_pressing_too_fast_is_told_to_wait(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_BLOCKS="3 per minute")
    client = app.test_client()
    make_user("fred")
    login(client, make_user("quick-quin"))
    statuses = [press(client, "fred").status_code for _ in range(3)]
    assert statuses == [302, 302, 302]
    assert press(client, "fred").status_code == 429
    assert client.get("/settings/blocks").status_code == 200
