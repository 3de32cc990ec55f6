"""A thread page's posts are rendered once and reused (forum/threads/blocks.py): whoever
filled the kept blocks, every viewer sees exactly what a fresh rendering shows them, for
every state a post can be in."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

import forum.templating
import forum.threads.blocks
from forum.accounts.models import User
from forum.blocks.services import set_block
from forum.boards.models import Board
from forum.bookmarks.services import set_bookmark
from forum.extensions import db, utcnow
from forum.reactions.models import ReactionKind
from forum.reactions.services import toggle_reaction
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from forum.threads.services import reply_to_thread
from tests.conftest import login, set_standing

ARTICLE = re.compile(r"<article .*?</article>", re.S)
# A member's token is signed with the second it was made in: the same session's tokens differ
# between requests, so the comparisons below read past them.
TOKEN = re.compile(r'(name="csrf_token" value=")[^"]+"')
VIEWERS = ("visitor", "author", "reader", "blocker", "moderator", "silenced")


@pytest.fixture
def thread_in_every_state(app, make_user):
    """A thread whose posts are in every state a page shows, by `author`, with `reader`'s
    bookmark and reactions on them and `blocker` blocking the author of one."""
    people = {name: make_user(name) for name in ("author", "reader", "blocker", "silenced")}
    people["moderator"] = make_user("moderator", role="moderator")
    other = make_user("other")
    for person in (*people.values(), other):
        set_standing(app, person, days=60, posts=10)
    with app.app_context():
        author, reader, blocker, moderator, silenced = (
            db.session.get(User, people[name].id)
            for name in ("author", "reader", "blocker", "moderator", "silenced")
        )
        board = Board(
            slug="epidurals", name="Epidurals", category="Treatments", family="injection",
            description="Epidural steroid injections.", aliases=[], position=1,
        )  # fmt: skip
        db.session.add(board)
        db.session.commit()
        answers = {"treatment": board, "pain_before": 7, "pain_best": 3, "pgic": 2}
        opening = file_report(
            author,
            board,
            "Three months on",
            "It helped.",
            answers,
            visibility="public",
            confirmed_estimate=True,
        )
        thread = db.session.get(Thread, opening.thread_id)
        states = {
            "visible": {},
            "edited": {"edited_at": utcnow(), "edited_by_id": author.id},
            "moderator_edit": {"moderation_reason": "A clinic's name taken out."},
            "flagged": {"state": "hidden"},
            "hidden": {"state": "hidden", "moderation_reason": "Medical advice."},
            "deleted_by_author": {
                "state": "deleted", "deleted_by_id": author.id, "deleted_at": utcnow()
            },
            "removed": {
                "state": "deleted", "deleted_by_id": moderator.id,
                "deleted_at": utcnow() - timedelta(days=1), "moderation_reason": "Spam.",
            },
        }  # fmt: skip
        for state, values in states.items():
            post = reply_to_thread(author, thread, f"A reply that is {state}.")
            if values:
                db.session.execute(sa.update(Post).where(Post.id == post.id).values(**values))
        by_other = reply_to_thread(db.session.get(User, other.id), thread, "By someone else.")
        reacted = reply_to_thread(author, thread, "A reply others found helpful.")
        for member in (reader, blocker):
            toggle_reaction(member, reacted, ReactionKind.HELPFUL)
        toggle_reaction(reader, by_other, ReactionKind.ME_TOO)
        set_bookmark(reader, reacted, keep=True)
        set_block(blocker, db.session.get(User, other.id), block=True)
        silenced.silenced_until = utcnow() + timedelta(days=3)
        db.session.commit()
        return thread.id, people


def _articles(client, thread_id: int, tokens: bool = False) -> list[str]:
    response = client.get(f"/t/{thread_id}")
    if response.status_code == 301:
        response = client.get(response.location)
    assert response.status_code == 200
    articles = ARTICLE.findall(response.get_data(as_text=True))
    return articles if tokens else [TOKEN.sub(r'\1(token)"', article) for article in articles]


@pytest.mark.parametrize("order", [VIEWERS, tuple(reversed(VIEWERS))])
def test_kept_posts_render_as_fresh_ones_for_every_viewer(
    app, thread_in_every_state, monkeypatch, order
):
    thread_id, people = thread_in_every_state
    minute = utcnow().replace(second=0, microsecond=0)  # the same "x ago" all test long
    monkeypatch.setattr(forum.templating, "page_time", lambda: minute)
    monkeypatch.setattr(forum.threads.blocks, "page_time", lambda: minute)
    clients = {}
    for viewer in order:
        clients[viewer] = app.test_client()
        if viewer != "visitor":
            login(clients[viewer], people[viewer])
    kept = app.extensions["forum.rendered_posts"]
    # Each viewer in turn, the blocks kept from the viewers before; then again, all kept.
    first = {viewer: _articles(clients[viewer], thread_id) for viewer in order}
    again = {viewer: _articles(clients[viewer], thread_id) for viewer in order}
    assert len(kept.pages) > 10
    app.extensions["forum.rendered_posts"] = None
    fresh = {viewer: _articles(clients[viewer], thread_id) for viewer in order}
    for viewer in order:
        assert len(fresh[viewer]) == 10, viewer  # the opening post and nine replies
        assert first[viewer] == fresh[viewer], viewer
        assert again[viewer] == fresh[viewer], viewer
    # The viewers do see different posts: the kept blocks were not simply one viewer's.
    assert "Edit</a>" in "".join(fresh["author"]) and "Edit</a>" not in "".join(fresh["reader"])
    assert "Restore" in "".join(fresh["moderator"])
    assert 'aria-pressed="true">Bookmarked' in "".join(fresh["reader"])
    assert "Post by a member you blocked" in "".join(fresh["blocker"])
    assert "Flag</a>" in "".join(fresh["reader"]) and "Flag</a>" not in "".join(fresh["silenced"])


def test_a_kept_post_carries_each_members_own_csrf_token(app, thread_in_every_state):
    thread_id, people = thread_in_every_state
    tokens = {}
    for viewer in ("reader", "blocker"):
        client = app.test_client()
        login(client, people[viewer])
        forms = "".join(_articles(client, thread_id, tokens=True))
        found = set(re.findall(r'name="csrf_token" value="([^"]+)"', forms))
        assert len(found) == 1, viewer  # every form in the posts has the member's token
        tokens[viewer] = found.pop()
        assert forum.threads.blocks.TOKEN_STAND_IN not in forms
    assert tokens["reader"] != tokens["blocker"]


def test_a_change_to_a_post_shows_at_once(app, thread_in_every_state, make_user):
    thread_id, people = thread_in_every_state
    client = app.test_client()
    login(client, people["reader"])
    assert any("A reply that is visible." in post for post in _articles(client, thread_id))
    with app.app_context():
        db.session.execute(
            sa.update(Post)
            .where(Post.body_html == "<p>A reply that is visible.</p>")
            .values(body_html="<p>Changed since.</p>")
        )
        db.session.commit()
    articles = "".join(_articles(client, thread_id))
    assert "Changed since." in articles and "A reply that is visible." not in articles
    # And a change to the author's name (another row, with its own version).
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == people["author"].id).values(display_name="renamed")
        )
        db.session.commit()
    assert ">renamed</a>" in "".join(_articles(client, thread_id))
