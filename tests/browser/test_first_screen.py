"""What a phone's first screen holds: on a 375 x 812 phone and a 1280 x 800 desktop, light
and dark, a thread's first post and a board's first thread start within the first screen,
for a visitor, a member and (on a thread, with its tools) a moderator; the header is one row;
its menu and a thread's options open and work from the keyboard, and without JavaScript.
Also onboarding on a phone with the consent box left unticked: the error sits on its own
line and the label keeps its width.

Each first screen is photographed into tests/artifacts/first-screen/ for people to look at."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import dev_sign_in, new_context, type_second_factor_code
from tests.pages import MEMBER, MODERATOR, demo_ids

SHOTS = Path(__file__).parents[1] / "artifacts" / "first-screen"
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}
THEMES = ("light", "dark")
# A header one row high: a 44 px target and a little air around it.
ONE_ROW = 64
VIEWERS = {"visitor": None, "member": MEMBER, "moderator": MODERATOR}
BOARD = "/b/radiofrequency-ablation"

# (page, viewer, what must start on the first screen)
FIRST_SCREENS = [
    ("board", "visitor", ".thread-row"),
    ("board", "member", ".thread-row"),
    ("thread", "visitor", "article.post"),
    ("thread", "member", "article.post"),
    ("thread", "moderator", "article.post"),
]


@pytest.fixture(scope="module", autouse=True)
def shots_folder():
    SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def paths(site):
    with site.app_context():
        ids = demo_ids()
    # The demo thread with the longest title, started by the member (who also sees the
    # thread's visibility switch): the most that can come before its first post.
    return {"board": BOARD, "thread": f"/t/{ids['rfa']}"}


def _open(browser, site, viewer: str | None, **options) -> Page:
    page = new_context(browser, **options).new_page()
    if viewer:
        dev_sign_in(page, site, viewer)
        if viewer == MODERATOR:
            type_second_factor_code(page, site, viewer)
    return page


@pytest.fixture(scope="module")
def viewers(browser, site):
    """One signed-in browser profile per kind of viewer, shared by the module's tests."""
    pages = {name: _open(browser, site, pseudonym) for name, pseudonym in VIEWERS.items()}
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize(
    ("kind", "viewer", "first"), FIRST_SCREENS, ids=[f"{k}-{v}" for k, v, _ in FIRST_SCREENS]
)
def test_content_starts_on_the_first_screen(site, paths, viewers, kind, viewer, first, size, theme):
    page = viewers[viewer]
    viewport = VIEWPORTS[size]
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=theme)
    page.goto(site.base_url + paths[kind])
    page.screenshot(path=SHOTS / f"{kind}-{viewer}-{size}-{theme}.png")

    top = page.locator(first).first.bounding_box()["y"]
    assert top < viewport["height"], f"the first {first} starts at {top:.0f} px"
    header = page.locator("body > header").bounding_box()["height"]
    assert header <= ONE_ROW, f"the header is {header:.0f} px high"
    # Nothing hangs off the side: the page is as wide as the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("width", [375, 320])
def test_the_phone_header_has_the_name_search_and_the_menu_on_one_row(site, viewers, width):
    page = viewers["member"]
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(site.base_url + BOARD)
    page.screenshot(path=SHOTS / f"header-{width}.png")
    header = page.locator("body > header")
    brand = header.get_by_role("link", name="Firsthand").bounding_box()
    search = header.get_by_role("link", name="Search", exact=True).bounding_box()
    menu = header.locator("summary").bounding_box()
    # Side by side, left to right, none overlapping, each centred on the same line.
    assert brand["x"] + brand["width"] <= search["x"] < search["x"] + search["width"] <= menu["x"]
    assert menu["x"] + menu["width"] <= width
    centres = [box["y"] + box["height"] / 2 for box in (brand, search, menu)]
    assert max(centres) - min(centres) < 4
    assert header.bounding_box()["height"] <= ONE_ROW
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    # The search field is the desktop's; on a phone the link leads to the search page.
    expect(header.get_by_role("searchbox")).to_be_hidden()
    header.get_by_role("link", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    page.set_viewport_size(VIEWPORTS["desktop"])
    expect(header.get_by_role("searchbox", name="Search the forum")).to_be_visible()
    expect(header.get_by_role("link", name="Search", exact=True)).to_be_hidden()


def test_the_breadcrumb_on_a_phone_is_one_line_back_to_the_board(site, paths, viewers):
    page = viewers["visitor"]
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(site.base_url + paths["thread"])
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs).to_have_text(re.compile(r"^\s*Radiofrequency ablation\s*$"), use_inner_text=True)
    arrow = crumbs.get_by_role("listitem").filter(visible=True)
    assert arrow.evaluate("li => getComputedStyle(li, '::before').content") == '"‹"'
    assert crumbs.bounding_box()["height"] <= 50
    page.set_viewport_size(VIEWPORTS["desktop"])
    expect(crumbs.get_by_role("link")).to_have_count(3)
    expect(crumbs.get_by_role("link", name="Home")).to_be_visible()


def test_the_unread_count_shows_on_the_closed_menu(site, viewers):
    page = viewers["member"]
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(site.base_url + BOARD)
    summary = page.locator("body > header summary")
    # The demo gives the member a notification they have not read.
    expect(summary.locator(".count-badge")).to_be_visible()
    expect(summary).to_contain_text("new: notifications and messages")
    expect(page.get_by_role("link", name=re.compile("^Notifications"))).to_be_hidden()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_account_menu_works_with_the_keyboard(site, viewers, size):
    page = viewers["moderator"]
    page.set_viewport_size(VIEWPORTS[size])
    page.goto(site.base_url + BOARD)
    summary = page.locator("body > header summary")
    summary.focus()
    page.keyboard.press("Enter")
    links = [
        "demo-mod-maria",
        "Moderation",
        "Notifications",
        "Messages",
        "Bookmarks",
        "Drafts",
        "Settings",
    ]
    for name in links:
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_contain_text(name)
        expect(page.locator(":focus")).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Sign out")
    page.screenshot(path=SHOTS / f"account-menu-{size}.png")

    # Escape closes it and gives the focus back to its button.
    page.keyboard.press("Escape")
    expect(page.locator("body > header details")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    # Enter on a link inside goes there.
    page.keyboard.press("Enter")
    for _ in links:
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")

    # A click elsewhere closes it.
    settings = page.locator("body > header").get_by_role("link", name="Settings")
    summary.click()
    expect(settings).to_be_visible()
    page.mouse.click(2, VIEWPORTS[size]["height"] - 2)
    expect(settings).to_be_hidden()


def test_a_threads_options_work_with_the_keyboard(site, paths, viewers):
    page = viewers["member"]
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(site.base_url + paths["thread"])
    options = page.locator("details.thread-options")
    expect(options.get_by_role("button")).to_have_count(0)  # folded: nothing to hit
    options.locator("summary").focus()
    page.keyboard.press("Enter")
    watch = options.get_by_role("button", name=re.compile("watching this thread|Watch this thread"))
    label = watch.inner_text()
    page.keyboard.press("Tab")
    expect(watch).to_be_focused()
    expect(watch).to_be_in_viewport()
    page.screenshot(path=SHOTS / "thread-options-phone.png")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Back on the thread, the opposite choice is offered (and taken, to leave it as it was).
    options.locator("summary").click()
    again = options.get_by_role("button", name=re.compile("watching this thread|Watch this thread"))
    expect(again).not_to_have_text(label)
    with page.expect_navigation():
        again.click()
    options.locator("summary").click()
    expect(options.get_by_role("button").first).to_have_text(label)
    expect(options.get_by_role("button", name=re.compile("^Make it"))).to_be_visible()


def test_menus_and_folds_open_without_javascript(browser, site, paths):
    page = _open(browser, site, MODERATOR, java_script_enabled=False)
    try:
        page.set_viewport_size(VIEWPORTS["phone"])
        page.goto(site.base_url + paths["thread"])
        page.locator("body > header summary").click()
        page.get_by_role("link", name="Settings").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Settings")

        page.goto(site.base_url + paths["thread"])
        page.locator("details.thread-options summary").click()
        page.get_by_role("link", name="Thread tools").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Thread tools")

        # A board's other names and its disclaimer fold; opened, they say it all.
        page.goto(site.base_url + BOARD)
        disclaimer = page.get_by_role("note", name="Medical disclaimer")
        expect(disclaimer.get_by_role("link", name="Full medical disclaimer")).to_be_hidden()
        disclaimer.locator("summary").click()
        expect(disclaimer).to_contain_text(
            "Not medical advice. Everything here is members' own experience, not a "
            "recommendation for you. Talk to your own clinician before deciding on a "
            "treatment. Full medical disclaimer"
        )
        expect(disclaimer.get_by_role("link", name="Full medical disclaimer")).to_be_visible()
        aliases = page.locator("details.aliases")
        expect(aliases.locator("summary")).to_have_text("Also known as RFA and 5 more")
        aliases.locator("summary").click()
        expect(aliases).to_contain_text("rhizotomy")
    finally:
        page.context.close()


def test_a_missed_box_at_onboarding_on_a_phone_keeps_its_label_whole(browser, site):
    page = new_context(browser, viewport=VIEWPORTS["phone"]).new_page()
    try:
        page.goto(f"{site.base_url}/login/clinic")
        page.get_by_placeholder("sub").fill("first-screen-newcomer")
        page.get_by_role("button", name="Authorize", exact=True).click()
        page.wait_for_url(f"{site.base_url}/onboarding")
        page.get_by_label("Pseudonym").fill("Phone-Newcomer")
        page.get_by_label("I have read the community guidelines").check()
        page.get_by_role("button", name="Join Firsthand").click()

        consent = page.get_by_role("group", name="Consent to process your health information")
        expect(consent.locator(".error")).to_be_visible()
        page.wait_for_load_state()  # the boxes are measured with the stylesheet applied
        error = consent.locator(".error").bounding_box()
        label = consent.locator("label").bounding_box()
        assert error["y"] + error["height"] <= label["y"] + 1, "the error shares the box's line"
        main = page.locator("main").bounding_box()
        assert label["width"] >= 0.8 * (main["width"] - 32), f"the label is {label['width']} px"
        consent.screenshot(path=SHOTS / "onboarding-missed-consent-phone.png")
    finally:
        page.context.close()
