"""/search through HTTP, checked on the rendered page."""

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.boards.models import Board
from forum.extensions import db
from forum.moderation.services import decide_on_post
from forum.threads.models import Post, Thread
from forum.threads.services import create_thread, delete_post, reply_to_thread
from tests.conftest import first_post_id, login
from tests.search.conftest import error_for, search, shown_hits, shown_ids

# A member's search: who they are, the boards, and on SQLite the newest posts' index then,
# for fewer matches than the candidates, the full one (migration 0018).
CEILING = 5


# -- treatment names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["rhizotomy", "RF neurotomy", '"RF neurotomy"', "neuroablation", "Rhizotomy"]
)
def test_other_names_of_a_treatment_find_posts_that_say_rfa(
    app, client, boards, make_thread, query
):
    """Searching rhizotomy, RF neurotomy or neuroablation finds a post that only says RFA."""
    thread = make_thread(
        board=boards["radiofrequency-ablation"],
        title="Six months on",
        body="My RFA finally wore off last week.",
    )
    make_thread(board=boards["radiofrequency-ablation"], title="Unrelated", body="Still sore.")

    status, page = search(client, query)

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, thread)]


def test_esi_finds_epidural_steroid_injections(app, client, boards, make_thread):
    """Searching ESI finds a post that spells out "epidural steroid injections"."""
    thread = make_thread(
        board=boards["epidural-steroid"],
        title="Second round booked",
        body="Two epidural steroid injections so far, the second helped more.",
    )

    status, page = search(client, "ESI")

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, thread)]


def test_the_page_says_which_other_names_were_searched(client, boards):
    """Searching rhizotomy tells the reader that RFA and the other names were searched too."""
    status, page = search(client, "rhizotomy")

    assert status == 200
    match = re.search(r"Treatment names include their other names:(.*?)</p>", page, re.DOTALL)
    assert match, "the page does not say which other names were searched"
    said = html_lib.unescape(match.group(1)).lower()
    for name in ("rfa", "radiofrequency ablation", "neuroablation", "rf neurotomy"):
        assert name in said


def test_a_plain_word_mentions_no_other_names(client, boards, make_thread):
    """A word that names no treatment does not claim other names were searched."""
    make_thread(title="Flare-ups", body="Mornings are the worst.")

    status, page = search(client, "mornings")

    assert status == 200
    assert "Treatment names include their other names" not in page


# -- board filter ----------------------------------------------------------------------


def test_a_board_filter_narrows_results_to_that_board(app, client, boards, make_thread):
    """Choosing a board lists only that board's matching posts."""
    on_knee = make_thread(
        board=boards["genicular-rfa"], title="Knee ablation done", body="Numbness lasted a day."
    )
    make_thread(
        board=boards["radiofrequency-ablation"], title="Lumbar RFA", body="Numbness lasted a week."
    )

    status, page = search(client, "numbness", board="genicular-rfa")

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, on_knee)]


def test_an_unknown_board_is_refused_with_a_message(client, boards):
    """A board that does not exist gives 400 and says so, instead of ignoring it."""
    status, page = search(client, "RFA", board="no-such-board")

    assert status == 400
    assert error_for(page, "board") == "There is no board by that name."


# -- phrases and words -----------------------------------------------------------------


def test_a_quoted_phrase_does_not_match_its_words_apart(app, client, make_thread):
    """ "burning sensation" in quotes finds the words side by side, not scattered."""
    together = make_thread(title="Aftercare", body="A burning sensation for two days.")
    make_thread(title="Aftercare too", body="No burning, but an odd sensation in my toes.")

    status, page = search(client, '"burning sensation"')

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, together)]


def test_several_words_must_all_match(app, client, make_thread):
    """Two words find only posts with both."""
    both = make_thread(title="Numbness question", body="Numbness and tingling in my foot.")
    make_thread(title="Tingling question", body="Tingling only, since Monday.")

    status, page = search(client, "numbness tingling")

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, both)]


# -- excerpts --------------------------------------------------------------------------


def test_each_hit_shows_an_excerpt_with_the_matching_words_marked(client, make_thread):
    """The excerpt under a hit highlights the words searched for."""
    make_thread(
        title="Recovery notes",
        body="The physiotherapy plan after the procedure was gentle and helped.",
    )

    status, page = search(client, "physiotherapy")

    assert status == 200
    (hit,) = shown_hits(page)
    assert "<mark>physiotherapy</mark>" in hit.excerpt.lower()


def test_a_synonym_is_marked_in_the_excerpt(client, boards, make_thread):
    """Searching rhizotomy marks RFA in a post that says RFA."""
    make_thread(
        board=boards["radiofrequency-ablation"],
        title="Year two",
        body="Had my third RFA in March.",
    )

    status, page = search(client, "rhizotomy")

    assert status == 200
    (hit,) = shown_hits(page)
    assert "<mark>RFA</mark>" in hit.excerpt


@pytest.mark.parametrize(
    "typed",
    ["<script>alert(1)</script>", "<b>fluoroscopy</b>", '<img src=x onerror="alert(1)">'],
)
def test_user_text_in_an_excerpt_is_shown_as_text(client, make_thread, typed):
    """Markup someone typed shows as the characters they typed; only highlights are markup."""
    make_thread(title="Imaging question", body=f"Before {typed} the fluoroscopy was quick.")

    status, page = search(client, "fluoroscopy")

    assert status == 200
    (hit,) = shown_hits(page)
    assert set(re.findall(r"<[^>]*>", hit.excerpt)) == {"<mark>", "</mark>"}
    assert typed in html_lib.unescape(re.sub(r"</?mark>", "", hit.excerpt))


def test_control_characters_in_a_post_do_not_make_highlights(client, make_thread):
    """Only the word searched for is highlighted, whatever invisible characters a post has."""
    make_thread(title="Pasted notes", body="Copied \x02from my fluoroscopy notes\x03 as is.")

    status, page = search(client, "fluoroscopy")

    assert status == 200
    (hit,) = shown_hits(page)
    assert re.findall(r"<mark>(.*?)</mark>", hit.excerpt) == ["fluoroscopy"]
    assert hit.excerpt.count("<mark>") == hit.excerpt.count("</mark>") == 1


# -- visibility ------------------------------------------------------------------------


@pytest.fixture
def unseen(app, make_app, make_board, make_thread, make_post, make_user, moderator):
    """One visible post and every kind of post nobody should find, all saying hydromorphone.

    Returns the visible post's id and the readers to try: a visitor, the member whose
    posts were hidden or deleted, and the new member whose posts wait for approval."""
    board = make_board()
    writer, newcomer = make_user("writer"), make_user("newcomer")
    shown = make_thread(board=board, author=writer, title="Pain relief", body="hydromorphone ok")
    hidden = make_post(shown, author=writer, body="hydromorphone hidden by a moderator")
    deleted = make_post(shown, author=writer, body="hydromorphone deleted by its author")
    hidden_thread = make_thread(
        board=board, author=writer, title="Hidden thread", body="hydromorphone in a hidden thread"
    )
    make_post(hidden_thread, author=writer, body="hydromorphone reply in a hidden thread")
    with app.app_context():
        decide_on_post(
            db.session.get(User, moderator.id),
            db.session.get(Post, hidden.id),
            "hide",
            "Off topic.",
            [],
        )
        delete_post(db.session.get(User, writer.id), db.session.get(Post, deleted.id))
        db.session.execute(
            sa.update(Thread).where(Thread.id == hidden_thread.id).values(is_hidden=True)
        )
        db.session.commit()
    with make_app(NEW_MEMBER_APPROVAL_POSTS=1).app_context():
        author = db.session.get(User, newcomer.id)
        pending = create_thread(
            author, board, "Pending thread", "hydromorphone pending", visibility="public"
        )
        assert pending.state == "pending"
        waiting = reply_to_thread(author, db.session.get(Thread, shown.id), "hydromorphone wait")
        assert waiting.state == "pending"
    return first_post_id(app, shown), {"writer": writer, "newcomer": newcomer}


@pytest.mark.parametrize("reader", ["visitor", "writer", "newcomer"])
def test_hidden_pending_and_deleted_posts_are_never_found(client, unseen, reader):
    """Search lists only posts everyone can read, whoever is searching."""
    visible_id, members = unseen
    if reader != "visitor":
        login(client, members[reader])

    status, page = search(client, "hydromorphone")

    assert status == 200
    assert shown_ids(page) == [visible_id]
    assert "hidden" not in " ".join(hit.excerpt for hit in shown_hits(page))


# -- queries that cannot be searched ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a word or two"),
        ("   ", "Type a word or two"),
        ("x" * 201, "at most 200 characters"),
        ("ache " * 10 + "throb", "at most 10 words"),
        ("*", "punctuation"),
        ('"', "punctuation"),
        ('""', "punctuation"),
        ("(", "punctuation"),
        ("-", "punctuation"),
        (":", "punctuation"),
        ("^", "punctuation"),
        ('* " ( ) - : ^ + {}', "punctuation"),
    ],
    ids=[
        "empty",
        "whitespace",
        "too-long",
        "too-many-words",
        "star",
        "quote",
        "empty-quotes",
        "bracket",
        "minus",
        "colon",
        "caret",
        "all-syntax",
    ],
)
def test_a_query_that_cannot_be_searched_gets_a_friendly_400(client, boards, query, message):
    """Nothing to search, or too much, is answered with a message in the form, not a 500."""
    status, page = search(client, query)

    assert status == 400
    assert message in error_for(page, "q")
    assert 'class="search-results"' not in page


@pytest.mark.parametrize("query", ["NEAR", "AND OR NOT"])
def test_search_operators_alone_get_a_friendly_400(client, boards, query):
    """Typing only search-engine operators is answered with a message, like punctuation."""
    status, page = search(client, query)

    assert status == 400
    assert error_for(page, "q")


@pytest.mark.parametrize("query", ["ache " * 9 + "throb", "x" * 200])
def test_the_longest_allowed_query_is_searched(client, query):
    """Ten words, or 200 characters, are still searched."""
    status, page = search(client, query)

    assert status == 200
    assert "Nothing found" in page


@pytest.mark.parametrize(
    "query", ["RFA*", '"RFA', 'RFA"', "(RFA)", "-RFA", "^RFA", "RFA NEAR", "rfa:", "+RFA"]
)
def test_syntax_characters_around_a_word_search_the_word(app, client, make_thread, query):
    """Stray operators or an unbalanced quote do not break the search: the word is found."""
    thread = make_thread(title="Ablation diary", body="RFA near the sacrum, day three.")

    status, page = search(client, query)

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, thread)]


def test_a_field_prefix_is_searched_as_words(app, client, make_thread):
    """title:RFA is not a query operator: it searches the words title and RFA."""
    thread = make_thread(title="RFA title question", body="Which title fits?")
    make_thread(title="Another RFA story", body="Without that word.")

    status, page = search(client, "title:RFA")

    assert status == 200
    assert shown_ids(page) == [first_post_id(app, thread)]


def test_without_a_query_the_empty_search_page_is_shown(client, boards):
    """/search with no query shows the search form, no results and no error."""
    response = client.get("/search")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="q"' in page
    assert 'class="error"' not in page
    assert 'class="search-results"' not in page
    assert "Nothing found" not in page


def test_an_unknown_order_is_refused(client):
    """sort=anything-else gives 400 with a message."""
    status, page = search(client, "RFA", sort="oldest")

    assert status == 400
    assert error_for(page, "sort")


# -- order -----------------------------------------------------------------------------


@pytest.fixture
def three_mentions(app, make_thread):
    """Posts mentioning gabapentin: in a body (oldest), in a title, in a body (newest)."""
    older = make_thread(title="Month two", body="Started gabapentin, feeling foggy.")
    titled = make_thread(title="Gabapentin side effects", body="Mostly dizziness.")
    newer = make_thread(title="Month three", body="Stopped gabapentin at last.")
    return [first_post_id(app, thread) for thread in (older, titled, newer)]


def test_best_match_puts_a_title_match_first(client, three_mentions):
    """Ordered by best match, a thread titled with the word comes before mere mentions."""
    older, titled, newer = three_mentions

    status, page = search(client, "gabapentin")

    assert status == 200
    ids = shown_ids(page)
    assert ids[0] == titled
    assert sorted(ids) == sorted(three_mentions)


def test_newest_first_lists_the_latest_posts_first(client, three_mentions):
    """Ordered by newest, the most recent post comes first, whatever matched."""
    older, titled, newer = three_mentions

    status, page = search(client, "gabapentin", sort="newest")

    assert status == 200
    assert shown_ids(page) == [newer, titled, older]


# -- pages -----------------------------------------------------------------------------


def test_more_results_continue_on_the_next_page(make_app, make_thread):
    """With two results per page, "More results" leads to the third hit."""
    client = make_app(SEARCH_RESULTS_PER_PAGE=2).test_client()
    for n in range(3):
        make_thread(title=f"Diary entry {n + 1}", body="Acupuncture session today.")

    status, first = search(client, "acupuncture")

    assert status == 200
    assert len(shown_ids(first)) == 2
    more = re.search(r'<a rel="next" href="([^"]*)">More results</a>', first)
    assert more, "no More results link"
    second = client.get(html_lib.unescape(more.group(1)))
    assert second.status_code == 200
    second_page = second.get_data(as_text=True)
    assert len(shown_ids(second_page)) == 1
    assert set(shown_ids(second_page)).isdisjoint(shown_ids(first))
    assert "More results" not in second_page
    assert "Previous results" in second_page


def test_the_last_page_has_no_more_results_link(make_app, make_thread):
    """Exactly two hits with two per page: no link to an empty page."""
    client = make_app(SEARCH_RESULTS_PER_PAGE=2).test_client()
    for n in range(2):
        make_thread(title=f"Diary entry {n + 1}", body="Acupuncture session today.")

    status, page = search(client, "acupuncture")

    assert status == 200
    assert len(shown_ids(page)) == 2
    assert "More results" not in page


@pytest.mark.parametrize("page", ["0", "-1"])
def test_a_page_below_one_is_refused(client, make_thread, page):
    """page=0 or a negative page gives 400, not an error or a silent first page."""
    make_thread(title="Diary entry", body="Acupuncture session today.")

    status, _ = search(client, "acupuncture", page=page)

    assert status == 400


def test_a_hit_deep_in_a_long_thread_links_to_its_page(app, client, make_thread, make_user):
    """Reply #45 of a long thread links straight to page 3 of the thread, at the post."""
    thread = make_thread(title="The long RFA megathread", body="Post your experiences.")
    regular = make_user("regular")
    with app.app_context():
        author = db.session.get(User, regular.id)
        loaded = db.session.get(Thread, thread.id)
        for n in range(2, 45):
            reply_to_thread(author, loaded, f"Update number {n}.")
        deep = reply_to_thread(author, loaded, "Finally tried baclofen for the spasms.")
        assert deep.position == 45

    status, page = search(client, "baclofen")

    assert status == 200
    (hit,) = shown_hits(page)
    assert hit.href == f"/t/{thread.id}/the-long-rfa-megathread?page=3#p{deep.id}"
    assert "reply #45" in page
    target = client.get(hit.href.split("#")[0])
    assert target.status_code == 200
    assert f'id="p{deep.id}"' in target.get_data(as_text=True)


# -- the search box and robots ---------------------------------------------------------


class _Forms(HTMLParser):
    """Each <form>'s attributes with the names of its inputs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((attrs, []))
        elif tag == "input" and self.forms:
            self.forms[-1][1].append(attrs.get("name", ""))


def _header_search(page: str) -> tuple[dict, list[str]]:
    parser = _Forms()
    parser.feed(page)
    found = [form for form in parser.forms if "header-search" in form[0].get("class", "")]
    assert len(found) == 1, "the page header has no search box"
    return found[0]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/b/{board}",
        "/t/{thread}/a-thread-about-treatment",
        "/search",
        "/search?q=RFA",
        "/login",
    ],
)
def test_every_page_has_a_search_box_in_its_header(client, make_thread, path):
    """Whatever page one is on, the header offers a search box that GETs /search?q=."""
    thread = make_thread(title="A thread about treatment")
    with client.application.app_context():
        slug = db.session.scalar(sa.select(Board.slug).where(Board.id == thread.board_id))
    response = client.get(path.format(board=slug, thread=thread.id))

    assert response.status_code == 200
    attrs, inputs = _header_search(response.get_data(as_text=True))
    assert attrs.get("method", "get").lower() == "get"
    assert attrs["action"] == "/search"
    assert "q" in inputs


@pytest.mark.parametrize("query", [None, "RFA", "*"])
def test_search_pages_ask_search_engines_not_to_index_them(client, query):
    """The search page, with or without results or an error, is marked noindex."""
    _, page = search(client, query)

    assert '<meta name="robots" content="noindex">' in page


def test_other_pages_are_not_marked_noindex(client):
    """The noindex mark is for search pages only: the home page stays indexable."""
    page = client.get("/").get_data(as_text=True)

    assert 'name="robots"' not in page


# -- bounded SQL -----------------------------------------------------------------------


def _add_hits(app, replies: int, threads: int, start: int) -> None:
    """Hits by distinct members: replies in one thread, then threads on boards of their own."""
    with app.app_context():
        for n in range(start, start + threads):
            board = Board(
                slug=f"hits-{n}",
                name=f"Hits {n}",
                category="Testing",
                description="",
                aliases=[],
                position=100 + n,
            )
            db.session.add(board)
            db.session.commit()
            post = create_thread(
                create_member(f"searcher{n}"),
                board,
                f"Freezing attempt {n}",
                "cryoneurolysis",
                visibility="public",
            )
            thread = db.session.get(Thread, post.thread_id)
            for r in range(replies):
                reply_to_thread(create_member(f"replier{n}-{r}"), thread, "My cryoneurolysis too.")


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_search_page_runs_a_bounded_number_of_statements(
    app, client, make_user, count_queries, signed_in
):
    """Searching costs the same few statements with 3 hits as with 20."""
    if signed_in:
        login(client, make_user("reader"))
    counts = {}
    # 1 thread with 2 replies = 3 hits; then 17 threads more = 20 hits.
    for hits, (replies, threads, start) in {3: (2, 1, 0), 20: (0, 17, 1)}.items():
        _add_hits(app, replies, threads, start)
        with count_queries() as statements:
            status, page = search(client, "cryoneurolysis")
        assert status == 200
        assert len(shown_ids(page)) == hits
        counts[hits] = len(statements)

    assert counts[3] == counts[20] <= CEILING, counts


def test_the_page_says_how_many_posts_match_and_when_it_stopped_counting(
    client, make_thread, make_post, monkeypatch
):
    thread = make_thread(title="Questions before my procedure", body="What about sedation?")
    for n in range(3):
        make_post(thread, body=f"Sedation story number {n}.")

    assert "4 posts match." in client.get("/search?q=sedation").get_data(as_text=True)

    monkeypatch.setattr("forum.search.services.CANDIDATES", 2)
    page = client.get("/search?q=sedation").get_data(as_text=True)
    assert "2 or more posts match: these are the best matches among the newest 2." in page


def test_excerpts_show_words_not_markdown_marks(client, make_thread):
    make_thread(
        title="Formatting",
        body="> quoted\n\n- *Demo* note about **fluoroscopy** and `code`, see [the leaflet](https://x.example/l).",
    )

    status, page = search(client, "fluoroscopy")

    assert status == 200
    (hit,) = shown_hits(page)
    words = html_lib.unescape(re.sub(r"</?mark>", "", hit.excerpt))
    assert "Demo note about fluoroscopy and code, see the leaflet." in words
    for mark in ("*", "`", "](", "> ", "- "):
        assert mark not in words
