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


@pytest.fixture
def board_slug(site) -> str:
    """The board of the seeded thread the reply tests write in."""
    from forum.boards.models import Board
    from forum.extensions import db
    from forum.threads.models import Thread

    with site.app_context():
        return db.session.scalar(
            sa.select(Board.slug).join(Thread).where(Thread.title.like("Second RFA%"))
        )


def test_a_new_threads_draft_is_listed_continued_and_gone_once_posted(site, phone, board_slug):
    page = phone()
    page.clock.install()
    page.goto(f"{site.base_url}/b/{board_slug}/new")
    page.get_by_role("textbox", name="Title").fill("Cooled RFA after two burns")
    page.get_by_label("Your post").fill("Half written on the bus: the first week was")
    page.get_by_role("radio", name=re.compile("^Members only")).check()

    page.clock.run_for(31_000)  # the 30-second autosave, nothing clicked

    expect(page.locator("#draft-status")).to_have_text(re.compile(r"^Draft saved at"))
    page.goto(f"{site.base_url}/drafts")
    expect(page.get_by_text("Cooled RFA after two burns", exact=True)).to_be_visible()
    page.get_by_role("link", name="Continue “Cooled RFA after two burns”").click()
    expect(page.get_by_role("textbox", name="Title")).to_have_value("Cooled RFA after two burns")
    expect(page.get_by_label("Your post")).to_have_value(
        "Half written on the bus: the first week was"
    )
    expect(page.get_by_role("radio", name=re.compile("^Members only"))).to_be_checked()

    page.get_by_label("Your post").fill("The first week was rough; by week six it had settled.")
    page.get_by_role("button", name="Start thread").click()

    expect(page.get_by_role("heading", name="Cooled RFA after two burns")).to_be_visible()
    page.goto(f"{site.base_url}/drafts")
    expect(page.get_by_text("You have no drafts.")).to_be_visible()
