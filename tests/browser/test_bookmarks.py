"""A member keeps posts to show their clinician, in Chromium against a live forum: the
Bookmark button is a plain form post (the same with JavaScript off), the note is private,
and the printed list is a clean page with no header, footer or buttons."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import account_menu, dev_sign_in, new_context

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NOTE = "Ask Dr Patel whether the burn lasting ten days is usual."


def _rfa_posts(site) -> tuple[str, list[int]]:
    from forum.extensions import db
    from forum.threads.models import Post, Thread

    with site.app_context():
        thread = db.session.scalar(sa.select(Thread).where(Thread.title.like("Second RFA%")))
        ids = db.session.scalars(
            sa.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.position)
        ).all()
        return f"{site.base_url}/t/{thread.id}", list(ids)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_member_bookmarks_a_post_writes_a_note_and_prints_the_list(browser, site, javascript):
    thread_url, ids = _rfa_posts(site)
    post_id = ids[1] if javascript else ids[2]
    name = "with-js" if javascript else "without-js"
    note = f"{NOTE} ({name})"
    context = new_context(browser, java_script_enabled=javascript)
    page = context.new_page()
    try:
        dev_sign_in(page, site, "demo-quiet-q")
        page.goto(thread_url)
        post = page.locator(f"#p{post_id}")
        post.get_by_role("button", name="Bookmark", exact=True).click()
        kept = page.locator(f"#p{post_id}").get_by_role("button", name="Bookmarked")
        expect(kept).to_have_attribute("aria-pressed", "true")

        # A note, from the post's footer; then the list, from the account menu.
        page.locator(f"#p{post_id}").get_by_role("link", name="Note").click()
        page.get_by_label("Your private note").fill(note)
        page.get_by_role("button", name="Save note").click()
        # Saving lands on the list; wait for it, or the menu opened next is the old page's.
        expect(page.get_by_text("Bookmark saved, with your note.")).to_be_visible()
        account_menu(page).get_by_role("link", name="Bookmarks").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bookmarks")
        main = page.get_by_role("main")
        expect(main.get_by_text(note)).to_be_visible()
        expect(main.get_by_role("link", name="Second RFA", exact=False).first).to_be_visible()

        # Printed: the accounts and notes only, for the clinic visit.
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".site-footer")).to_be_hidden()
        expect(main.get_by_role("button", name="Remove", exact=False).first).to_be_hidden()
        expect(main.get_by_text(note)).to_be_visible()
        expect(main.locator(".bookmark-excerpt").first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"bookmarks-print-{name}.png"), full_page=True)
        page.emulate_media(media="screen")
        page.screenshot(path=str(ARTIFACTS / f"bookmarks-{name}.png"), full_page=True)
        assert context.traffic.foreign(site.base_url) == []
    finally:
        context.close()
