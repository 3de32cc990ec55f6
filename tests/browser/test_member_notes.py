"""A moderator keeps a note on a member's moderation page, in Chromium against a live
forum: the note shows with its writer, date and line breaks, its writer corrects it, and it
then reads "edited". Screenshots of the section at phone and desktop widths, light and dark,
go to tests/artifacts/screens/ for a person to look at."""

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, dev_sign_in, new_context, type_second_factor_code

SCREENS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
MODERATOR = "demo-mod-maria"
MEMBER = "demo-sacral-sam"


def test_a_moderator_keeps_and_corrects_a_note_on_a_member(browser, site):
    context = new_context(browser, viewport=PHONE, has_touch=True)
    page = context.new_page()
    try:
        dev_sign_in(page, site, MODERATOR)
        type_second_factor_code(page, site, MODERATOR)
        page.goto(f"{site.base_url}/moderation/members/{MEMBER}")
        notes = page.locator("section#notes")
        expect(notes.get_by_role("heading", level=2)).to_have_text("Notes")

        notes.get_by_label("Note (only moderators see it)").fill(
            "Contacted 3 Dec.\nHas support at home."
        )
        notes.get_by_role("button", name="Add note").click()
        note = page.locator("section#notes .note-list li").first
        expect(note.locator(".note-body")).to_have_text("Contacted 3 Dec.\nHas support at home.")
        expect(note).to_contain_text(MODERATOR)
        # Measured once the stylesheet has loaded: before it, the lines run together.
        page.wait_for_load_state()
        box = note.locator(".note-body").bounding_box()
        assert box and box["height"] > 40, "the note's two lines show as two lines"

        note.get_by_role("link", name="Edit this note").click()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENS / "member-notes-edit-375-light.png", full_page=True)
        page.get_by_label("Note (only moderators see it)").fill("Contacted 3 Dec; sister staying.")
        page.get_by_role("button", name="Save the note").click()
        note = page.locator("section#notes .note-list li").first
        expect(note.locator(".note-body")).to_have_text("Contacted 3 Dec; sister staying.")
        expect(note.locator(".badge")).to_have_text("edited")

        SCREENS.mkdir(parents=True, exist_ok=True)
        for size, viewport in (("375", PHONE), ("1280", {"width": 1280, "height": 800})):
            page.set_viewport_size(viewport)
            for theme in ("light", "dark"):
                page.emulate_media(color_scheme=theme)
                page.screenshot(path=SCREENS / f"member-notes-{size}-{theme}.png", full_page=True)
        assert context.traffic.foreign(site.base_url) == []
    finally:
        context.close()
