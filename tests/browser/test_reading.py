"""A member sees what moved since they last read: "New" beside a thread another member
starts, "1 new" once someone replies after they read it, a divider where the new posts
begin, and nothing once they have read them. Without JavaScript: markers are links and
Mark all read is a form."""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import dev_sign_in, new_context

SCREENS = Path(__file__).parents[1] / "artifacts" / "screens"


def _post_as(site, pseudonym: str, thread_id: int | None, title: str, body: str) -> int:
    """Another member writes (through the service): returns the thread's id."""
    from forum.accounts.services import get_user_by_name
    from forum.boards.models import Board
    from forum.extensions import db
    from forum.threads.models import Thread
    from forum.threads.services import create_thread, reply_to_thread

    with site.app_context():
        author = get_user_by_name(pseudonym)
        if thread_id is None:
            board = db.session.query(Board).filter_by(slug="spinal-cord-stimulation").one()
            return create_thread(author, board, title, body, visibility="public").thread_id
        reply_to_thread(author, db.session.get(Thread, thread_id), body)
        return thread_id


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_new_marker_appears_after_another_member_replies_and_goes_after_reading(
    browser, site, javascript
):
    context = new_context(browser, java_script_enabled=javascript)
    page = context.new_page()
    reader = f"reader-{uuid.uuid4().hex[:6]}"
    dev_sign_in(page, site, reader)
    board = f"{site.base_url}/b/spinal-cord-stimulation"
    title = f"Trial leads out today {uuid.uuid4().hex[:4]}"

    thread_id = _post_as(site, "demo-sacral-sam", None, title, "Day seven of the trial.")
    page.goto(board)
    row = page.locator(".thread-row").filter(has_text=title)
    expect(row.locator(".new-marker")).to_have_text(f"New thread: {title}")
    row.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".new-divider")).to_have_count(0)  # never opened: all of it was new

    _post_as(site, "demo-sacral-sam", thread_id, title, "The leads are out: no infection.")
    page.goto(board)
    marker = row.locator(".new-marker")
    expect(marker).to_have_text(f"1 new post in {title}")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / "reading-board-marker.png", full_page=True)
    marker.click()
    divider = page.locator(".new-divider")
    expect(divider).to_be_visible()
    expect(page.locator("article.post").last).to_contain_text("The leads are out")
    page.screenshot(path=SCREENS / "reading-thread-divider.png", full_page=True)

    page.goto(board)
    expect(row.locator(".new-marker")).to_have_count(0)
    row.get_by_role("link", name=title, exact=True).click()
    expect(page.locator(".new-divider")).to_have_count(0)
    context.close()
