"""PostgreSQL's search terms (migration 0017): the index of each post's lexemes and pairs of
neighbouring lexemes must hand over every post a phrase matches, and leave out the posts
that only hold its words apart."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.services import list_boards
from forum.extensions import db
from forum.moderation.services import rename_thread
from forum.search.services import search_posts
from forum.threads.models import Post, Thread
from forum.threads.services import edit_post
from tests.conftest import ON_POSTGRESQL, first_post_id

pytestmark = pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's search terms")

# (text of a post, phrase searched for, whether the phrase matches, whether the post's
# terms hold the phrase's: always when it matches; for words apart, only where stop
# words part the phrase's own, since the terms know neighbours, not distances)
CASES = [
    ("My pump alarm went off.", "pump alarm", True, True),
    ("An alarm, then the pump restarted.", "pump alarm", False, False),
    ("The alarm of the pump.", "pump alarm", False, False),
    ("Pump, alarm, the lot.", "pump alarm", True, True),  # punctuation parts no words
    ("Pain in the back all week.", "pain in the back", True, True),
    ("Pain in the lower back all week.", "pain in the back", False, True),
    ("Nerve pain, nerve pain, nerve pain.", "nerve pain", True, True),
    ("Pain nerve pain.", "nerve pain", True, True),
    ("Pain, then a nerve.", "nerve pain", False, False),
    ("The Z-joint was injected.", "z joint", True, True),  # a hyphenated word's parts
    ("Set at 10 kHz since May.", "10 kHz", True, True),
    ("Ablation of the medial branch nerves.", "medial branch nerves", True, True),
    ("The medial nerves of each branch.", "medial branch nerves", False, False),
    ("Medial branch; branch nerves.", "medial branch nerves", False, True),
    ("Sedation helped.", "sedation", True, True),
    ("Nothing of the sort.", "sedation", False, False),
]


def _matches(text: str, phrase: str) -> tuple[bool, bool]:
    """Whether the phrase matches the text's vector, and whether the text's search terms
    hold every term of the phrase."""
    return db.session.execute(
        sa.text(
            "SELECT vector @@ phraseto_tsquery('english', :phrase),"
            " search_terms(vector) @@ search_terms_query(:phrase)"
            " FROM to_tsvector('english', :text) AS vector"
        ),
        {"text": text, "phrase": phrase},
    ).one()


@pytest.mark.parametrize(("text", "phrase", "matches", "held"), CASES)
def test_the_terms_keep_every_match_and_leave_out_words_apart(app, text, phrase, matches, held):
    """A post the phrase matches always holds its terms (the index never hides a match);
    one that holds its neighbouring words only apart does not (the index does not hand it
    over to be rechecked)."""
    with app.app_context():
        assert _matches(text, phrase) == (matches, held)


def test_the_terms_of_a_post_are_its_lexemes_and_their_neighbours(app):
    with app.app_context():
        terms = db.session.scalar(
            sa.text("SELECT search_terms(to_tsvector('english', 'Nerve pain in the back'))")
        )
    assert set(_lexemes(terms)) == {"nerv", "pain", "back", "nerv pain"}


def _lexemes(tsvector: str) -> list[str]:
    """The lexemes of a tsvector as PostgreSQL prints it: 'a' 'b c' ..."""
    return [part for part in tsvector.split("'") if part.strip()]


def _terms_of(post_id: int) -> set[str]:
    """The search terms the database holds for a post."""
    terms = db.session.scalar(
        sa.text("SELECT search_terms FROM posts WHERE id = :id"), {"id": post_id}
    )
    return set(_lexemes(terms))


def test_posts_get_their_terms_when_written_edited_and_retitled(
    app, make_thread, make_post, moderator
):
    """The trigger that indexes a post fills its terms: a reply, its edit, and a thread's
    first post after the thread is renamed."""
    thread = make_thread(title="Questions", body="It woke me twice.")
    reply = make_post(thread, body="The pump alarm went off.")
    opening = first_post_id(app, thread)
    with app.app_context():
        assert "pump alarm" in _terms_of(reply.id)
        post = db.session.get(Post, reply.id)
        edit_post(db.session.get(User, post.author_id), post, "Alarm, pump off.", post.version)
        assert "pump alarm" not in _terms_of(reply.id)
        assert "alarm pump" in _terms_of(reply.id)
        rename_thread(
            db.session.get(User, moderator.id),
            db.session.get(Thread, thread.id),
            "Cooled RFA questions",
            reason="A title that says what it is about.",
        )
        assert "cool rfa" in _terms_of(opening)


def test_a_search_through_the_index_finds_a_phrase_of_a_treatments_name(
    app, boards, make_thread, make_post, monkeypatch
):
    """A treatment's names of one word and of several, searched through the index (no walk
    over the newest posts): each post holding one of them side by side, and no other."""
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", 0)
    monkeypatch.setattr("forum.search.services.RECENT_WINDOW_FACTOR", 0)
    thread = make_thread(title="Questions at night", body="It woke me twice.")
    phrase = make_post(thread, body="My morphine pump was refilled today.")
    make_post(thread, body="The pump needs less morphine now.")  # the words apart
    word = make_post(thread, body="An IDDS is what my clinic calls it.")
    with app.app_context():
        found = search_posts("morphine pump", list_boards(), sort="newest")
    assert [hit.post.id for hit in found.hits] == [word.id, phrase.id]
