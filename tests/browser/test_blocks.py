"""A member blocks another, in Chromium against a live forum, with JavaScript and without:
the Block button on a profile is a plain form post, the blocked member's post folds on the
thread page, "Show" opens it (no request, no script), and Settings undoes it."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, account_menu, dev_sign_in, new_context

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FOLD = "Post by a member you blocked"


def _a_reply_and_its_author(site) -> tuple[str, int, str]:
    """A public demo thread's second post: its thread's address, its id, its author."""
    from forum.accounts.models import User
    from forum.extensions import db
    from forum.threads.models import Post, Thread

    with site.app_context():
        thread = db.session.scalar(sa.select(Thread).where(Thread.title.like("Second RFA%")))
        post_id, author = db.session.execute(
            sa.select(Post.id, User.display_name)
            .join(User, User.id == Post.author_id)
            .where(Post.thread_id == thread.id, Post.position == 2)
        ).one()
        return f"{site.base_url}/t/{thread.id}", post_id, author


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_member_blocks_sees_the_post_folded_shows_it_and_unblocks(browser, site, javascript):
    thread_url, post_id, author = _a_reply_and_its_author(site)
    name = "with-js" if javascript else "without-js"
    context = new_context(browser, java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        dev_sign_in(page, site, f"demo-blocker-{'js' if javascript else 'nojs'}")

        # From the author's profile: what blocking does, then the button.
        page.goto(thread_url)
        page.locator(f"#p{post_id}").get_by_role("link", name=author, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(author)
        main = page.get_by_role("main")
        expect(main.get_by_text("They are not told.")).to_be_visible()
        button = main.get_by_role("button", name="Block", exact=True)
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        expect(main.get_by_text(f"You blocked {author}. They are not told.")).to_be_visible()
        unblock = main.get_by_role("button", name="Unblock", exact=True)
        expect(unblock).to_have_attribute("aria-pressed", "true")
        page.screenshot(path=str(ARTIFACTS / f"blocks-profile-{name}.png"), full_page=True)

        # Their post is folded: one line; "Show" opens it in place.
        page.goto(thread_url)
        post = page.locator(f"#p{post_id}")
        summary = post.locator("summary")
        expect(summary).to_contain_text(FOLD)
        expect(post.locator(".post-body")).to_be_hidden()
        asked = []  # pages and scripts' requests; an image of the page may still be coming

        def note(request):
            if request.resource_type in ("document", "fetch", "xhr"):
                asked.append(request.url)

        page.on("request", note)
        summary.get_by_text("Show").click()
        expect(post.locator(".post-body")).to_be_visible()
        expect(summary.get_by_text("Hide")).to_be_visible()
        assert asked == []  # opening it asked the server nothing
        post.screenshot(path=str(ARTIFACTS / f"blocks-shown-{name}.png"))
        summary.click()
        expect(post.locator(".post-body")).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / f"blocks-folded-{name}.png"), full_page=True)

        # Settings lists them; Unblock there, and the post reads as before.
        account_menu(page).get_by_role("link", name="Settings").click()
        page.get_by_role("link", name="Members you blocked").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Blocked members")
        main = page.get_by_role("main")
        expect(main.get_by_role("link", name=author, exact=True)).to_be_visible()
        main.get_by_role("button", name=f"Unblock {author}").click()
        expect(main.get_by_text(f"You unblocked {author}.")).to_be_visible()
        expect(main.get_by_text("You have not blocked anyone.")).to_be_visible()
        page.goto(thread_url)
        expect(page.locator(f"#p{post_id} summary")).to_have_count(0)
        expect(page.locator(f"#p{post_id} .post-body")).to_be_visible()
        assert context.traffic.foreign(site.base_url) == []
    finally:
        context.close()
