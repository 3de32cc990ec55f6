"""What people do on Firsthand, in Chromium, against a live forum with the demo content:

1. a visitor reads (home, board, thread, permalink), searches and opens the outcomes;
2. a patient signs in at the OpenID provider, onboards, files an experience report (in
   steps), replies with a quote, edits the reply and reads its history;
3. a member flags a post, a moderator hides it with a reason, the author reads the reason and
   a visitor sees the placeholder;
4. journey 1 again with the keyboard only (Tab and Enter), through every link and button.

Every journey also checks that no page asked anything of an origin other than the forum's
(the sign-in's trip to the provider, which a person chose, aside)."""

import re
import uuid

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import account_menu, dev_sign_in, new_context

RFA_TITLE = "Second RFA (rhizotomy) at L4-L5: relief came back, but slower"


@pytest.fixture
def person(browser, site, oidc_provider):
    """A way to open fresh browser profiles; on the way out, each profile's requests are
    checked: all to the forum, bar navigations to the OpenID provider."""
    contexts = []

    def open_page() -> Page:
        context = new_context(browser)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []  # (page URL, text)
        page.on(
            "console",
            lambda m: m.type == "error" and page.console_errors.append((page.url, m.text)),
        )
        return page

    yield open_page
    problems = []
    for context in contexts:
        problems += context.traffic.foreign(site.base_url, allowed_navigation=(oidc_provider.url,))
        for page in context.pages:
            problems += [
                f"console on {url}: {text}"
                for url, text in page.console_errors
                if url.startswith(site.base_url + "/")
            ]
        context.close()
    assert problems == []


def main(page: Page):
    return page.get_by_role("main")


def header(page: Page):
    return account_menu(page)


# -- 1. a visitor ------------------------------------------------------------------------------


def test_a_visitor_reads_searches_and_opens_the_outcomes(site, person):
    page = person()
    page.goto(site.base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "First-hand accounts of pain treatments"
    )

    # The treatment's card on the home page (its name is also in the latest activity).
    main(page).get_by_role("heading", name="Radiofrequency ablation").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Radiofrequency ablation")

    main(page).get_by_role("link", name=RFA_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RFA_TITLE)
    expect(page.locator("article.post")).to_have_count(3)

    # The permalink of the second post: its own address, and the post is in view.
    second = page.locator("article.post").nth(1)
    second.get_by_role("link", name="#2").click()
    post_id = second.get_attribute("id")
    expect(page).to_have_url(re.compile(rf"/t/\d+/[\w-]+#{post_id}$"))
    expect(page.locator(f"#{post_id}")).to_be_in_viewport()

    # "rhizotomy" is another name for radiofrequency ablation.
    search = page.get_by_role("search").first
    search.get_by_role("searchbox", name="Search the forum").fill("rhizotomy")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    hit = page.locator(".search-hit").filter(has_text="Radiofrequency ablation").first
    expect(hit).to_be_visible()
    hit.get_by_role("link").first.click()
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text(
        "Radiofrequency ablation"
    )

    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Radiofrequency ablation"
    ).click()
    main(page).get_by_role("link", name="Outcomes members reported").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Radiofrequency ablation")


# -- 2. a patient ------------------------------------------------------------------------------


def test_a_patient_onboards_reports_replies_with_a_quote_and_edits(site, person, oidc_provider):
    page = person()
    pseudonym = f"Pat-{uuid.uuid4().hex[:6]}"
    page.goto(site.base_url + "/b/radiofrequency-ablation")

    header(page).get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Continue with Clinic ID").click()
    # The provider's own login page, on its own port.
    expect(page).to_have_url(re.compile("^" + re.escape(oidc_provider.url + "/oauth2/authorize")))
    page.get_by_placeholder("sub").fill(f"journey-{pseudonym}")
    page.get_by_role("button", name="Authorize", exact=True).click()

    expect(page).to_have_url(f"{site.base_url}/onboarding")
    page.get_by_label("Pseudonym").fill(pseudonym)
    page.get_by_label("I have read the community guidelines").check()
    consent = page.get_by_role("group", name="Consent to process your health information")
    consent.get_by_label("I consent to Firsthand processing").check()
    page.get_by_role("button", name="Join Firsthand").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to Firsthand, {pseudonym}.")

    # An experience report starts a thread, in steps; who may read it is asked last, with
    # no default.
    page.goto(site.base_url + "/b/radiofrequency-ablation")
    main(page).get_by_role("link", name="Share your experience").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share your experience")
    title = page.get_by_role("textbox", name="Title", exact=True)
    title.fill("Third RFA at L3-L5: six good months")
    page.get_by_label("Your story, in your own words").fill(
        "The burning lasted a week. Then six months of walking the dog again."
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#step-heading")).to_contain_text("Step 2 of")
    page.get_by_role("group", name=re.compile("^Pain before")).get_by_text("7", exact=True).click()
    page.get_by_role("group", name=re.compile("^Pain at the treatment")).get_by_text(
        "3", exact=True
    ).click()
    page.get_by_label("Much improved", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    # Each step is a page of its own: wait for it, or the click lands on the last one.
    expect(page.locator("#step-heading")).to_contain_text("Step 3 of")
    page.get_by_role("button", name="Continue").click()  # the details are optional
    visibility = page.get_by_role("group", name="Who can read this thread?")
    expect(visibility.get_by_role("radio")).to_have_count(2)
    for radio in visibility.get_by_role("radio").all():
        expect(radio).not_to_be_checked()
    expect(page.locator(".report-preview")).to_contain_text("pain 7 → 3")
    visibility.get_by_label("Public").check()
    page.get_by_role("button", name="Post report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Third RFA at L3-L5: six good months")
    expect(page.locator(".report-card")).to_contain_text("7 before → 3 at best")

    # Reply quoting the first post.
    page.locator("article.post").first.get_by_role("link", name="Quote").click()
    body = page.get_by_label("Your reply")
    expect(body).to_have_value(re.compile(r"^>", re.MULTILINE))
    body.press("End")
    body.evaluate("(el) => { el.value += '\\n\\nAdding: the flare started on day two.'; }")
    page.get_by_role("button", name="Post reply").click()
    reply = page.locator("article.post").nth(1)
    expect(reply.locator("blockquote")).to_contain_text("The burning lasted a week.")
    expect(reply).to_contain_text("the flare started on day two")

    # Edit the reply; the history keeps both versions.
    reply.get_by_role("link", name="Edit").click()
    page.get_by_label("Post").fill("Adding: the flare started on day three, not two.")
    page.get_by_role("button", name="Save changes").click()
    reply = page.locator("article.post").nth(1)
    expect(reply).to_contain_text("day three, not two")
    reply.get_by_role("link", name=re.compile("^edited")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of post #2")
    versions = page.locator("article.revision")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("day three, not two")
    expect(versions.last).to_contain_text("day two")


# -- 3. flag, hide, reason, placeholder ---------------------------------------------------------


def test_a_flagged_post_is_hidden_with_a_reason_the_author_sees(site, person):
    from forum.accounts.services import get_user_by_name
    from forum.boards.models import Board
    from forum.extensions import db
    from forum.threads.models import Post
    from forum.threads.services import create_thread

    with site.app_context():
        board = db.session.query(Board).filter_by(slug="epidural-steroid").one()
        post = create_thread(
            get_user_by_name("demo-sacral-sam"),
            board,
            "Buy my leftover steroid vials",
            "Message me for cheap vials, no prescription needed.",
            visibility="public",
        )
        post_id, thread_id = post.id, post.thread_id
        assert db.session.get(Post, post_id).state == "visible"
    thread_url = f"{site.base_url}/t/{thread_id}"

    # A member flags it.
    member = person()
    dev_sign_in(member, site, "demo-flagger-fran")
    member.goto(thread_url)
    member.locator(f"#p{post_id}").get_by_role("link", name="Flag").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Flag this post for moderators")
    reasons = member.get_by_role("group", name="Why should moderators look at this post?")
    reasons.get_by_label("Commercial promotion").check()
    member.get_by_label("Anything moderators should know").fill("Selling prescription drugs.")
    member.get_by_role("button", name="Send flag").click()
    flagged = member.get_by_role("status").filter(has_text="Moderators will review this post")
    expect(flagged).to_be_visible()

    # A moderator, on their first moderation page, sets up their second factor: the key
    # shown under the QR code goes into an authenticator app (pyotp here), its code back.
    moderator = person()
    dev_sign_in(moderator, site, "demo-mod-maria")
    header(moderator).get_by_role("link", name="Moderation").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(moderator.locator("main svg")).to_be_visible()
    key = moderator.locator("code.secret").inner_text().replace(" ", "")
    moderator.get_by_label("Code").fill(pyotp.TOTP(key).now())
    moderator.get_by_role("button", name="Confirm").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Your second factor is set up")
    expect(moderator.locator(".recovery-codes li")).to_have_count(10)
    moderator.get_by_role("link", name="I have kept them: continue").click()

    # They hide it from the queue, with a reason.
    item = moderator.locator("article.queue-item").filter(has_text="Buy my leftover steroid vials")
    expect(item).to_contain_text("Selling prescription drugs.")
    item.get_by_label("Reason (the author sees it)").fill("No selling or sourcing of drugs.")
    item.get_by_role("button", name="Hide").click()
    expect(moderator.locator("article.queue-item").filter(has_text="steroid vials")).to_have_count(
        0
    )

    # The author reads the reason on the post.
    author = person()
    dev_sign_in(author, site, "demo-sacral-sam")
    author.goto(thread_url)
    expect(author.locator(f"#p{post_id}").get_by_role("note")).to_contain_text(
        "Hidden by a moderator: No selling or sourcing of drugs."
    )

    # A visitor sees the placeholder, not the text.
    visitor = person()
    visitor.goto(thread_url)
    hidden = visitor.locator(f"#p{post_id}")
    expect(hidden).to_contain_text("Post hidden by a moderator")
    expect(hidden).not_to_contain_text("vials")


# -- 4. the keyboard only ----------------------------------------------------------------------

FOCUSABLE_JS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter(el => el.tabIndex >= 0 && !el.disabled && !el.closest('[hidden]')
    && !el.closest('details:not([open]) > :not(summary)')
    && (el.getClientRects().length > 0 || el.classList.contains('skip-link')))
  .map(el => el.dataset.kbd = String(Math.random()).slice(2))"""

FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    id: el.dataset.kbd || '', text: (el.innerText || el.value || el.name || '').trim().slice(0, 60),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_through(page: Page) -> list[dict]:
    """Tab through the whole page, from its first stop (the skip link) round to it again;
    checks every link, button and field is reached once, in the order of the page, each with
    a visible focus ring."""
    page.wait_for_load_state()  # what is visible depends on the stylesheet
    expected = page.evaluate(FOCUSABLE_JS)
    for _ in range(len(expected) + 3):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused and focused["id"] == expected[0]:
            break
    seen = [focused]
    for _ in range(len(expected) + 2):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None or focused["id"] == seen[0]["id"]:
            break
        seen.append(focused)
    assert [f["id"] for f in seen] == expected, [f["text"] for f in seen]
    assert [f["text"] for f in seen if not f["outline"]] == []
    return seen


def tab_to_and_enter(page: Page, name: str) -> None:
    """Tab (round the page if need be) to the link or button called `name`, then Enter."""
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("() => (document.activeElement.innerText || '').trim()") == name:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_journey_one_with_the_keyboard_only(site, person):
    page = person()
    page.goto(site.base_url + "/")

    # The first Tab shows the skip link; Enter on it moves on to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(main(page).get_by_role("link").first).to_be_focused()

    tab_through(page)
    tab_to_and_enter(page, "Radiofrequency ablation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Radiofrequency ablation")

    tab_through(page)
    tab_to_and_enter(page, RFA_TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(RFA_TITLE)

    tab_through(page)
    tab_to_and_enter(page, "#2")
    expect(page).to_have_url(re.compile(r"#p\d+$"))

    # The header's search field: Tab to it, type, Enter.
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "header-q":
            break
    page.keyboard.type("rhizotomy")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    tab_through(page)
    tab_to_and_enter(page, RFA_TITLE)
    expect(page.get_by_role("heading", level=1)).to_have_text(RFA_TITLE)

    tab_to_and_enter(page, "Radiofrequency ablation")
    tab_to_and_enter(page, "Outcomes members reported")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcomes")
    tab_through(page)


# -- progressive enhancement -------------------------------------------------------------------


def test_quoting_a_selection_puts_only_those_words_in_the_reply_box(site, person):
    """static/js/quote.js. Not yet linked from the thread page (tests/test_xss.py wants no
    <script> there at all), so the test adds it the way the page would, from our origin."""
    page = person()
    dev_sign_in(page, site, "demo-quiet-q")
    page.goto(site.base_url + "/")
    # The treatment's card on the home page (its name is also in the latest activity).
    main(page).get_by_role("heading", name="Radiofrequency ablation").get_by_role("link").click()
    main(page).get_by_role("link", name=RFA_TITLE).click()
    expect(page.locator('script[src*="/static/js/quote.js"]')).to_have_count(1)
    first = page.locator("article.post").first
    post_url = page.url

    # What a person does with the mouse: select a few words of the first post.
    first.locator(".post-body").evaluate(
        """(body) => {
          const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
          let node;
          while ((node = walker.nextNode()) && !node.data.includes('nine months')) {}
          const start = node.data.indexOf('nine months');
          const range = document.createRange();
          range.setStart(node, start);
          range.setEnd(node, start + 'nine months of real relief'.length);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }"""
    )
    first.get_by_role("link", name="Quote").click()

    box = page.get_by_label("Your reply")
    expect(box).to_be_focused()
    expect(box).to_have_value(
        re.compile(r"^\[demo-lumbar-lou wrote\]\(/p/\d+\):\n> nine months of real relief\n\n$")
    )
    assert page.url == post_url  # no trip to the reply page

    # Without a selection the link opens the reply page, the whole post quoted.
    page.evaluate("() => getSelection().removeAllRanges()")
    first.get_by_role("link", name="Quote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reply to “{RFA_TITLE}”")
    expect(page.get_by_label("Your reply")).to_have_value(re.compile("My first radiofrequency"))
