"""A patient signs in through a real OpenID provider in Chromium: first time with onboarding,
then out and back in without it. The forum and the provider are both on 127.0.0.1, on
different ports."""

import itertools
import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import account_menu

_numbers = itertools.count(1)


@pytest.fixture
def patient():
    """A subject the provider has never seen (its storage lasts as long as the process)
    and a pseudonym for it."""
    return {
        "sub": f"browser-patient-{uuid.uuid4().hex[:12]}",
        "pseudonym": f"Pat-Browser{next(_numbers)}",
    }


@pytest.fixture
def forum(live_forum):
    # CSRF on, as in production: the browser sends the tokens the pages carry.
    with live_forum(WTF_CSRF_ENABLED=True) as app:
        yield app


@pytest.fixture
def console(page: Page):
    """Every console message as (page URL, type, text); CSP violations are reported here."""
    messages = []
    page.on("console", lambda message: messages.append((page.url, message.type, message.text)))
    return messages


def forum_errors(console, forum) -> list[str]:
    return [
        f"{url}: {text}"
        for url, kind, text in console
        if kind == "error" and url.startswith(forum.base_url + "/")
    ]


def header(page: Page):
    return account_menu(page)


def sign_in_at_provider(page: Page, forum, provider, sub: str) -> None:
    """From any forum page: Sign in, Continue with Clinic ID, then the provider's own form."""
    header(page).get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile("^" + re.escape(f"{forum.base_url}/login?")))
    # A link, not a form button: the CSP's form-action 'self' would also cover the redirect.
    page.get_by_role("link", name="Continue with Clinic ID").click()

    # The provider's own login page, on its own port.
    expect(page).to_have_url(re.compile("^" + re.escape(f"{provider.url}/oauth2/authorize?")))
    assert urlsplit(page.url).port != urlsplit(forum.base_url).port
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def sign_up(page: Page, forum, provider, patient) -> None:
    page.goto(forum.base_url + "/")
    sign_in_at_provider(page, forum, provider, patient["sub"])

    expect(page).to_have_url(f"{forum.base_url}/onboarding")
    expect(page.get_by_role("heading", name="Welcome to Firsthand")).to_be_visible()
    page.get_by_label("Pseudonym").fill(patient["pseudonym"])
    page.get_by_label("I have read the community guidelines").check()
    page.get_by_label("I consent to Firsthand processing").check()
    page.get_by_role("button", name="Join Firsthand").click()

    expect(page).to_have_url(f"{forum.base_url}/")
    expect(page.get_by_role("status")).to_have_text(
        f"Welcome to Firsthand, {patient['pseudonym']}."
    )


def test_first_sign_in_goes_through_the_provider_and_onboarding(
    page: Page, forum, provider, console, patient
):
    sign_up(page, forum, provider, patient)

    account = header(page)
    expect(account.get_by_role("link", name=patient["pseudonym"], exact=True)).to_be_visible()
    expect(account.get_by_role("button", name="Sign out")).to_be_visible()
    expect(account.get_by_role("link", name="Sign in")).to_have_count(0)
    # The browser went to the provider once, with a PKCE challenge.
    assert len(provider.authorize_requests) == 1
    assert provider.authorize_requests[0]["code_challenge_method"] == "S256"
    assert forum_errors(console, forum) == []


def test_sign_out_then_back_in_without_onboarding(page: Page, forum, provider, console, patient):
    sign_up(page, forum, provider, patient)

    header(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{forum.base_url}/")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(header(page).get_by_role("link", name=patient["pseudonym"])).to_have_count(0)

    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    sign_in_at_provider(page, forum, provider, patient["sub"])

    expect(page).to_have_url(f"{forum.base_url}/")
    expect(page.get_by_role("status")).to_have_text(f"Welcome back, {patient['pseudonym']}.")
    expect(header(page).get_by_role("link", name=patient["pseudonym"], exact=True)).to_be_visible()
    assert [url for url in visited if "/onboarding" in url] == []
    assert len(provider.authorize_requests) == 2
    assert forum_errors(console, forum) == []
