"""sitemap.xml (one file, or an index of files past a size) and robots.txt."""

import re

import pytest
import sqlalchemy as sa

from forum.boards.models import Board
from forum.extensions import db
from forum.threads.models import Post, slugify
from tests.conftest import first_post_id
from tests.feeds.conftest import S, hide_thread, parse, set_post_state

W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def urls(root) -> dict[str, str | None]:
    """{loc: lastmod} of a <urlset>, checking its shape on the way."""
    assert root.tag == S + "urlset"
    found = {}
    for url in root.findall(S + "url"):
        assert set(child.tag for child in url) <= {S + "loc", S + "lastmod"}
        lastmod = url.findtext(S + "lastmod")
        assert lastmod is None or W3C_DATETIME.match(lastmod), lastmod
        found[url.findtext(S + "loc")] = lastmod
    return found


@pytest.fixture
def site(app, make_board, make_thread, make_post):
    """A treatment board (with an outcomes page), a community board, and threads on both:
    two public, one hidden, one whose opening post a moderator removed."""
    treatment = make_board(slug="rfa", name="Radiofrequency ablation")
    community = make_board(slug="lounge", name="Lounge")
    with app.app_context():
        db.session.execute(sa.update(Board).where(Board.id == treatment.id).values(family="rfa"))
        db.session.commit()
    public = make_thread(board=treatment, title='Fish & <chips> "RFA"')
    make_post(public, body="A reply moves the thread's lastmod.")
    other = make_thread(board=community, title="Hello from the lounge")
    hidden = make_thread(board=community, title="Waiting for approval")
    hide_thread(app, hidden)
    removed = make_thread(board=treatment, title="Spam removed by a moderator")
    set_post_state(app, first_post_id(app, removed), "deleted")
    return {"public": public, "other": other, "hidden": hidden, "removed": removed}


def thread_url(thread) -> str:
    return f"http://localhost/t/{thread.id}/{slugify(thread.title)}"


def test_sitemap_lists_boards_outcomes_and_public_threads(client, site):
    response = client.get("/sitemap.xml")

    assert response.content_type == "application/xml; charset=utf-8"
    found = urls(parse(response))
    assert set(found) == {
        "http://localhost/",
        "http://localhost/b/rfa",
        "http://localhost/b/lounge",
        "http://localhost/b/rfa/outcomes",
        thread_url(site["public"]),
        thread_url(site["other"]),
    }
    assert "&amp;" not in thread_url(site["public"])  # slugs are plain, nothing to escape
    assert found[thread_url(site["public"])] is not None
    assert found["http://localhost/b/rfa"] is not None
    assert found["http://localhost/b/rfa/outcomes"] is None  # no reports yet
    assert "http://localhost/b/lounge/outcomes" not in found


def test_thread_lastmod_is_its_latest_post(app, client, site):
    with app.app_context():
        newest = db.session.scalar(
            sa.select(sa.func.max(Post.created_at)).where(Post.thread_id == site["public"].id)
        )
    found = urls(parse(client.get("/sitemap.xml")))
    assert found[thread_url(site["public"])] == newest.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_an_empty_site_has_a_valid_sitemap(client):
    assert urls(parse(client.get("/sitemap.xml"))) == {"http://localhost/": None}


def test_a_large_sitemap_becomes_an_index_of_files(make_app, client, site):
    everything = urls(parse(client.get("/sitemap.xml")))
    small = make_app(SITEMAP_URLS_PER_FILE=3).test_client()

    index = parse(small.get("/sitemap.xml"))

    assert index.tag == S + "sitemapindex"
    files = [sitemap.findtext(S + "loc") for sitemap in index.findall(S + "sitemap")]
    assert files == ["http://localhost/sitemap-1.xml", "http://localhost/sitemap-2.xml"]
    seen: dict[str, str | None] = {}
    for file in files:
        response = small.get(file.removeprefix("http://localhost"))
        assert response.content_type == "application/xml; charset=utf-8"
        page = urls(parse(response))
        assert 1 <= len(page) <= 3
        assert not set(page) & set(seen)
        seen.update(page)
    assert seen == everything
    assert list(seen)[:3] == list(everything)[:3]
    for missing in ("/sitemap-0.xml", "/sitemap-3.xml"):
        assert small.get(missing).status_code == 404


def test_sitemap_files_exist_even_when_one_is_enough(client, site):
    assert urls(parse(client.get("/sitemap-1.xml"))) == urls(parse(client.get("/sitemap.xml")))
    assert client.get("/sitemap-2.xml").status_code == 404


def test_robots_allows_the_public_site_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    disallowed = {line.split(":", 1)[1].strip() for line in lines if line.startswith("Disallow:")}
    for path in (
        "/login",
        "/onboarding",
        "/settings",
        "/moderation",
        "/notifications",
        "/search",
        "/b/*/new",
        "/b/*/report",
        "/p/*/flag",
        "/t/*/reply",
    ):
        assert path in disallowed
    assert "/" not in disallowed and "" not in disallowed
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def test_robots_rules_spare_every_public_page(client, site):
    """No Disallow rule (with robots.txt's * wildcard) matches a page in the sitemap or a
    feed."""
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    rules = [
        re.compile(re.escape(line.split(":", 1)[1].strip()).replace(r"\*", ".*"))
        for line in lines
        if line.startswith("Disallow:")
    ]
    public = [
        url.removeprefix("http://localhost") for url in urls(parse(client.get("/sitemap.xml")))
    ]
    public += ["/feeds/latest.atom", "/b/rfa.atom", f"/t/{site['public'].id}.atom", "/u/someone"]
    for path in public:
        assert not any(rule.match(path) for rule in rules), path
    for private in (
        "/login/dev",
        "/settings/flags",
        "/b/rfa/new",
        "/p/3/report/add",
        "/search?q=x",
    ):
        assert any(rule.match(private) for rule in rules), private
