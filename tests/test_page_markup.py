"""Every page type (tests/pages.py, the browser tour's list) as each of its viewers gets it,
checked in-process: no id appears twice (a label, a skip link or aria-describedby would point
at the wrong element), and headings go down one level at a time (h1, h2, h3), so a screen
reader's outline of the page has no holes. CSRF is on, as in production, so every form
renders its token.

Then the page's identity: the icon a tab or a bookmark shows, a title that says what the page
is, and what a search result or a shared link shows under it (description, Open Graph)."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum import create_app
from forum.auth.services import ProviderIdentity
from forum.extensions import db
from tests.conftest import _empty_tables, base_config, csrf_token, pass_second_factor
from tests.pages import MODERATOR, PAGES, STATUS, demo_ids

HEADINGS = {f"h{n}": n for n in range(1, 7)}


class Outline(HTMLParser):
    """The ids and the heading levels of a page, in document order; its title, <meta> tags
    ({name or property: [their attributes]}) and <link> tags."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.headings: list[int] = []
        self.title = ""
        self.meta: dict[str, list[dict]] = {}
        self.links: list[dict] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
        if tag in HEADINGS:
            self.headings.append(HEADINGS[tag])
        found = dict(attrs)
        if tag == "meta" and (key := found.get("name") or found.get("property")):
            self.meta.setdefault(key, []).append(found)
        elif tag == "link":
            self.links.append(found)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def duplicate_ids(html: str) -> list[str]:
    ids = outline(html).ids
    return sorted({each for each in ids if ids.count(each) > 1})


def skipped_headings(html: str) -> list[str]:
    """Each heading more than one level below the one before it (the first must be h1)."""
    skips, previous = [], 0
    for level in outline(html).headings:
        if level > previous + 1:
            skips.append(f"h{level} after {f'h{previous}' if previous else 'the start'}")
        previous = level
    return skips


def test_the_checks_catch_what_they_look_for():
    page = '<h1 id="a">T</h1><h3>x</h3><h2 id="a">y</h2><h3>z</h3><h2>w</h2><input id="b">'
    assert duplicate_ids(page) == ["a"]
    assert skipped_headings(page) == ["h3 after h1"]
    assert skipped_headings("<h2>No h1 first</h2>") == ["h2 after the start"]


@pytest.fixture(scope="module")
def site(database_url):
    """The demo content on an app with CSRF on; tables are emptied when the module ends."""
    from forum.accounts.models import User
    from forum.accounts.services import create_member
    from forum.boards.services import seed_boards
    from forum.demo import seed_demo
    from forum.extensions import utcnow
    from forum.privacy.services import record_consent

    app = create_app(base_config(database_url, WTF_CSRF_ENABLED=True, SECOND_FACTOR_MAX_AGE=3600))
    _empty_tables(app)
    with app.app_context():
        seed_boards()
        seed_demo()
        for name, role in {
            MODERATOR: "moderator",
            "demo-mod-nia": "moderator",
            "demo-flagger-fran": "member",
        }.items():
            create_member(name, role=role, consent=True)
        for user in db.session.scalars(sa.select(User).where(User.health_consent_at.is_(None))):
            record_consent(user)
        db.session.execute(sa.update(User).values(created_at=utcnow() - timedelta(days=3)))
        db.session.commit()
        app.demo_ids = demo_ids()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
        _empty_tables(app)


@pytest.fixture(scope="module")
def clients(site):
    """A signed-in test client per viewer (None: a visitor)."""
    from forum.accounts.services import get_user_by_name

    made = {}
    for viewer in {viewer for _, viewer, _ in PAGES}:
        client = site.test_client()
        if viewer == "newcomer":
            # Back from a provider, not yet onboarded.
            with client.session_transaction() as session:
                identity = ProviderIdentity("clinic", "https://id.example", "tour-newcomer")
                session["pending_identity"] = identity.as_dict()
        elif viewer:
            token = csrf_token(client.get("/login/dev").get_data(as_text=True))
            response = client.post("/login/dev", data={"pseudonym": viewer, "csrf_token": token})
            assert response.status_code == 302, viewer
            if viewer == MODERATOR:  # the other moderator has yet to set up their app
                with site.app_context():
                    moderator = get_user_by_name(viewer)
                pass_second_factor(client, moderator)
        made[viewer] = client
    return made


@pytest.mark.parametrize(("name", "viewer", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_ids_are_unique_and_headings_never_skip_a_level(name, viewer, path, site, clients):
    # A thread's short address sends the reader on to the one with its title.
    response = clients[viewer].get(path.format(**site.demo_ids), follow_redirects=True)
    assert response.status_code == STATUS.get(name, 200)
    html = response.get_data(as_text=True)
    found = {"ids used twice": duplicate_ids(html), "skipped levels": skipped_headings(html)}
    assert found == {"ids used twice": [], "skipped levels": []}


# -- the page's identity -------------------------------------------------------------------

DEFAULT_DESCRIPTION = "Patients with chronic pain comparing notes on injections"
RFA = "Radiofrequency ablation"


def test_the_site_has_an_icon_at_the_address_browsers_ask_for(site, clients):
    client = clients[None]
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/vnd.microsoft.icon"
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # an icon file, not a page
    with client.get("/static/img/mark.svg") as mark:
        assert mark.status_code == 200
        assert mark.mimetype == "image/svg+xml"
        # Drawn with shapes only: no font to fetch, no style the page's CSP would refuse.
        assert b"<svg" in mark.data and b"<style" not in mark.data and b"font" not in mark.data
    for path in ("/", "/no-such-page"):
        links = outline(client.get(path).get_data(as_text=True)).links
        icons = [link for link in links if link.get("rel") == "icon"]
        assert len(icons) == 1 and icons[0]["type"] == "image/svg+xml"
        # The static address carries a version (?v=...) so a new mark is fetched anew.
        assert icons[0]["href"].split("?")[0] == "/static/img/mark.svg"


# name, path, the exact title, what the description mentions.
MAIN_PAGES = [
    ("home", "/", "Firsthand: first-hand accounts of pain treatments", DEFAULT_DESCRIPTION),
    (
        "board",
        "/b/radiofrequency-ablation",
        f"{RFA}: experiences and outcomes · Firsthand",
        "Heat or pulsed radiofrequency applied to pain-carrying nerves",
    ),
    (
        "outcomes",
        "/b/radiofrequency-ablation/outcomes",
        f"Outcomes of {RFA}: what members reported · Firsthand",
        f"What members who had {RFA} reported",
    ),
    ("thread", "/t/{rfa}", "Second RFA", f"a thread in {RFA}"),
    ("profile", "/u/demo-lumbar-lou", "demo-lumbar-lou · Firsthand", "demo-lumbar-lou on Firs"),
]


@pytest.mark.parametrize(
    ("name", "path", "title", "described"), MAIN_PAGES, ids=[p[0] for p in MAIN_PAGES]
)
def test_main_pages_say_what_they_are(name, path, title, described, site, clients):
    response = clients[None].get(path.format(**site.demo_ids), follow_redirects=True)
    assert response.status_code == 200
    page = outline(response.get_data(as_text=True))
    if name == "thread":
        assert page.title.startswith(title) and page.title.endswith(f" · {RFA} · Firsthand")
    else:
        assert page.title == title

    def content(key: str) -> str:
        assert len(page.meta.get(key, [])) == 1, f"one {key} meta tag"
        return page.meta[key][0]["content"]

    description = content("description")
    assert described in description
    if name != "home":
        assert DEFAULT_DESCRIPTION not in description  # its own, not the site's
    assert content("og:description") == description
    # The page's own title; the site's name is og:site_name (the home page's is all of it).
    og_title = page.title if name == "home" else page.title.removesuffix(" · Firsthand")
    assert content("og:title") == og_title
    assert content("og:site_name") == "Firsthand"
    assert content("og:type") == {"thread": "article", "profile": "profile"}.get(name, "website")
    assert content("og:url") == "http://localhost" + response.request.path
    themes = {tag["media"]: tag["content"] for tag in page.meta["theme-color"]}
    assert set(themes) == {"(prefers-color-scheme: light)", "(prefers-color-scheme: dark)"}


def test_other_pages_have_the_sites_description(site, clients):
    page = outline(clients[None].get("/guidelines").get_data(as_text=True))
    assert page.title == "Community guidelines and medical disclaimer · Firsthand"
    assert DEFAULT_DESCRIPTION in page.meta["description"][0]["content"]
    assert page.meta["og:title"][0]["content"] == "Community guidelines and medical disclaimer"
