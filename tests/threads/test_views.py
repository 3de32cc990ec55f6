"""Reading and writing threads through HTTP, checked on the rendered pages."""

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.threads.models import Post, PostRevision, Thread
from forum.threads.services import reply_to_thread
from tests.conftest import login

# -- helpers ---------------------------------------------------------------------------


class _StartTags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def _elements(page: str, tag: str, **attrs: str) -> list[dict]:
    """Attributes of every <tag> whose attributes include attrs (class_ for class)."""
    parser = _StartTags()
    parser.feed(page)
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    return [
        found
        for name, found in parser.tags
        if name == tag and all(found.get(k) == v for k, v in wanted.items())
    ]


def _element(page: str, tag: str, **attrs: str) -> dict:
    found = _elements(page, tag, **attrs)
    assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
    return found[0]


def _textarea(page: str, name: str) -> str:
    """The text a browser would show in the named textarea."""
    match = re.search(
        rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', page, flags=re.DOTALL
    )
    assert match, f"no textarea named {name}"
    text = html_lib.unescape(match.group(1))
    # Browsers drop one newline right after <textarea>.
    return text.removeprefix("\r\n").removeprefix("\n")


def _error_for(page: str, field: str) -> str:
    """The error message shown by a field, checked to be tied to it by aria-describedby."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, flags=re.DOTALL)
    assert match, f"no error message shown for {field}"
    control = _element(page, "textarea" if field == "body" else "input", name=field)
    assert f"{field}-error" in control.get("aria-describedby", "").split()
    assert control.get("aria-invalid") == "true"
    return html_lib.unescape(match.group(1))


def _post_ids(page: str) -> list[int]:
    """Ids of the posts on a thread page, in page order, from their id="p<id>" anchors."""
    return [int(n) for n in re.findall(r'<article class="post[^"]*" id="p(\d+)"', page)]


def _article(page: str, post_id: int) -> str:
    match = re.search(
        rf'<article class="post[^"]*" id="p{post_id}".*?</article>', page, flags=re.DOTALL
    )
    assert match, f"post {post_id} is not on the page"
    return match.group(0)


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, flags=re.DOTALL)
    assert match
    return html_lib.unescape(match.group(1))


def _breadcrumb(page: str) -> list[tuple[str, str]]:
    match = re.search(r'<nav[^>]*aria-label="Breadcrumb"[^>]*>(.*?)</nav>', page, re.DOTALL)
    assert match, "no breadcrumb"
    links = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', match.group(1), flags=re.DOTALL)
    return [(html_lib.unescape(href), html_lib.unescape(text)) for href, text in links]


def _html(response) -> str:
    return response.get_data(as_text=True)


def _add_replies(app, thread, author, bodies) -> list[Post]:
    """Replies by one author, in order (quicker than a new member per post)."""
    with app.app_context():
        user = db.session.get(User, author.id)
        ids = [reply_to_thread(user, db.session.get(Thread, thread.id), body).id for body in bodies]
        posts = [db.session.get(Post, post_id) for post_id in ids]
        for post in posts:
            db.session.expunge(post)
        return posts


def _first_post(app, thread) -> Post:
    with app.app_context():
        post = db.session.scalar(
            sa.select(Post).where(Post.thread_id == thread.id, Post.position == 1)
        )
        db.session.expunge(post)
        return post


def _db_post(app, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get(Post, post_id)
        db.session.expunge(post)
        return post


def _count_posts(app, thread_id: int | None = None) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(Post)
        if thread_id is not None:
            query = query.where(Post.thread_id == thread_id)
        return db.session.scalar(query)


def _count_threads(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Thread))


def _lock(app, thread) -> None:
    with app.app_context():
        db.session.get(Thread, thread.id).is_locked = True
        db.session.commit()


@pytest.fixture
def small_pages(make_app):
    """An app showing three posts a page, sharing the test database."""
    return make_app(POSTS_PER_PAGE=3)


# -- reading a thread ------------------------------------------------------------------


def test_thread_page_lists_posts_oldest_first_with_anchors(small_pages, make_thread, member):
    thread = make_thread(body="Post number 1")
    replies = _add_replies(small_pages, thread, member, [f"Post number {n}" for n in (2, 3, 4, 5)])
    first = _first_post(small_pages, thread)
    client = small_pages.test_client()
    url = f"/t/{thread.id}/{thread.slug}"

    page_one = client.get(url)
    page_two = client.get(f"{url}?page=2")

    assert page_one.status_code == 200
    assert _post_ids(_html(page_one)) == [first.id, replies[0].id, replies[1].id]
    bodies = re.findall(r"Post number (\d)", _html(page_one))
    assert bodies == ["1", "2", "3"]
    assert page_two.status_code == 200
    assert _post_ids(_html(page_two)) == [replies[2].id, replies[3].id]
    assert "Post number 1" not in _html(page_two)
    assert "Page 2 of 2" in _html(page_two)


@pytest.mark.parametrize("page", ["0", "3", "40"])
def test_thread_page_out_of_range_is_404(small_pages, make_thread, member, page):
    thread = make_thread()
    _add_replies(small_pages, thread, member, ["a", "b", "c", "d"])

    response = small_pages.test_client().get(f"/t/{thread.id}/{thread.slug}?page={page}")

    assert response.status_code == 404
    assert "There is no such page." in _html(response)


def test_twenty_posts_a_page_and_permalinks_land_on_the_right_page(
    client, app, make_thread, member
):
    assert app.config["POSTS_PER_PAGE"] == 20
    thread = make_thread(body="Opening post")
    replies = _add_replies(app, thread, member, [f"Reply {n}" for n in range(2, 22)])
    first = _first_post(app, thread)
    post_20, post_21 = replies[-2], replies[-1]
    assert (post_20.position, post_21.position) == (20, 21)
    url = f"/t/{thread.id}/{thread.slug}"

    page_one = _html(client.get(url))
    page_two = client.get(f"{url}?page=2")

    assert _post_ids(page_one) == [first.id] + [p.id for p in replies[:19]]
    assert "Page 1 of 2" in page_one
    assert {a["href"] for a in _elements(page_one, "a", rel="next")} == {f"{url}?page=2"}
    assert page_two.status_code == 200
    assert _post_ids(_html(page_two)) == [post_21.id]
    assert client.get(f"{url}?page=3").status_code == 404

    to_21 = client.get(f"/p/{post_21.id}")
    to_20 = client.get(f"/p/{post_20.id}")
    assert to_21.status_code == 302
    assert to_21.location == f"{url}?page=2#p{post_21.id}"
    assert to_20.location == f"{url}#p{post_20.id}"


def test_permalink_redirects_to_page_and_anchor(small_pages, make_thread, member):
    thread = make_thread()
    replies = _add_replies(small_pages, thread, member, ["2", "3", "4", "5", "6", "7"])
    first = _first_post(small_pages, thread)
    client = small_pages.test_client()
    url = f"/t/{thread.id}/{thread.slug}"

    assert client.get(f"/p/{first.id}").location == f"{url}#p{first.id}"
    assert client.get(f"/p/{replies[2].id}").location == f"{url}?page=2#p{replies[2].id}"
    assert client.get(f"/p/{replies[5].id}").location == f"{url}?page=3#p{replies[5].id}"
    landing = client.get(f"/p/{replies[2].id}", follow_redirects=True)
    assert f'id="p{replies[2].id}"' in _html(landing)
    assert client.get("/p/999999").status_code == 404


def test_short_thread_url_redirects_permanently_to_the_slug(client, make_thread):
    thread = make_thread(title="Spinal cord stimulator: year one")
    canonical = f"/t/{thread.id}/spinal-cord-stimulator-year-one"

    short = client.get(f"/t/{thread.id}")
    wrong = client.get(f"/t/{thread.id}/an-old-title")
    wrong_with_page = client.get(f"/t/{thread.id}/an-old-title?page=1")

    assert short.status_code == 301
    assert short.location == canonical
    assert wrong.status_code == 301
    assert wrong.location == canonical
    assert wrong_with_page.status_code == 301
    assert wrong_with_page.location == f"{canonical}?page=1"
    assert client.get(canonical).status_code == 200
    assert client.get("/t/999999").status_code == 404


def test_thread_page_title_and_breadcrumb(client, make_board, make_thread):
    board = make_board(slug="rfa", name="RF ablation")
    thread = make_thread(board=board, title="Genicular RFA & rehab")

    page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))

    title = _title(page)
    assert "Genicular RFA & rehab" in title
    assert "RF ablation" in title
    assert title.index("Genicular RFA") < title.index("RF ablation")
    assert _breadcrumb(page) == [
        ("/", "Home"),
        ("/b/rfa", "RF ablation"),
        (f"/t/{thread.id}/genicular-rfa-rehab", "Genicular RFA & rehab"),
    ]


# -- starting a thread -----------------------------------------------------------------


def test_visitor_is_sent_to_sign_in_to_start_a_thread(client, app, make_board):
    make_board(slug="rfa")

    shown = client.get("/b/rfa/new")
    posted = client.post("/b/rfa/new", data={"title": "Sneaky visitor", "body": "Hi."})

    assert shown.status_code == 302
    assert shown.location.startswith("/login?")
    assert "next=%2Fb%2Frfa%2Fnew" in shown.location
    assert posted.status_code == 302
    assert posted.location.startswith("/login?")
    assert _count_threads(app) == 0


def test_member_gets_the_start_thread_form(client, make_board, member):
    make_board(slug="rfa", name="RF ablation")
    login(client, member)

    response = client.get("/b/rfa/new")

    page = _html(response)
    assert response.status_code == 200
    assert "Start a thread in RF ablation" in page
    assert _element(page, "input", name="title")["value"] == ""
    assert _textarea(page, "body") == ""
    assert len(_element(page, "input", name="submission_key")["value"]) >= 16


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("Hey", "What I went through.", "title", "A title is 5 to 150 characters long"),
        ("a        b", "What I went through.", "title", "A title is 5 to 150 characters long"),
        ("T" * 151, "What I went through.", "title", "A title is 5 to 150 characters long"),
        ("My first ablation", "", "body", "Please write something."),
        ("My first ablation", "x" * 20_001, "body", "at most 20,000 characters"),
    ],
    ids=["short-title", "short-after-collapse", "long-title", "empty-body", "long-body"],
)
def test_invalid_thread_rerenders_with_message_and_typed_text(
    client, app, make_board, member, title, body, field, message
):
    make_board(slug="rfa")
    login(client, member)

    response = client.post(
        "/b/rfa/new", data={"title": title, "body": body, "visibility": "public"}
    )

    page = _html(response)
    assert response.status_code == 422
    assert message in _error_for(page, field)
    assert _element(page, "input", name="title")["value"] == title
    assert _textarea(page, "body") == body
    assert _count_threads(app) == 0


def test_a_valid_field_is_not_announced_as_invalid(client, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    page = _html(client.post("/b/rfa/new", data={"title": "Hey", "body": "Fine text."}))

    assert _element(page, "input", name="title")["aria-invalid"] == "true"
    body = _element(page, "textarea", name="body")
    # Per WAI-ARIA any value other than "false" (or none) means invalid.
    assert body.get("aria-invalid", "false") == "false", body


def test_starting_a_thread_redirects_to_its_first_post(client, app, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    response = client.post(
        "/b/rfa/new",
        data={"title": "  My   first ablation ", "body": "It **helped**.", "visibility": "public"},
    )

    with app.app_context():
        thread = db.session.scalar(sa.select(Thread))
        post = db.session.scalar(sa.select(Post))
        assert (thread.title, post.thread_id) == ("My first ablation", thread.id)
    assert response.status_code == 302
    assert response.location == f"/t/{thread.id}/my-first-ablation#p{post.id}"
    page = _html(client.get(response.location))
    assert "<h1>My first ablation</h1>" in page
    assert "<strong>helped</strong>" in _article(page, post.id)


def test_double_submitted_thread_form_creates_one_thread(client, app, make_board, member):
    make_board(slug="rfa")
    login(client, member)
    key = _element(_html(client.get("/b/rfa/new")), "input", name="submission_key")["value"]
    data = {
        "title": "Clicked twice",
        "body": "Only once please.",
        "submission_key": key,
        "visibility": "public",
    }

    first = client.post("/b/rfa/new", data=data)
    second = client.post("/b/rfa/new", data=data)

    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert _count_threads(app) == 1
    assert _count_posts(app) == 1


# -- replying --------------------------------------------------------------------------


def test_reply_form_is_at_the_foot_of_the_last_page_only(small_pages, make_thread, member):
    thread = make_thread()
    _add_replies(small_pages, thread, member, ["2", "3", "4", "5"])
    client = small_pages.test_client()
    login(client, member)
    url = f"/t/{thread.id}/{thread.slug}"

    page_one = _html(client.get(url))
    last_page = _html(client.get(f"{url}?page=2"))

    assert 'id="reply"' not in page_one
    assert not _elements(page_one, "textarea", name="body")
    assert _element(last_page, "form", action=f"/t/{thread.id}/reply")["method"] == "post"
    assert _textarea(last_page, "body") == ""
    assert last_page.index("</article>") < last_page.rindex('id="reply"')


def test_visitor_on_the_last_page_is_invited_to_sign_in(client, make_thread):
    thread = make_thread()

    page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))

    assert not _elements(page, "textarea", name="body")
    reply = page[page.index('id="reply"') :]
    assert re.search(r'<a href="/login\?next=[^"]+">Sign in</a> to reply', reply)


def test_visitor_cannot_reply(client, app, make_thread):
    thread = make_thread()

    response = client.post(f"/t/{thread.id}/reply", data={"body": "Drive-by."})

    assert response.status_code == 302
    assert response.location.startswith("/login?")
    assert _count_posts(app, thread.id) == 1


def test_reply_redirects_to_the_new_posts_anchor(small_pages, make_thread, member):
    thread = make_thread()
    _add_replies(small_pages, thread, member, ["2", "3"])
    client = small_pages.test_client()
    login(client, member)

    response = client.post(f"/t/{thread.id}/reply", data={"body": "Number *four*."})

    with small_pages.app_context():
        post = db.session.scalar(sa.select(Post).where(Post.position == 4))
        assert post.body_source == "Number *four*."
    assert response.status_code == 302
    assert response.location == f"/t/{thread.id}/{thread.slug}?page=2#p{post.id}"
    page = _html(client.get(response.location))
    assert "<em>four</em>" in _article(page, post.id)


def test_empty_reply_rerenders_with_message(client, app, make_thread, member):
    thread = make_thread()
    login(client, member)

    response = client.post(f"/t/{thread.id}/reply", data={"body": ""})

    assert response.status_code == 422
    assert "Please write something." in _error_for(_html(response), "body")
    assert _count_posts(app, thread.id) == 1


def test_quote_link_prefills_the_reply_with_a_quote_and_link(
    client, app, make_user, make_thread, member
):
    author = make_user("quoted-quinn")
    thread = make_thread(author=author, body="Line one\n\nLine two")
    first = _first_post(app, thread)
    login(client, member)

    thread_page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))
    quote_href = f"/t/{thread.id}/reply?quote={first.id}"
    assert f'href="{quote_href}"' in _article(thread_page, first.id)
    response = client.get(quote_href)

    assert response.status_code == 200
    text = _textarea(_html(response), "body")
    assert text.startswith(f"[quoted-quinn wrote](/p/{first.id}):\n")
    assert "> Line one\n>\n> Line two" in text


def test_quote_of_a_post_from_another_thread_is_not_prefilled(client, app, make_thread, member):
    here = make_thread()
    elsewhere = make_thread(body="Private to the other thread")
    other_post = _first_post(app, elsewhere)
    login(client, member)

    response = client.get(f"/t/{here.id}/reply?quote={other_post.id}")

    assert response.status_code == 200
    assert _textarea(_html(response), "body") == ""


def test_double_submitted_reply_creates_one_post(client, app, make_thread, member):
    thread = make_thread()
    login(client, member)
    form_page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))
    key = _element(form_page, "input", name="submission_key")["value"]
    data = {"body": "Sent twice by a double click.", "submission_key": key}

    first = client.post(f"/t/{thread.id}/reply", data=data)
    second = client.post(f"/t/{thread.id}/reply", data=data)

    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert _count_posts(app, thread.id) == 2
    page = _html(client.get(first.location))
    assert page.count("Sent twice by a double click.") == 1


def test_locked_thread_refuses_reply_and_keeps_the_text(client, app, make_thread, member):
    thread = make_thread()
    first = _first_post(app, thread)
    _lock(app, thread)
    login(client, member)

    response = client.post(f"/t/{thread.id}/reply", data={"body": "My carefully typed reply."})

    page = _html(response)
    assert response.status_code == 403
    assert "This thread is locked" in page
    assert _textarea(page, "body") == "My carefully typed reply."
    assert _count_posts(app, thread.id) == 1

    reply_page = _html(client.get(f"/t/{thread.id}/reply"))
    assert "This thread is locked" in reply_page
    assert not _elements(reply_page, "textarea", name="body")

    thread_page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))
    assert '<p class="notice">This thread is locked' in thread_page
    assert not _elements(thread_page, "textarea", name="body")
    assert "?quote=" not in _article(thread_page, first.id)


# -- editing ---------------------------------------------------------------------------


def test_edited_post_shows_edited_and_links_to_history(client, app, make_thread, make_post, member):
    thread = make_thread()
    reply = make_post(thread, author=member, body="Pain dropped a little.")
    login(client, member)

    form = _html(client.get(f"/p/{reply.id}/edit"))
    assert _textarea(form, "body") == "Pain dropped a little."
    assert not _elements(form, "input", name="title")
    response = client.post(
        f"/p/{reply.id}/edit", data={"body": "Pain dropped by half.", "version": "1"}
    )

    assert response.status_code == 302
    assert response.location == f"/t/{thread.id}/{thread.slug}#p{reply.id}"
    article = _article(_html(client.get(response.location)), reply.id)
    assert "Pain dropped by half." in article
    assert "Pain dropped a little." not in article
    assert re.search(rf'<a class="edited" href="/p/{reply.id}/history">edited ', article)


def test_history_lists_versions_newest_first_with_the_older_text(
    client, make_thread, make_post, member
):
    reply = make_post(make_thread(), author=member, body="First account.")
    login(client, member)
    client.post(f"/p/{reply.id}/edit", data={"body": "Second account.", "version": "1"})
    client.post("/logout")

    response = client.get(f"/p/{reply.id}/history")

    page = _html(response)
    assert response.status_code == 200
    assert "2 versions, newest first" in page
    assert page.index("Version 2 (current)") < page.index("Second account.")
    assert page.index("Second account.") < page.index("Version 1")
    assert page.index("Version 1") < page.index("First account.")


def test_unedited_post_shows_no_edited_link(client, make_thread, make_post, member):
    thread = make_thread()
    reply = make_post(thread, author=member)

    article = _article(_html(client.get(f"/t/{thread.id}/{thread.slug}")), reply.id)

    assert "/history" not in article
    assert "edited" not in article


def test_stale_version_rerenders_with_conflict_and_keeps_text(
    client, app, make_thread, make_post, member
):
    reply = make_post(make_thread(), author=member, body="Original.")
    login(client, member)
    # Another tab saved first.
    client.post(f"/p/{reply.id}/edit", data={"body": "Saved in another tab.", "version": "1"})

    response = client.post(
        f"/p/{reply.id}/edit", data={"body": "Typed in the stale tab.", "version": "1"}
    )

    page = _html(response)
    assert response.status_code == 409
    assert "This post was changed since you opened it." in _error_for(page, "body")
    assert _textarea(page, "body") == "Typed in the stale tab."
    post = _db_post(app, reply.id)
    assert (post.body_source, post.version) == ("Saved in another tab.", 2)
    # The page shows the version that won, and saving again now replaces it knowingly.
    assert "The current version" in page
    assert "Saved in another tab." in page
    assert _element(page, "input", name="version")["value"] == "2"
    again = client.post(
        f"/p/{reply.id}/edit", data={"body": "Typed in the stale tab.", "version": "2"}
    )
    assert again.status_code == 302
    assert _db_post(app, reply.id).body_source == "Typed in the stale tab."


def test_editing_the_first_post_renames_the_thread(client, app, make_thread, member):
    thread = make_thread(author=member, title="Before the procedure")
    first = _first_post(app, thread)
    login(client, member)

    form = _html(client.get(f"/p/{first.id}/edit"))
    assert _element(form, "input", name="title")["value"] == "Before the procedure"
    response = client.post(
        f"/p/{first.id}/edit",
        data={"title": "After the procedure", "body": "Updated.", "version": "1"},
    )

    assert response.location == f"/t/{thread.id}/after-the-procedure#p{first.id}"
    page = _html(client.get(response.location))
    assert "<h1>After the procedure</h1>" in page
    assert client.get(f"/t/{thread.id}/before-the-procedure").status_code == 301


# -- deleting --------------------------------------------------------------------------


def test_delete_own_post_after_confirmation(client, app, make_thread, make_post, member):
    thread = make_thread()
    reply = make_post(thread, author=member, body="Too much detail about my neighbour.")
    login(client, member)

    confirm = client.get(f"/p/{reply.id}/delete")
    confirm_page = _html(confirm)
    assert confirm.status_code == 200
    assert "Delete this post?" in confirm_page
    assert "Too much detail about my neighbour." in confirm_page
    assert _db_post(app, reply.id).state == "visible"

    response = client.post(f"/p/{reply.id}/delete")

    assert response.status_code == 302
    assert response.location == f"/t/{thread.id}/{thread.slug}#p{reply.id}"
    page = _html(client.get(response.location))
    assert "deleted by its author" in _article(page, reply.id)
    assert "Too much detail about my neighbour." not in page
    assert f"/p/{reply.id}/edit" not in page
    assert _db_post(app, reply.id).state == "deleted"


def test_deleting_the_first_post_keeps_the_replies(client, app, make_thread, make_post, member):
    thread = make_thread(author=member, title="Thread that stays", body="Opening words.")
    first = _first_post(app, thread)
    replies = [make_post(thread, body=f"Answer number {n}") for n in (1, 2)]
    login(client, member)

    client.post(f"/p/{first.id}/delete")

    page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))
    assert "<h1>Thread that stays</h1>" in page
    assert "deleted by its author" in _article(page, first.id)
    assert "Opening words." not in page
    assert _post_ids(page) == [first.id] + [r.id for r in replies]
    assert "Answer number 1" in _article(page, replies[0].id)
    assert "Answer number 2" in _article(page, replies[1].id)


def test_history_of_a_deleted_post_is_not_shown(client, make_thread, make_post, member):
    reply = make_post(make_thread(), author=member, body="Withdrawn words.")
    login(client, member)
    client.post(f"/p/{reply.id}/edit", data={"body": "Second thoughts.", "version": "1"})
    client.post(f"/p/{reply.id}/delete")

    response = client.get(f"/p/{reply.id}/history")

    assert response.status_code == 403
    assert "Withdrawn words." not in _html(response)


# -- a bad actor -----------------------------------------------------------------------


def test_fred_cannot_edit_or_delete_someone_elses_post(
    client, app, make_thread, make_post, member, fred
):
    thread = make_thread()
    reply = make_post(thread, author=member, body="My honest account.")
    login(client, fred)

    thread_page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))
    responses = [
        client.get(f"/p/{reply.id}/edit"),
        client.post(f"/p/{reply.id}/edit", data={"body": "Fred was here.", "version": "1"}),
        client.get(f"/p/{reply.id}/delete"),
        client.post(f"/p/{reply.id}/delete"),
    ]

    assert f"/p/{reply.id}/edit" not in thread_page
    assert f"/p/{reply.id}/delete" not in thread_page
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert not _elements(_html(responses[0]), "textarea", name="body")
    post = _db_post(app, reply.id)
    assert (post.body_source, post.state, post.version) == ("My honest account.", "visible", 1)
    assert post.edited_at is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PostRevision)) == 0
    page = _html(client.get(f"/t/{thread.id}/{thread.slug}"))
    assert "My honest account." in _article(page, reply.id)
    assert "Fred was here." not in page
