"""Private messages in Chromium against a live forum, with JavaScript and without (every
step is a plain link or form post): writing from a profile, the header's count, replying,
reporting a message, and a block that stops the conversation."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, account_menu, dev_sign_in, new_context

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESKTOP = {"width": 1280, "height": 900}


def _members(site, *names: str) -> None:
    """Members here 40 days with approved posts: they may start conversations."""
    from forum.accounts.models import User
    from forum.accounts.services import create_member
    from forum.extensions import db, utcnow

    with site.app_context():
        for name in names:
            member = create_member(name, consent=True)
            db.session.flush()
            db.session.execute(
                sa.update(User)
                .where(User.id == member.id)
                .values(created_at=utcnow() - timedelta(days=40), post_count=4)
            )
        db.session.commit()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_write_reply_report_and_block(browser, site, javascript):
    tag = "js" if javascript else "nojs"
    writer_name, reader_name = f"pm-writer-{tag}", f"pm-reader-{tag}"
    _members(site, writer_name, reader_name)
    ARTIFACTS.mkdir(exist_ok=True)
    writer_context = new_context(browser, java_script_enabled=javascript, viewport=PHONE)
    reader_context = new_context(browser, java_script_enabled=javascript, viewport=DESKTOP)
    try:
        writer = writer_context.new_page()
        dev_sign_in(writer, site, writer_name)

        # From the reader's profile: "Send a message", the form, the conversation.
        writer.goto(f"{site.base_url}/u/{reader_name}")
        writer.get_by_role("link", name="Send a message").click()
        expect(writer.get_by_label("To")).to_have_value(reader_name)
        writer.get_by_label("Subject").fill("Which clinic did you go to?")
        writer.get_by_label("Message").fill("I am weighing a **stimulator** trial.")
        writer.get_by_role("button", name="Send").click()
        main = writer.get_by_role("main")
        expect(writer.get_by_role("heading", level=1)).to_have_text("Which clinic did you go to?")
        expect(main.locator("strong", has_text="stimulator")).to_be_visible()
        writer.screenshot(path=str(ARTIFACTS / f"messages-conversation-{tag}.png"), full_page=True)

        # The reader sees the count in the header, then the list, then the conversation.
        reader = reader_context.new_page()
        dev_sign_in(reader, site, reader_name)
        menu = account_menu(reader)
        messages_link = menu.get_by_role("link", name="Messages")
        expect(messages_link).to_contain_text("1 conversation with new messages")
        messages_link.click()
        expect(reader.get_by_role("main").get_by_text("1 new message")).to_be_visible()
        reader.screenshot(path=str(ARTIFACTS / f"messages-list-{tag}.png"), full_page=True)
        reader.get_by_role("link", name="Which clinic did you go to?").click()
        reader.get_by_label("Message").fill("The county hospital; happy to say more.")
        reader.get_by_role("button", name="Send").click()
        expect(reader.get_by_text("The county hospital; happy to say more.")).to_be_visible()

        # Reporting the writer's message: a reason, then back to the conversation.
        reader.get_by_role("link", name=f"Report this message by {writer_name}").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text("Report this message")
        reader.get_by_role("button", name="Send report").click()  # no reason yet
        expect(
            reader.get_by_role("alert").filter(has_text="Please choose a reason.")
        ).to_be_visible()
        reader.get_by_label("Selling, advertising or a scam").check()
        reader.get_by_role("button", name="Send report").click()
        expect(
            reader.get_by_text("Reported. A moderator will read this conversation")
        ).to_be_visible()

        # A block stops the writer writing in it, without telling them why.
        reader.goto(f"{site.base_url}/u/{writer_name}")
        reader.get_by_role("main").get_by_role("button", name="Block", exact=True).click()
        writer.reload()
        expect(writer.get_by_text("You can no longer write in this conversation.")).to_be_visible()
        expect(writer.get_by_label("Message")).to_have_count(0)
        assert "block" not in writer.get_by_role("main").inner_text().lower()
        assert writer_context.traffic.foreign(site.base_url) == []
        assert reader_context.traffic.foreign(site.base_url) == []
    finally:
        writer_context.close()
        reader_context.close()
