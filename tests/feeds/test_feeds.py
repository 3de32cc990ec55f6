"""Atom feeds: the latest threads, a board's threads, a thread's posts."""

import re
from html.parser import HTMLParser

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.moderation.services import decide_on_post
from forum.threads.models import Post, Thread, slugify
from forum.threads.services import create_thread, delete_post
from tests.conftest import first_post_id, login
from tests.feeds.conftest import A, body_html, hide_thread, parse, set_post_state

TRICKY = 'Fish & <chips> "RFA"'
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def text(element, tag: str) -> str:
    found = element.find(A + tag)
    assert found is not None, f"no <{tag}>"
    return found.text or ""


def links(element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in element.findall(A + "link")}


def assert_valid_feed(root, self_url: str, alternate_url: str) -> None:
    """What Atom 1.0 requires of a feed, and what every entry of ours carries."""
    assert root.tag == A + "feed"
    assert text(root, "id") == self_url
    assert text(root, "title")
    assert RFC3339.match(text(root, "updated"))
    assert links(root) == {"self": self_url, "alternate": alternate_url}
    assert text(root.find(A + "author"), "name") == "Firsthand"
    for entry in root.findall(A + "entry"):
        for tag in ("id", "title", "updated", "published"):
            assert text(entry, tag), tag
        assert RFC3339.match(text(entry, "updated"))
        assert RFC3339.match(text(entry, "published"))
        assert text(entry.find(A + "author"), "name")
        assert set(links(entry)) == {"alternate"}
        assert links(entry)["alternate"].startswith("http://localhost/t/")
        assert entry.find(A + "content").get("type") == "html"
    newest = max((text(e, "updated") for e in root.findall(A + "entry")), default=None)
    if newest:
        assert text(root, "updated") == newest


def entry_titles(root) -> list[str]:
    return [text(entry, "title") for entry in root.findall(A + "entry")]


# -- the latest threads ----------------------------------------------------------------


def test_latest_feed_is_atom_with_every_required_element(
    app, client, make_board, make_user, make_thread, make_post
):
    board = make_board(slug="rfa", name="Radiofrequency ablation")
    author = make_user("patient-pat")
    thread = make_thread(board=board, author=author, title=TRICKY, body="It **helped** a lot.")
    make_post(thread, body="A reply is not an entry of this feed.")

    response = client.get("/feeds/latest.atom")

    assert response.content_type == "application/atom+xml; charset=utf-8"
    assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = parse(response)
    assert_valid_feed(root, "http://localhost/feeds/latest.atom", "http://localhost/")
    [entry] = root.findall(A + "entry")
    assert text(entry, "id") == f"http://localhost/t/{thread.id}"
    assert text(entry, "title") == TRICKY
    assert links(entry)["alternate"] == f"http://localhost/t/{thread.id}/{slugify(TRICKY)}"
    assert text(entry.find(A + "author"), "name") == "patient-pat"
    assert text(entry, "published") == thread.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert entry.find(A + "category").attrib == {
        "term": "rfa",
        "label": "Radiofrequency ablation",
    }
    # The stored, sanitised HTML, as the text of a type="html" element.
    content = text(entry, "content")
    assert content == body_html(app, first_post_id(app, thread))
    assert "<strong>helped</strong>" in content


def test_titles_and_html_are_escaped_in_the_xml(app, client, make_thread):
    thread = make_thread(title=TRICKY, body="Dose <b>x</b> & **y**")

    raw = client.get("/feeds/latest.atom").get_data(as_text=True)

    assert "Fish &amp; &lt;chips&gt; &#34;RFA&#34;" in raw
    assert "<chips>" not in raw
    assert "<strong>" not in raw and "&lt;strong&gt;y&lt;/strong&gt;" in raw
    # Raw HTML in the source was escaped once when stored, and once more in the feed.
    assert "&amp;lt;b&amp;gt;" in raw
    assert text(parse(client.get(f"/t/{thread.id}.atom")), "title") == f"{TRICKY} · Firsthand"


def test_characters_xml_forbids_are_dropped_rather_than_breaking_the_feed(
    app, client, make_board, make_user
):
    board, author = make_board(), make_user()
    with app.app_context():
        post = create_thread(
            db.session.get(User, author.id),
            board,
            "Bell\x07 and form\x0cfeed",
            "x",
            visibility="public",
        )
        thread_id = post.thread_id

    for path in ("/feeds/latest.atom", f"/b/{board.slug}.atom", f"/t/{thread_id}.atom"):
        assert "Bell and form" in entry_titles(parse(client.get(path)))[-1]


def test_latest_feed_lists_threads_newest_first_across_boards(
    client, make_board, make_thread, make_post
):
    first = make_thread(board=make_board(), title="The oldest thread")
    make_thread(board=make_board(), title="A middle thread")
    make_thread(board=make_board(), title="The newest thread")
    make_post(first, body="New activity does not move a thread in a feed of new threads.")

    root = parse(client.get("/feeds/latest.atom"))

    assert entry_titles(root) == ["The newest thread", "A middle thread", "The oldest thread"]


def test_an_empty_site_has_a_valid_feed(client):
    root = parse(client.get("/feeds/latest.atom"))
    assert_valid_feed(root, "http://localhost/feeds/latest.atom", "http://localhost/")
    assert root.findall(A + "entry") == []


# -- a board's threads -----------------------------------------------------------------


def test_board_feed_lists_only_that_boards_threads(client, make_board, make_thread):
    board = make_board(slug="pumps", name="Intrathecal pumps & ports")
    make_thread(board=board, title="Pump refill every three months")
    make_thread(board=make_board(), title="A thread on another board")

    response = client.get("/b/pumps.atom")

    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = parse(response)
    assert_valid_feed(root, "http://localhost/b/pumps.atom", "http://localhost/b/pumps")
    assert text(root, "title") == "Intrathecal pumps & ports · Firsthand"
    assert text(root, "subtitle") == "A board for tests."
    assert entry_titles(root) == ["Pump refill every three months"]


def test_an_empty_board_has_a_valid_feed(client, make_board):
    board = make_board()
    root = parse(client.get(f"/b/{board.slug}.atom"))
    assert_valid_feed(
        root, f"http://localhost/b/{board.slug}.atom", f"http://localhost/b/{board.slug}"
    )
    assert root.findall(A + "entry") == []


def test_board_feed_of_an_unknown_board_is_404(client):
    assert client.get("/b/no-such-board.atom").status_code == 404


# -- a thread's posts ------------------------------------------------------------------


def test_thread_feed_has_its_posts_newest_first(
    app, client, make_board, make_user, make_thread, make_post
):
    thread = make_thread(board=make_board(name="Nerve blocks"), title=TRICKY, body="Opening.")
    reply = make_post(thread, author=make_user("second-voice"), body="I had it **twice**.")

    response = client.get(f"/t/{thread.id}.atom")

    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = parse(response)
    page = f"http://localhost/t/{thread.id}/{slugify(TRICKY)}"
    assert_valid_feed(root, f"http://localhost/t/{thread.id}.atom", page)
    assert text(root, "subtitle") == "Posts in a thread on Nerve blocks."
    newest, opening = root.findall(A + "entry")
    assert text(newest, "id") == f"http://localhost/p/{reply.id}"
    assert text(newest, "title") == f"Re: {TRICKY} (#2)"
    assert links(newest)["alternate"] == f"{page}#p{reply.id}"
    assert text(newest.find(A + "author"), "name") == "second-voice"
    assert text(newest, "content") == body_html(app, reply.id)
    opening_id = first_post_id(app, thread)
    assert text(opening, "id") == f"http://localhost/p/{opening_id}"
    assert text(opening, "title") == TRICKY
    assert text(opening, "content") == "<p>Opening.</p>"


def test_thread_feed_links_posts_to_their_page(make_app, make_thread, make_post):
    thread = make_thread(title="A long thread")
    replies = [make_post(thread, body=f"reply {n}") for n in range(3)]
    client = make_app(POSTS_PER_PAGE=2).test_client()

    root = parse(client.get(f"/t/{thread.id}.atom"))

    latest = root.findall(A + "entry")[0]
    assert links(latest)["alternate"] == (
        f"http://localhost/t/{thread.id}/a-long-thread?page=2#p{replies[-1].id}"
    )


def test_thread_feed_shows_the_latest_fifty_posts(app, client, make_thread, make_user):
    thread = make_thread(title="Fifty-five posts")
    writer = make_user()
    with app.app_context():
        author = db.session.get(User, writer.id)
        for n in range(54):
            db.session.add(
                Post(
                    thread_id=thread.id,
                    author_id=author.id,
                    position=n + 2,
                    body_source=f"reply {n}",
                    body_html=f"<p>reply {n}</p>",
                )
            )
        db.session.execute(sa.update(Thread).where(Thread.id == thread.id).values(post_count=55))
        db.session.commit()

    entries = parse(client.get(f"/t/{thread.id}.atom")).findall(A + "entry")

    assert len(entries) == 50
    assert text(entries[0], "title") == "Re: Fifty-five posts (#55)"
    assert text(entries[-1], "title") == "Re: Fifty-five posts (#6)"


def test_thread_feed_of_an_unknown_thread_is_404(client):
    assert client.get("/t/999999.atom").status_code == 404


def test_feeds_answer_a_reader_that_has_them_with_304(client, make_thread, make_post):
    thread = make_thread()
    for path in ("/feeds/latest.atom", f"/t/{thread.id}.atom"):
        first = client.get(path)
        etag = first.headers["ETag"]

        again = client.get(path, headers={"If-None-Match": etag})

        assert again.status_code == 304
        assert again.get_data() == b""
    make_post(thread, body="Something new.")
    changed = client.get(f"/t/{thread.id}.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


# -- only what a visitor may see -------------------------------------------------------


def test_hidden_threads_are_in_no_feed(app, client, make_board, make_thread):
    board = make_board()
    thread = make_thread(board=board, title="Waiting for approval")
    make_thread(board=board, title="Approved long ago")
    hide_thread(app, thread)

    for path in ("/feeds/latest.atom", f"/b/{board.slug}.atom"):
        assert entry_titles(parse(client.get(path))) == ["Approved long ago"], path
    assert client.get(f"/t/{thread.id}.atom").status_code == 404


def test_threads_whose_opening_post_is_gone_are_not_listed(
    app, client, make_board, make_user, make_thread, make_post, moderator
):
    board = make_board()
    author = make_user()
    deleted = make_thread(board=board, author=author, title="Deleted by its author")
    removed = make_thread(board=board, title="Removed by a moderator")
    hidden = make_thread(board=board, title="Hidden by a moderator")
    make_thread(board=board, title="Still here")
    make_post(deleted, body="A reply that stays public.")
    with app.app_context():
        delete_post(author, db.session.get(Post, first_post_id(app, deleted)))
        mod = db.session.get(User, moderator.id)
        for thread, decision in ((removed, "delete"), (hidden, "hide")):
            post = db.session.get(Post, first_post_id(app, thread))
            decide_on_post(mod, post, decision, "Off topic.", [])

    for path in ("/feeds/latest.atom", f"/b/{board.slug}.atom"):
        assert entry_titles(parse(client.get(path))) == ["Still here"], path
    # The thread's own feed carries what is still public in it, and nothing else.
    root = parse(client.get(f"/t/{deleted.id}.atom"))
    assert [text(e, "content") for e in root.findall(A + "entry")] == [
        "<p>A reply that stays public.</p>"
    ]


def test_posts_a_visitor_cannot_see_are_not_in_the_thread_feed(
    app, client, make_user, make_thread, make_post, moderator
):
    author = make_user()
    thread = make_thread(title="A thread with troubles", body="The opening post.")
    pending = make_post(thread, body="Waiting for approval.")
    hidden = make_post(thread, body="Hidden by a moderator.")
    flagged = make_post(thread, body="Hidden pending review.")
    deleted = make_post(thread, author=author, body="Deleted by its author.")
    make_post(thread, body="A visible reply.")
    set_post_state(app, pending.id, "pending")
    set_post_state(app, flagged.id, "hidden")
    with app.app_context():
        decide_on_post(
            db.session.get(User, moderator.id), db.session.get(Post, hidden.id), "hide", "No.", []
        )
        delete_post(author, db.session.get(Post, deleted.id))

    raw = client.get(f"/t/{thread.id}.atom").get_data(as_text=True)

    assert "The opening post." in raw and "A visible reply." in raw
    for body in ("Waiting for", "Hidden by", "Hidden pending", "Deleted by"):
        assert body not in raw
    entries = parse(client.get(f"/t/{thread.id}.atom")).findall(A + "entry")
    assert [text(e, "content") for e in entries] == [
        "<p>A visible reply.</p>",
        "<p>The opening post.</p>",
    ]


# -- links in the page head ------------------------------------------------------------


class _HeadLinks(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.feeds: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.feeds.append(attrs)


def head_feeds(response) -> list[dict]:
    html = response.get_data(as_text=True)
    return _HeadLinks(html[: html.index("</head>")]).feeds


def test_pages_link_their_feed_in_the_head(client, make_board, make_thread):
    board = make_board(slug="spinal", name="Spinal cord stimulators")
    thread = make_thread(board=board, title=TRICKY)

    pages = {
        "/": ("http://localhost/feeds/latest.atom", "Latest threads on Firsthand"),
        "/b/spinal": ("http://localhost/b/spinal.atom", "New threads on Spinal cord stimulators"),
        f"/t/{thread.id}/{slugify(TRICKY)}": (
            f"http://localhost/t/{thread.id}.atom",
            f"Posts in {TRICKY}",
        ),
    }
    for path, (href, title) in pages.items():
        [link] = head_feeds(client.get(path))
        assert link == {
            "rel": "alternate",
            "type": "application/atom+xml",
            "title": title,
            "href": href,
        }, path
        assert client.get(href.removeprefix("http://localhost")).status_code == 200


def test_a_hidden_thread_page_links_no_feed(app, client, make_thread, moderator):
    thread = make_thread(title="Waiting for approval")
    hide_thread(app, thread)
    login(client, moderator)

    response = client.get(f"/t/{thread.id}/{slugify(thread.title)}")

    assert response.status_code == 200
    assert head_feeds(response) == []
