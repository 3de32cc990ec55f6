"""Browser tests: Playwright (from PyPI) driving Debian's Chromium, never a downloaded browser.

Without /usr/bin/chromium these tests are skipped, with the reason shown in pytest's summary;
under CI (CI=true) a missing browser is an error instead, so a green CI always means they ran.
Every request the browser makes to a host other than 127.0.0.1 is refused before it leaves
(the OpenID provider's page links a stylesheet on a CDN, for one): only 127.0.0.1 is a target.
"""

import os
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
