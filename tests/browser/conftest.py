"""Browser tests: Playwright (from PyPI) driving Debian's Chromium, never a downloaded browser.

Without /usr/bin/chromium these tests are skipped, with the reason shown in pytest's summary;
under CI (CI=true) a missing browser is an error instead, so a green CI always means they ran.
Every request the browser makes to a host other than 127.0.0.1 is refused before it leaves
(the OpenID provider's page links a stylesheet on a CDN, for one): only 127.0.0.1 is a target.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The live forum and the local OpenID provider, shared with the HTTP-level sign-in tests.
from tests.auth.conftest import live_forum, oidc_provider, provider  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ALLOWED_HOST = "127.0.0.1"
TIMEOUT_MS = 15_000

HERE = Path(__file__).parent


def _chromium_installed() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


# Without Chromium the browser tests are skipped with a visible reason; under CI they run
# and fail instead (the chromium_present fixture), since .ci/run installs it first.
SKIP_WITHOUT_CHROMIUM = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not _chromium_installed(),
    reason=f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium); "
    "never `playwright install`",
)


def pytest_collection_modifyitems(items):
    """Everything in this folder is a browser test: `pytest -m "not browser"` leaves them out."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(SKIP_WITHOUT_CHROMIUM)


@pytest.fixture(scope="session", autouse=True)
def chromium_present():
    """Under CI a missing browser is a failure, not a skip."""
    if not _chromium_installed():
        pytest.fail(
            f"CI=true but {CHROMIUM} is missing: install Debian's chromium "
            "(.ci/run does: apt-get install -y chromium)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_present):
    """pytest-playwright's launch options (--headed, --slowmo, ...) plus Debian's Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url():
    """No default address for page.goto: each test uses its live forum's full URLs.

    This also replaces pytest-playwright's fallback `base_url` (0.10.0, used when
    pytest-base-url is not installed), a session fixture written as an instance method:
    pytest 9.1+ deprecates those with a PytestRemovedIn10Warning, an error here."""
    return None


@pytest.fixture
def context(context):
    """A fresh browser profile per test that can reach 127.0.0.1 only; refused requests are
    kept in `context.refused_urls` so a test can say what was blocked."""
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.refused_urls = []

    def only_loopback(route):
        url = route.request.url
        if urlsplit(url).hostname == ALLOWED_HOST:
            route.continue_()
        else:
            context.refused_urls.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", only_loopback)
    return context


# -- one live forum per module, seeded like `flask forum seed-demo` ---------------------------
#
# The journeys and the page tour share one browser (pytest-playwright's session `browser`)
# and, within a module, one live forum with demo content: seeding once per module keeps the
# suite fast. Tests that write (a new thread, a flag) use their own members and threads.

SEEDED_MEMBERS = {
    "demo-mod-maria": "moderator",
    "demo-mod-nia": "moderator",  # has no second factor yet: the set-up page
    "demo-flagger-fran": "member",
}


@pytest.fixture(scope="module")
def site(database_url, oidc_provider):  # noqa: F811 (the imported fixture)
    """The forum on 127.0.0.1 with the demo content, CSRF on (as in production) and the
    local OpenID provider configured as "Clinic ID"; tables are emptied when the module ends.
    Accounts are three days old, so members may flag posts."""
    import sqlalchemy as sa

    from forum import create_app
    from forum.accounts.models import User
    from forum.accounts.services import create_member
    from forum.boards.services import seed_boards
    from forum.demo import seed_demo
    from forum.extensions import db, utcnow
    from forum.privacy.services import record_consent
    from tests.auth.conftest import generic_provider, serve
    from tests.conftest import _empty_tables, base_config

    holder = {}

    def wsgi(environ, start_response):
        return holder["app"](environ, start_response)

    with serve(wsgi) as base_url:
        app = create_app(
            base_config(
                database_url,
                BASE_URL=base_url,
                WTF_CSRF_ENABLED=True,
                OIDC_PROVIDERS=[generic_provider("clinic", "Clinic ID", oidc_provider.url)],
                # The page tour outlasts the ten minutes a sanction's code stays fresh; the
                # freshness rule has its own tests (tests/auth/test_second_factor.py).
                SECOND_FACTOR_MAX_AGE=3600,
            )
        )
        app.base_url = base_url
        _empty_tables(app)
        with app.app_context():
            seed_boards()
            seed_demo()
            for name, role in SEEDED_MEMBERS.items():
                create_member(name, role=role, consent=True)
            # The demo members have consented, as onboarding would have asked them.
            for user in db.session.scalars(sa.select(User).where(User.health_consent_at.is_(None))):
                record_consent(user)
            db.session.execute(sa.update(User).values(created_at=utcnow() - timedelta(days=3)))
            db.session.commit()
        holder["app"] = app
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
            _empty_tables(app)


class Traffic:
    """Every request a browser context makes: who asked (the page's URL) and for what."""

    def __init__(self):
        self.requests: list[tuple[str, str, bool]] = []  # (page URL, URL, is navigation)
        self.refused: list[tuple[str, str]] = []  # (page URL, URL)

    def foreign(self, origin: str, allowed_navigation: tuple[str, ...] = ()) -> list[str]:
        """Requests from our pages that left our origin; navigations to `allowed_navigation`
        origins (the OpenID provider, when a person chose to sign in) are fine."""
        found = []
        for page_url, url, is_navigation in self.requests:
            if is_navigation:
                if not url.startswith((origin + "/", *allowed_navigation)):
                    found.append(url)
            elif page_url.startswith(origin + "/") and not url.startswith(origin + "/"):
                found.append(f"{url} (from {page_url})")
        return found + [
            f"{url} (refused, from {page_url})"
            for page_url, url in self.refused
            if page_url.startswith(origin + "/")
        ]


def watch_traffic(context) -> Traffic:
    """Record every request; refuse anything not on 127.0.0.1 before it leaves."""
    traffic = Traffic()

    def page_of(request) -> str:
        try:
            return request.frame.url
        except Exception:  # a service worker's request has no frame
            return ""

    def record(request):
        traffic.requests.append((page_of(request), request.url, request.is_navigation_request()))

    def only_loopback(route):
        url = route.request.url
        if urlsplit(url).hostname == ALLOWED_HOST:
            route.continue_()
        else:
            traffic.refused.append((page_of(route.request), url))
            route.abort("blockedbyclient")

    context.on("request", record)
    context.route("**/*", only_loopback)
    return traffic


def new_context(browser, **options):
    """A fresh browser profile with our timeouts and a traffic record (`context.traffic`)."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    context.traffic = watch_traffic(context)
    return context


def dev_sign_in(page, site, pseudonym: str) -> None:
    """The development sign-in (on in tests), through its form: quick, CSRF included."""
    page.goto(f"{site.base_url}/login/dev")
    page.get_by_label("Pseudonym").fill(pseudonym)
    page.locator("main").get_by_role("button", name="Sign in").click()
    # Home, or for a moderator or admin with no second factor yet, its set-up page.
    page.wait_for_url(lambda url: url.startswith(f"{site.base_url}/") and "/login" not in url)


PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser, site, member):
    """Signed-in phones (375 x 812, touch) as the module's `member`, with JavaScript unless
    a test asks otherwise; each is checked to have asked nothing of another origin."""
    contexts = []

    def open_page(javascript: bool = True):
        context = new_context(
            browser, viewport=PHONE, has_touch=True, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        dev_sign_in(page, site, member)
        return page

    yield open_page
    for context in contexts:
        assert context.traffic.foreign(site.base_url) == []
        context.close()


def type_second_factor_code(page, site, pseudonym: str) -> None:
    """A moderator types their authenticator app's code on the code page, set up (once)
    through the service, as tests/conftest.py login() does."""
    import pyotp

    from forum.accounts.services import get_user_by_name
    from tests.conftest import second_factor_secret

    with site.app_context():
        secret = second_factor_secret(get_user_by_name(pseudonym))
    page.goto(f"{site.base_url}/second-factor")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.locator("main").get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{site.base_url}/")


def account_menu(page):
    """The header's Account navigation, its menu opened first when there is one (signed in,
    the account's links fold into a <details>), so its links can be seen and clicked."""
    navigation = page.get_by_role("navigation", name="Account")
    menu = navigation.locator("details.menu")
    if menu.count() and menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return navigation
