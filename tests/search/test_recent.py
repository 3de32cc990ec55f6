"""SQLite's index of the newest posts (migration 0018): it holds the posts with the newest
RECENT_POSTS ids and nothing else, follows every write as the full index does, and ranks
a search's candidates only when it holds them all."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.services import list_boards
from forum.extensions import db
from forum.moderation.services import rename_thread
from forum.search import services
from forum.search.schema import FTS_TABLE, RECENT_FTS_TABLE, RECENT_POSTS
from forum.search.services import search_posts
from forum.threads.models import Post, Thread
from forum.threads.services import edit_post
from tests.conftest import ON_POSTGRESQL, first_post_id

pytestmark = pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's index of the newest posts")


def _recent() -> dict[int, tuple[str, str]]:
    """The newest posts' index: post id -> (title, body)."""
    rows = db.session.execute(sa.text(f"SELECT rowid, title, body FROM {RECENT_FTS_TABLE}"))
    return {row.rowid: (row.title, row.body) for row in rows}


def _skip_ids(app, thread, count: int) -> None:
    """The next post's id comes `count` after the newest, as after a large import: a
    pending post (no place in its thread) takes the id before it."""
    with app.app_context():
        newest = db.session.scalar(sa.select(sa.func.max(Post.id)))
        db.session.execute(
            sa.insert(Post).values(
                id=newest + count - 1,
                thread_id=thread.id,
                author_id=thread.author_id,
                body_source="Waiting for a moderator.",
                body_html="<p>Waiting for a moderator.</p>",
                state="pending",
            )
        )
        db.session.commit()


def test_the_newest_posts_index_follows_every_write(app, make_thread, make_post, moderator):
    """A new post, an edit and a renamed thread reach it as they reach the full index."""
    thread = make_thread(title="Questions at night", body="It woke me twice.")
    reply = make_post(thread, body="The pump alarm went off.")
    opening = first_post_id(app, thread)
    with app.app_context():
        assert _recent()[reply.id] == ("", "The pump alarm went off.")
        post = db.session.get(Post, reply.id)
        edit_post(db.session.get(User, post.author_id), post, "Alarm fixed.", post.version)
        rename_thread(
            db.session.get(User, moderator.id),
            db.session.get(Thread, thread.id),
            "Pump alarm at night",
            reason="A title that says what it is about.",
        )
        recent = _recent()
    assert recent[reply.id] == ("", "Alarm fixed.")
    assert recent[opening] == ("Pump alarm at night", "It woke me twice.")


def test_it_holds_the_newest_ids_only(app, make_thread, make_post):
    """A post whose id is no longer among the newest RECENT_POSTS leaves it, and an edit
    does not bring it back; the full index keeps every post."""
    thread = make_thread(title="Questions", body="It woke me twice.")
    old = make_post(thread, body="Sedation helped.")
    _skip_ids(app, thread, RECENT_POSTS)
    new = make_post(thread, body="Sedation again.")
    with app.app_context():
        post = db.session.get(Post, old.id)
        edit_post(db.session.get(User, post.author_id), post, "Sedation, twice.", post.version)
        recent = _recent()
        full = db.session.scalar(
            sa.text(f"SELECT count(*) FROM {FTS_TABLE} WHERE rowid IN (:old, :new)"),
            {"old": old.id, "new": new.id},
        )
    assert old.id not in recent
    assert new.id in recent
    assert full == 2


@pytest.fixture
def tables(monkeypatch):
    """The FTS5 tables a search asked, in order."""
    asked = []
    original = services._sqlite

    def sqlite(query, table):
        asked.append(table)
        return original(query, table)

    monkeypatch.setattr(services, "_sqlite", sqlite)
    return asked


def test_the_newest_posts_rank_the_candidates_they_hold(app, make_thread, make_post, tables):
    """Candidates all among the newest posts are ranked there; when the newest hold too
    few, the full index finds the older ones too."""
    thread = make_thread(title="Questions", body="It woke me twice.")
    old = make_post(thread, body="Sedation helped.")
    _skip_ids(app, thread, RECENT_POSTS)
    newer = [make_post(thread, body="Sedation again.") for _ in range(2)]
    with app.app_context():
        boards = list_boards()
        enough = search_posts("sedation", boards, sort="newest", candidates=2)
        asked_first = list(tables)
        everything = search_posts("sedation", boards, sort="newest", candidates=3)

    assert [hit.post.id for hit in enough.hits] == [newer[1].id, newer[0].id]
    assert (enough.total, enough.capped) == (2, True)
    assert asked_first == [RECENT_FTS_TABLE]
    assert [hit.post.id for hit in everything.hits] == [newer[1].id, newer[0].id, old.id]
    assert (everything.total, everything.capped) == (3, True)
    assert tables[1:] == [RECENT_FTS_TABLE, FTS_TABLE]
