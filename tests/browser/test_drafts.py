"""A reply being written survives a reload, in Chromium on a phone: with JavaScript the
30-second autosave keeps it, without it "Save draft" does; "Discard draft" empties the box.
Screenshots of the thread page's reply box with a draft go to tests/artifacts/screens/."""

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

SCREENS = Path(__file__).parents[1] / "artifacts" / "screens"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def member(site):
    """A fresh member (consented, as onboarding asks) for each test: their own drafts."""
    from forum.accounts.services import create_member

    name = f"drafts-{uuid.uuid4().hex[:6]}"
    with site.app_context():
        create_member(name, consent=True)
    return name


@pytest.fixture
def thread_path(site) -> str:
    from forum.extensions import db
    from forum.threads.models import Thread

    with site.app_context():
        thread = db.session.scalar(sa.select(Thread).where(Thread.title.like("Second RFA%")))
        return f"/t/{thread.id}/{thread.slug}"


def _box(page: Page):
    return page.get_by_label("Your reply")


def test_the_autosave_keeps_a_reply_through_a_reload(site, phone, thread_path):
    page = phone()
    page.clock.install()
    page.goto(f"{site.base_url}{thread_path}")
    _box(page).fill("Mine settled after three weeks, and")
    status = page.locator("#draft-status")
    expect(status).to_have_text("")

    page.clock.run_for(31_000)  # the 30-second autosave, nothing clicked

    expect(status).to_have_text(re.compile(r"^Draft saved at \d{1,2}:\d{2}"))
    page.reload()
    expect(_box(page)).to_have_value("Mine settled after three weeks, and")
    SCREENS.mkdir(parents=True, exist_ok=True)
    box = page.locator("#reply")
    box.scroll_into_view_if_needed()
    box.screenshot(path=SCREENS / "reply-draft-375.png")
    page.set_viewport_size(DESKTOP)
    box.screenshot(path=SCREENS / "reply-draft-1280.png")


def test_save_draft_without_javascript_keeps_a_reply_and_discard_empties_it(
    site, phone, thread_path
):
    page = phone(javascript=False)
    page.goto(f"{site.base_url}{thread_path}")
    _box(page).fill("Written without scripts, saved by hand.")

    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("Your draft is saved")).to_be_visible()
    page.reload()
    expect(_box(page)).to_have_value("Written without scripts, saved by hand.")
    expect(page.locator("#draft-status")).to_have_text(re.compile("^Draft saved"))

    page.get_by_role("button", name="Discard draft").click()

    expect(page.get_by_text("The draft is deleted.")).to_be_visible()
    expect(_box(page)).to_have_value("")
    page.goto(f"{site.base_url}/drafts")
    expect(page.get_by_text("You have no drafts.")).to_be_visible()
