"""search_posts without HTTP: what it finds, and that the index follows every write."""

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.boards.services import list_boards
from forum.errors import DomainError
from forum.extensions import db
from forum.moderation.services import decide_on_post, move_thread, rename_thread
from forum.search.services import search_posts
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, edit_post, get_post_or_404, reply_to_thread
from tests.conftest import ON_POSTGRESQL, first_post_id


def _found(text: str, **options) -> list[int]:
    """Ids of the posts found, every board's names acting as synonyms."""
    return [hit.post.id for hit in search_posts(text, list_boards(), **options).hits]


# -- what is found ---------------------------------------------------------------------


def test_a_word_only_in_the_title_finds_the_threads_first_post(app, make_thread, make_post):
    """Searching a word from a thread's title lists the thread's opening post."""
    thread = make_thread(title="Sciatica flare after gardening", body="My leg hurts again.")
    make_post(thread, body="Sorry to hear that, rest up.")
    opening = first_post_id(app, thread)

    with app.app_context():
        assert _found("sciatica") == [opening]


def test_searches_of_the_same_shape_each_find_their_own_words(app, make_thread, make_post):
    """A search's statement is built once for each shape of query: two words, then two
    other words, each find their own post, and one board's search does not narrow the
    next search of every board."""
    knee = make_thread(title="Knee pain after a fall", body="Genicular block next week.")
    numb = make_post(knee, body="Numbness in my heel since the ablation.")
    opening = first_post_id(app, knee)
    other = make_thread(title="Heel numbness", body="Numbness in my heel, no procedure yet.")

    with app.app_context():
        board = db.session.get(Board, knee.board_id)
        on_board = [hit.post.id for hit in search_posts("heel", list_boards(), board).hits]
        assert _found("knee fall") == [opening]
        assert _found("heel ablation") == [numb.id]
        assert sorted(_found("heel")) == sorted([numb.id, first_post_id(app, other)])
    assert on_board == [numb.id]


def test_a_word_in_a_reply_finds_that_reply(app, make_thread, make_post):
    """A word that only a reply uses finds the reply, not the thread's other posts."""
    thread = make_thread(title="Questions before my procedure", body="What should I expect?")
    reply = make_post(thread, body="Bring a driver; the sedation lingers.")
    make_post(thread, body="Good luck with it.")

    with app.app_context():
        assert _found("sedation") == [reply.id]


@pytest.mark.parametrize(
    ("written", "searched"),
    [("injection", "injections"), ("injections", "injection"), ("burning", "burned")],
)
def test_words_are_found_by_their_other_forms(app, make_thread, written, searched):
    """Searching "injections" finds a post that says "injection" (and the other way)."""
    thread = make_thread(title="Week one report", body=f"The {written} site was sore.")
    opening = first_post_id(app, thread)

    with app.app_context():
        assert _found(searched) == [opening]


def test_every_word_must_match(app, make_thread):
    """Two words find only the posts that use both of them."""
    both = make_thread(title="Knee update", body="Swelling went down, stiffness stayed.")
    make_thread(title="Hip update", body="Swelling is worse today.")
    make_thread(title="Ankle update", body="Stiffness in the morning only.")

    with app.app_context():
        assert _found("swelling stiffness") == [first_post_id(app, both)]


def test_a_quoted_phrase_matches_only_words_side_by_side(app, make_thread):
    """ "nerve pain" in quotes skips a post where the two words are apart."""
    together = make_thread(title="Describing it", body="A sharp nerve pain down my arm.")
    apart = make_thread(title="Other symptoms", body="The nerve doctor said the pain is muscular.")

    with app.app_context():
        assert _found('"nerve pain"') == [first_post_id(app, together)]
        assert sorted(_found("nerve pain")) == sorted(
            [first_post_id(app, together), first_post_id(app, apart)]
        )


def test_a_board_narrows_the_results(app, make_board, make_thread):
    """Filtering by a board leaves out matching posts on other boards."""
    knees, backs = make_board(), make_board()
    on_knees = make_thread(board=knees, title="Cooled ablation", body="Lidocaine first.")
    make_thread(board=backs, title="Lumbar ablation", body="Lidocaine first.")

    with app.app_context():
        assert _found("lidocaine", board=knees) == [first_post_id(app, on_knees)]


def test_a_moved_thread_is_found_on_its_new_board_only(
    app, make_board, make_thread, make_post, moderator
):
    """After a moderator moves a thread, a search on its new board finds its posts, those
    written before the move and after it, and a search on its old board no longer does."""
    knees, backs = make_board(), make_board()
    thread = make_thread(board=knees, title="Cooled ablation", body="Lidocaine first.")
    before = make_post(thread, body="Lidocaine again.")
    with app.app_context():
        move_thread(
            db.session.get(User, moderator.id),
            db.session.get(Thread, thread.id),
            db.session.get(Board, backs.id),
            reason="Lumbar, not knees.",
        )
    after = make_post(thread, body="Lidocaine once more.")

    with app.app_context():
        assert _found("lidocaine", board=backs, sort="newest") == [
            after.id,
            before.id,
            first_post_id(app, thread),
        ]
        assert _found("lidocaine", board=knees) == []


def test_nothing_searchable_is_refused_with_a_message(app_ctx):
    """Punctuation alone is refused with a message, not passed to the search engine."""
    with pytest.raises(DomainError) as refused:
        search_posts('*"(-:^', list_boards())
    assert "punctuation" in refused.value.message
    assert refused.value.field == "q"


# -- the index follows every write -----------------------------------------------------


def test_an_edited_post_is_found_by_its_new_words_only(app, make_thread, make_post):
    """After an edit, the new wording is found and the old one no longer is."""
    thread = make_thread()
    reply = make_post(thread, body="They gave me tramadol afterwards.")

    with app.app_context():
        post = db.session.get(Post, reply.id)
        author = db.session.get(User, reply.author_id)
        edit_post(author, post, "They gave me naproxen afterwards.", post.version)

        assert _found("naproxen") == [reply.id]
        assert _found("tramadol") == []


def test_a_thread_renamed_by_a_moderator_is_found_by_its_new_title(app, make_thread, moderator):
    """After a moderator retitles a thread, the new title finds it and the old one not."""
    thread = make_thread(title="Help please", body="Long story, see below.")
    make_thread(title="Another thread entirely", body="Nothing to see.")
    opening = first_post_id(app, thread)

    with app.app_context():
        rename_thread(
            db.session.get(User, moderator.id),
            db.session.get(Thread, thread.id),
            "Spondylolisthesis and a second opinion",
            reason="A title that says what the thread is about.",
        )

        assert _found("spondylolisthesis") == [opening]
        assert _found("help") == []


def test_an_author_retitling_their_thread_is_found_by_the_new_title(app, make_thread):
    """Editing the first post with a new title makes the new title searchable."""
    thread = make_thread(title="My story so far", body="Where do I start.")
    opening = first_post_id(app, thread)

    with app.app_context():
        post = get_post_or_404(opening)
        author = db.session.get(User, thread.author_id)
        edit_post(author, post, "Where do I start.", post.version, title="Arachnoiditis story")

        assert _found("arachnoiditis") == [opening]


def test_approving_a_pending_reply_makes_it_findable(
    make_app, make_board, make_thread, make_user, moderator
):
    """A new member's reply is not found while it waits, and is once approved."""
    approving = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    thread = make_thread(board=make_board())
    newcomer = make_user("newcomer")

    with approving.app_context():
        reply = reply_to_thread(
            db.session.get(User, newcomer.id),
            db.session.get(Thread, thread.id),
            "The pregabalin made me dizzy.",
        )
        assert reply.state == "pending"
        assert _found("pregabalin") == []

        decide_on_post(db.session.get(User, moderator.id), reply, "keep", "", [])

        assert _found("pregabalin") == [reply.id]


def test_approving_a_pending_thread_makes_it_findable(make_app, make_board, make_user, moderator):
    """A new member's first thread is found by its title once a moderator approves it."""
    approving = make_app(NEW_MEMBER_APPROVAL_POSTS=1)
    board = make_board()
    newcomer = make_user("newcomer")

    with approving.app_context():
        opening = create_thread(
            db.session.get(User, newcomer.id),
            board,
            "Ketorolac before surgery",
            "Worth it?",
            visibility="public",
        )
        assert _found("ketorolac") == []

        decide_on_post(db.session.get(User, moderator.id), opening, "keep", "", [])

        assert _found("ketorolac") == [opening.id]
        assert (
            db.session.scalar(sa.select(Thread.is_hidden).where(Thread.id == opening.thread_id))
            is False
        )


# -- a bounded number of matches is ranked ---------------------------------------------


def test_only_the_newest_matches_are_ranked_and_the_results_say_so(app, make_thread, make_post):
    """A word in very many posts ranks the newest `candidates` of them, and says there are
    more; below the cap the count is exact."""
    thread = make_thread(title="Questions before my procedure", body="What about sedation?")
    replies = [make_post(thread, body=f"Sedation story number {n}.") for n in range(4)]

    with app.app_context():
        capped = search_posts("sedation", list_boards(), candidates=3, per_page=2)
        everything = search_posts("sedation", list_boards())
        newest = search_posts("sedation", list_boards(), sort="newest", candidates=3)

    assert (capped.total, capped.capped, capped.has_next) == (3, True, True)
    assert {hit.post.id for hit in capped.hits} <= {reply.id for reply in replies[1:]}
    assert (everything.total, everything.capped) == (5, False)
    assert [hit.post.id for hit in newest.hits] == [r.id for r in reversed(replies[1:])]


def test_a_full_last_page_offers_no_more_results(app, make_thread, make_post):
    """Four matches two to a page: the first page links to more, the second (full) does
    not, and nothing is left for a third."""
    thread = make_thread(title="Questions before my procedure", body="What about sedation?")
    for n in range(3):
        make_post(thread, body=f"Sedation story number {n}.")

    with app.app_context():
        pages = [search_posts("sedation", list_boards(), page=n, per_page=2) for n in (1, 2, 3)]

    assert [(len(p.hits), p.has_next) for p in pages] == [(2, True), (2, False), (0, False)]
    assert len({hit.post.id for p in pages for hit in p.hits}) == 4  # none shown twice


# -- PostgreSQL looks past the newest posts ----------------------------------------------


def _diary(make_thread, make_post, posts: str) -> list[int]:
    """A thread whose replies, oldest first, mention sedation where `posts` has an "s"
    (anything else: a reply that does not); the ids of the sedation replies, newest first."""
    thread = make_thread(title="Recovery diary", body="Day one.")
    replies = [
        (make_post(thread, body="Sedation again." if kind == "s" else "Slept badly."), kind)
        for kind in posts
    ]
    return [reply.id for reply, kind in reversed(replies) if kind == "s"]


@pytest.fixture
def small_window(monkeypatch):
    """The newest posts looked at first are only as many as the candidates; records
    whether the search had to look further (on PostgreSQL)."""
    from forum.search import services

    monkeypatch.setattr(services, "RECENT_WINDOW_FACTOR", 1)
    further = []

    def older_matches(*args):
        further.append(args)
        return original(*args)

    original = services._older_matches
    monkeypatch.setattr(services, "_older_matches", older_matches)
    return further


@pytest.mark.parametrize("index_cost", [0, 10**9], ids=["index", "walks"])
def test_too_few_matches_among_the_newest_posts_finds_the_newest_further_back(
    app, make_thread, make_post, small_window, monkeypatch, index_cost
):
    """With 2 matches among the 4 newest posts, the next 2 are looked for further back,
    by walking older posts or through the index: either way the newest 4 are ranked."""
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", index_cost)
    sedation = _diary(make_thread, make_post, "ssnsnsnnsnsn")

    with app.app_context():
        newest = search_posts("sedation", list_boards(), sort="newest", candidates=4, per_page=3)
        second = search_posts("sedation", list_boards(), page=2, candidates=4, per_page=3)
        ranked = search_posts("sedation", list_boards(), candidates=4, per_page=4)

    assert [hit.post.id for hit in newest.hits] == sedation[:3]
    assert (newest.total, newest.capped, newest.has_next) == (4, True, True)
    assert {hit.post.id for hit in ranked.hits} == set(sedation[:4])
    assert [hit.post.id for hit in second.hits] == [hit.post.id for hit in ranked.hits][3:]
    assert all("<mark>Sedation</mark>" in str(hit.excerpt) for hit in ranked.hits)
    assert bool(small_window) == ON_POSTGRESQL


@pytest.mark.parametrize("index_cost", [0, 10**9], ids=["index", "walks"])
def test_matches_far_behind_a_run_of_other_posts_are_all_found(
    app, make_thread, make_post, small_window, monkeypatch, index_cost
):
    """One match among the newest posts, then more posts without one than a walk takes:
    the oldest matches are still found, and the count is exact below the cap."""
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", index_cost)
    sedation = _diary(make_thread, make_post, "ss" + "n" * 20 + "snnn")

    with app.app_context():
        found = search_posts("sedation", list_boards(), sort="newest", candidates=4)

    assert [hit.post.id for hit in found.hits] == sedation
    assert (found.total, found.capped, found.has_next) == (3, False, False)
    assert bool(small_window) == ON_POSTGRESQL


def test_no_match_among_the_newest_posts_finds_the_older_ones(
    app, make_thread, make_post, small_window
):
    sedation = _diary(make_thread, make_post, "sns" + "n" * 8)

    with app.app_context():
        found = search_posts("sedation", list_boards(), sort="newest", candidates=4)

    assert [hit.post.id for hit in found.hits] == sedation
    assert (found.total, found.capped) == (2, False)


def test_a_walk_that_reaches_the_oldest_post_ends_the_search(
    app, make_thread, make_post, small_window, monkeypatch
):
    """Walking on to the oldest post has looked at every post: the index is not asked."""
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", 10**9)
    monkeypatch.setattr(
        "forum.search.services._indexed_matches", lambda *args: pytest.fail("index asked")
    )
    sedation = _diary(make_thread, make_post, "snnsnnn")

    with app.app_context():
        found = search_posts("sedation", list_boards(), sort="newest", candidates=4)

    assert [hit.post.id for hit in found.hits] == sedation
    assert (found.total, found.capped) == (2, False)
    assert bool(small_window) == ON_POSTGRESQL


@pytest.mark.parametrize("index_cost", [0, 10**9], ids=["index", "walks"])
def test_one_boards_newest_matches_are_found_behind_a_busier_boards(
    app, make_board, make_thread, make_post, small_window, monkeypatch, index_cost
):
    """A search on one board looks among that board's posts: newer matches on a busier
    board neither fill its candidates nor show, however many there are."""
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", index_cost)
    knees, backs = make_board(), make_board()
    diary = make_thread(board=knees, title="Recovery diary", body="Day one.")
    busy = make_thread(board=backs, title="Everyone's sedation", body="Sedation chat.")
    wanted = []
    for kind in "ssnsnsnnsnsn":
        post = make_post(diary, body="Sedation again." if kind == "s" else "Slept badly.")
        if kind == "s":
            wanted.insert(0, post.id)
        for _ in range(3):
            make_post(busy, body="Sedation for me too.")

    with app.app_context():
        found = search_posts("sedation", list_boards(), board=knees, sort="newest", candidates=4)

    assert [hit.post.id for hit in found.hits] == wanted[:4]
    assert (found.total, found.capped) == (4, True)
    assert bool(small_window) == ON_POSTGRESQL


@pytest.mark.parametrize("index_cost", [0, 10**9], ids=["index", "walks"])
def test_a_phrase_further_back_matches_only_its_words_side_by_side(
    app, make_thread, make_post, small_window, monkeypatch, moderator, index_cost
):
    """Older posts, looked at through the index or walked, match a quoted phrase only where
    its words stand side by side: as written, after an edit and after a new title."""
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", index_cost)
    thread = make_thread(title="Questions at night", body="It woke me twice.")
    make_post(thread, body="An alarm, then the pump restarted.")  # the words apart
    together = make_post(thread, body="My pump alarm went off too.")
    parted = make_post(thread, body="Another pump alarm story.")
    newest = [make_post(thread, body="Slept badly.") for _ in range(6)]
    with app.app_context():
        post = db.session.get(Post, parted.id)
        author = db.session.get(User, parted.author_id)
        edit_post(author, post, "Another pump story, and no alarm.", post.version)
        rename_thread(
            db.session.get(User, moderator.id),
            db.session.get(Thread, thread.id),
            "Pump alarm at night",
            reason="A title that says what it is about.",
        )
        post = db.session.get(Post, newest[-1].id)  # among the newest: a density to go by
        edit_post(db.session.get(User, post.author_id), post, "Pump alarm again.", post.version)

        found = search_posts('"pump alarm"', list_boards(), sort="newest", candidates=4)

    opening = first_post_id(app, thread)
    assert [hit.post.id for hit in found.hits] == [newest[-1].id, together.id, opening]
    assert bool(small_window) == ON_POSTGRESQL


def test_a_page_past_the_last_answers_from_the_newest_posts(
    app, make_thread, make_post, small_window, monkeypatch
):
    """When the newest posts hold every candidate, a page past the last is empty without
    the index being asked for every match (seconds, for a common word at a million)."""
    monkeypatch.setattr(
        "forum.search.services._indexed_matches", lambda *args: pytest.fail("index asked")
    )
    _diary(make_thread, make_post, "ssssss")

    with app.app_context():
        past = search_posts("sedation", list_boards(), page=3, per_page=2, candidates=4)

    assert (past.hits, past.has_next) == ([], False)


@pytest.mark.parametrize("index_cost", [0, 10**9], ids=["index", "walks"])
def test_a_page_past_the_last_still_counts_matches_further_back(
    app, make_thread, make_post, small_window, monkeypatch, index_cost
):
    monkeypatch.setattr("forum.search.services.INDEXED_POST_COST", index_cost)
    _diary(make_thread, make_post, "ssnsnsnnsnsn")

    with app.app_context():
        past = search_posts("sedation", list_boards(), page=3, per_page=2, candidates=4)
        last = search_posts("sedation", list_boards(), page=2, per_page=2, candidates=4)

    assert (past.hits, past.has_next) == ([], False)
    assert len(last.hits) == 2  # the four candidates fill pages 1 and 2
    assert bool(small_window) == ON_POSTGRESQL
