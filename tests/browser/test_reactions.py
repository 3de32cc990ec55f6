"""Helpful and Me too in Chromium: with our script the buttons update in place; without
JavaScript the form posts and the page comes back at the post. A visitor sees the counts."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import dev_sign_in, new_context

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def thread_url(site):
    from forum.accounts.services import get_user_by_name
    from forum.boards.models import Board
    from forum.extensions import db
    from forum.threads.services import create_thread

    with site.app_context():
        board = db.session.query(Board).filter_by(slug="epidural-steroid").one()
        post = create_thread(
            get_user_by_name("demo-sacral-sam"),
            board,
            "Did the second injection help anyone else?",
            "The first one gave me three weeks. The second, nearly three months.",
            visibility="public",
        )
        return f"{site.base_url}/t/{post.thread_id}", post.id


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_member_finds_a_post_helpful(browser, site, thread_url, javascript):
    url, post_id = thread_url
    context = new_context(browser, java_script_enabled=javascript)
    try:
        page = context.new_page()
        dev_sign_in(page, site, "demo-flagger-fran")
        page.goto(url)
        before = page.url
        post = page.locator(f"#p{post_id}")
        helpful = post.get_by_role("button", name="Helpful")
        expect(helpful).to_have_attribute("aria-pressed", "false")
        helpful.click()
        post = page.locator(f"#p{post_id}")
        helpful = post.get_by_role("button", name="Helpful")
        expect(helpful).to_have_attribute("aria-pressed", "true")
        expect(helpful.locator(".reaction-count")).to_have_text("1")
        if javascript:
            assert page.url == before  # in place: no reload
        else:
            assert page.url.endswith(f"#p{post_id}")
            expect(page.get_by_text("You marked this post “Helpful”.")).to_be_visible()
        post.get_by_role("button", name="Me too").click()
        expect(post.get_by_role("button", name="Me too")).to_have_attribute("aria-pressed", "true")
        post.scroll_into_view_if_needed()
        name = "script" if javascript else "no-script"
        page.screenshot(path=str(ARTIFACTS / f"reactions-{name}.png"), full_page=False)

        visitor = new_context(browser).new_page()
        visitor.goto(url)
        counts = visitor.locator(f"#p{post_id} .reaction-counts")
        expect(counts).to_contain_text("1 found this helpful")
        assert visitor.locator(f"#p{post_id} .reaction-form").count() == 0
        visitor.context.close()
    finally:
        context.close()


def test_a_visitor_lists_a_boards_most_helpful_threads(browser, site):
    context = new_context(browser, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{site.base_url}/b/epidural-steroid")
        page.get_by_role("navigation", name="Order of threads").get_by_role(
            "link", name="this month"
        ).click()
        expect(page.get_by_role("link", name="this month")).to_have_attribute(
            "aria-current", "true"
        )
        assert "sort=helpful" in page.url and "period=month" in page.url
        page.screenshot(path=str(ARTIFACTS / "reactions-board-most-helpful.png"))
    finally:
        context.close()
