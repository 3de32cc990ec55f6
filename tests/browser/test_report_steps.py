"""The experience report form in steps, in Chromium on a 375 x 812 phone: tapping the pain
scales, Back and Save draft, the preview, posting; with JavaScript (the autosave) and
without. Screenshots of each step at 375 and 1280 px go to tests/artifacts/screens/."""

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE

SCREENS = Path(__file__).parents[1] / "artifacts" / "screens"
DESKTOP = {"width": 1280, "height": 800}
BOARD = "radiofrequency-ablation"


@pytest.fixture
def member(site):
    """A fresh member (consented, as onboarding asks) for each test: their own drafts."""
    from forum.accounts.services import create_member

    name = f"steps-{uuid.uuid4().hex[:6]}"
    with site.app_context():
        create_member(name, consent=True)
    return name


def _shoot(page: Page, name: str) -> None:
    """The page at 375 and 1280 px wide, whole, for people to look at; back to 375."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENS / f"{name}-{size['width']}.png", full_page=True)
    page.set_viewport_size(PHONE)


def _step(page: Page, number: int) -> None:
    expect(
        page.get_by_role("heading", level=2, name=re.compile(f"^Step {number} of 4"))
    ).to_be_visible()
    page.wait_for_load_state()  # its stylesheet too: the steps measure widths and boxes


def _scale(page: Page, legend: str):
    return page.get_by_role("group", name=re.compile("^" + re.escape(legend)))


def _fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _walk(page: Page, title: str, shoot: str | None = None) -> None:
    """The four steps as a person on a phone takes them from the first, posting at the end."""
    _step(page, 1)
    page.get_by_role("textbox", name="Title", exact=True).fill(title)
    page.get_by_label("Your story, in your own words").fill(
        "The burning lasted a week. Then **six months** of walking the dog again."
    )
    if shoot:
        _shoot(page, f"{shoot}-1-story")
    page.get_by_role("button", name="Continue").click()

    _step(page, 2)
    before = _scale(page, "Pain before")
    best = _scale(page, "Pain at the treatment's best effect")
    expect(before.get_by_role("radio")).to_have_count(11)
    before.get_by_text("7", exact=True).tap()
    best.get_by_text("3", exact=True).tap()
    page.get_by_label("Much improved", exact=True).check()
    expect(before.get_by_role("radio", name="7")).to_be_checked()
    _fits_the_phone(page)
    if shoot:
        _shoot(page, f"{shoot}-2-essentials")
    page.get_by_role("button", name="Continue").click()

    _step(page, 3)
    flare = page.get_by_role("group", name="Pain flare after the procedure")
    expect(flare.get_by_role("radio", name="None")).to_be_checked()
    flare.get_by_text("Mild", exact=True).tap()
    page.get_by_label("Weeks the relief lasted").fill("26")
    _fits_the_phone(page)
    if shoot:
        _shoot(page, f"{shoot}-3-details")
    page.get_by_role("button", name="Continue").click()

    _step(page, 4)
    preview = page.locator(".report-preview")
    expect(preview).to_contain_text("pain 7 → 3, much improved")
    expect(preview).to_contain_text("Pain flare after the procedure (mild)")
    expect(preview.locator("strong")).to_have_text("six months")
    visibility = page.get_by_role("group", name="Who can read this thread?")
    for radio in visibility.get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    visibility.get_by_label("Public").check()
    if shoot:
        _shoot(page, f"{shoot}-4-preview")
    page.get_by_role("button", name="Post report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".report-card").first).to_contain_text("7 before → 3 at best")


def test_the_four_steps_on_a_phone_with_javascript(site, phone):
    page = phone()
    page.goto(f"{site.base_url}/b/{BOARD}")
    page.get_by_role("main").get_by_role("link", name="Share your experience").click()
    _walk(page, "Third RFA at L3-L5: six good months", shoot="report-steps")


def test_the_four_steps_without_javascript_back_and_save_draft_included(site, phone):
    page = phone(javascript=False)
    page.goto(f"{site.base_url}/b/{BOARD}/report")
    page.get_by_role("textbox", name="Title", exact=True).fill("RFA without scripts")
    page.get_by_label("Your story, in your own words").fill("Written with scripts off.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    _step(page, 2)
    _scale(page, "Pain before").get_by_text("6", exact=True).tap()
    page.get_by_role("button", name="Back").click()  # unchecked: pain at best is still empty
    _step(page, 1)
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_value(
        "RFA without scripts"
    )
    page.get_by_role("button", name="Continue").click()
    expect(_scale(page, "Pain before").get_by_role("radio", name="6")).to_be_checked()
    # Now the whole way, as with scripts on.
    page.get_by_role("button", name="Back").click()
    _walk(page, "RFA without scripts, posted", shoot="report-steps-nojs")


def test_a_draft_survives_a_reload_and_the_timer_saves_it(site, phone):
    page = phone()
    page.clock.install()
    page.goto(f"{site.base_url}/b/{BOARD}/report")
    page.get_by_role("textbox", name="Title", exact=True).fill("Autosaved on the bus")
    page.get_by_label("Your story, in your own words").fill("Half a story, then my stop.")
    status = page.locator("#draft-status")
    expect(status).to_have_text("")

    page.clock.run_for(31_000)  # the 30-second autosave, nothing clicked

    expect(status).to_have_text(re.compile(r"^Draft saved at \d{1,2}:\d{2}"))
    page.reload()
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_value(
        "Autosaved on the bus"
    )
    expect(page.get_by_label("Your story, in your own words")).to_have_value(
        "Half a story, then my stop."
    )


def test_a_steps_error_summary_is_focused_and_its_links_reach_the_fields(site, phone):
    page = phone()
    page.goto(f"{site.base_url}/b/{BOARD}/report")
    page.get_by_role("textbox", name="Title", exact=True).fill("Errors first")
    page.get_by_label("Your story, in your own words").fill("Checking the messages.")
    page.get_by_role("button", name="Continue").click()
    _step(page, 2)
    page.get_by_role("button", name="Continue").click()  # nothing chosen

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(3)
    _shoot(page, "report-steps-2-errors")
    links.first.click()
    expect(page.locator("#pain_before-0")).to_be_focused()
    # Arrow keys move through a scale as through any radio group.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#pain_before-1")).to_be_checked()


def test_the_scales_are_large_targets(site, phone):
    page = phone()
    page.goto(f"{site.base_url}/b/{BOARD}/report?step=2")
    for box in [label.bounding_box() for label in page.locator(".scale .choice").all()]:
        assert box["width"] >= 44 and box["height"] >= 44, box
    _fits_the_phone(page)
