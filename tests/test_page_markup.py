"""Every page type (tests/pages.py, the browser tour's list) as each of its viewers gets it,
checked in-process: no id appears twice (a label, a skip link or aria-describedby would point
at the wrong element), and headings go down one level at a time (h1, h2, h3), so a screen
reader's outline of the page has no holes. CSRF is on, as in production, so every form
renders its token."""

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
    """The ids and the heading levels of a page, in document order."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
        if tag in HEADINGS:
            self.headings.append(HEADINGS[tag])


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
