"""Every page type, in Chromium: axe-core finds no serious or critical violation in the light
or the dark theme, the page has the landmarks, one h1, unique ids, headings that never skip a
level and 44 px tap targets, it asks nothing of any other origin, and it is photographed at
phone and desktop sizes, light and dark, into tests/artifacts/screens/ for people to look at.

axe runs in a second browser profile with bypass_csp=True (it injects its script into the
page, which our CSP would refuse); the checks and screenshots use a profile with the real CSP,
where a violation would show as a console error."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import dev_sign_in, new_context, type_second_factor_code
from tests.pages import MODERATOR, PAGES, STATUS, demo_ids

SCREENS = Path(__file__).parents[1] / "artifacts" / "screens"
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}
THEMES = ("light", "dark")
AXE = Axe()

# Sizes of things a finger must hit (WCAG 2.5.5): buttons and fields, and links that stand
# on their own (navigation, actions); a link inside a sentence is exempt.
TAP_TARGETS_JS = """() => {
  const small = [];
  const inText = (el) =>
    el.closest('p, dd, td, th, figcaption, blockquote, .lede, .muted, .hint, .post-body')
    && !el.closest('nav, .post-actions, .actions, .pager');
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (el.classList.contains('skip-link')) continue;
    let target = box;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label')
        || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (!label) { small.push(`unlabelled ${el.type} ${el.name}`); continue; }
      target = label.getBoundingClientRect();
    } else if (el.tagName === 'A' && inText(el)) {
      continue;
    }
    if (target.height < 43.5 || target.width < 43.5) {
      const name = (el.innerText || el.name || el.id).trim().slice(0, 40);
      const size = `${Math.round(target.width)}x${Math.round(target.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return small;
}"""

PRINTED = {"thread", "thread-member", "report-thread"}
PRINT_HIDES_JS = """() => [...document.querySelectorAll(
    'body > header, body > footer, nav, form, button, .post-actions')]
  .filter(el => el.getClientRects().length > 0).map(el => el.outerHTML.slice(0, 60))"""

EXPECTED_STRUCTURE = {
    "lang": "en",
    "h1": 1,
    "banner": 1,
    "main": 1,
    "contentinfo": 1,
    "skip": True,
    "timesWithoutDatetime": 0,
    "inlineStyles": 0,
    "inlineScripts": 0,
    "duplicateIds": [],
    "skippedHeadings": [],
}
STRUCTURE_JS = """() => ({
  lang: document.documentElement.lang,
  h1: document.querySelectorAll('h1').length,
  banner: document.querySelectorAll('body > header').length,
  main: document.querySelectorAll('main').length,
  contentinfo: document.querySelectorAll('body > footer').length,
  nav: document.querySelectorAll('nav').length,
  skip: document.querySelector('a[href="#main"]') === document.querySelector('a[href], button'),
  timesWithoutDatetime:
    [...document.querySelectorAll('time')].filter(t => !t.getAttribute('datetime')).length,
  inlineStyles: document.querySelectorAll('[style]').length,
  inlineScripts: [...document.scripts].filter(s => !s.src).length,
  duplicateIds: [...document.querySelectorAll('[id]')].map(el => el.id)
    .filter((id, i, all) => all.indexOf(id) !== i),
  skippedHeadings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .map(h => Number(h.tagName[1]))
    .flatMap((level, i, all) => level > (i ? all[i - 1] : 0) + 1
      ? [`h${level} after ${i ? 'h' + all[i - 1] : 'the start'}`] : []),
})"""


@pytest.fixture(scope="module")
def ids(site):
    """Ids of the demo content the pages show (tests/pages.py demo_ids)."""
    with site.app_context():
        return demo_ids()


@pytest.fixture(scope="module")
def profiles(browser, site, oidc_provider, ids):
    """For each viewer, a profile with the real CSP and one for axe (bypass_csp)."""
    made = {}
    for viewer in {viewer for _, viewer, _ in PAGES}:
        pair = []
        for bypass in (False, True):
            context = new_context(browser, bypass_csp=bypass, viewport=VIEWPORTS["desktop"])
            page = context.new_page()
            page.console_errors = []
            page.on(
                "console",
                lambda m, p=page: m.type == "error" and p.console_errors.append(m.text),
            )
            if viewer == "newcomer":
                # Halfway through a first sign-in: back from the provider, not yet onboarded.
                page.goto(f"{site.base_url}/login/clinic")
                page.get_by_placeholder("sub").fill(f"tour-newcomer-{int(bypass)}")
                page.get_by_role("button", name="Authorize", exact=True).click()
                page.wait_for_url(f"{site.base_url}/onboarding")
            elif viewer:
                dev_sign_in(page, site, viewer)
                if viewer == MODERATOR:
                    type_second_factor_code(page, site, viewer)
            pair.append(page)
        made[viewer] = pair
    yield made
    for pair in made.values():
        for page in pair:
            page.context.close()


@pytest.mark.parametrize(("name", "viewer", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page(name, viewer, path, site, ids, profiles):
    page, axe_page = profiles[viewer]
    url = site.base_url + path.format(**ids)
    for each in (page, axe_page):
        each.context.traffic.requests.clear()
        each.context.traffic.refused.clear()
    page.console_errors.clear()

    # axe, light then dark, where the CSP is bypassed.
    axe_page.goto(url)
    problems = []
    for theme in THEMES:
        axe_page.emulate_media(color_scheme=theme)
        result = AXE.run(axe_page)
        for violation in result.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
                problems.append(f"{theme}: {violation['id']} ({violation['help']}) at {targets}")
    axe_page.emulate_media(color_scheme="light")

    # The page as people get it, with the CSP.
    response = page.goto(url)
    assert response.status == STATUS.get(name, 200)
    structure = page.evaluate(STRUCTURE_JS)
    SCREENS.mkdir(parents=True, exist_ok=True)
    small = []
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        for theme in THEMES:
            page.emulate_media(color_scheme=theme)
            page.screenshot(path=SCREENS / f"{name}-{size}-{theme}.png", full_page=True)
        if size == "phone":
            small = page.evaluate(TAP_TARGETS_JS)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > viewport["width"]:
                small.append(f"the page is {width} px wide: it scrolls sideways")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(VIEWPORTS["desktop"])
    if name in PRINTED:
        # What a patient hands their doctor: the accounts, without navigation or forms.
        page.emulate_media(media="print")
        page.screenshot(path=SCREENS / f"{name}-print.png", full_page=True)
        hidden = page.evaluate(PRINT_HIDES_JS)
        page.emulate_media(media="screen")
        assert hidden == [], f"shown in print: {hidden}"

    # CSP violations are console errors; an error page's own status is reported there too.
    console = [e for e in page.console_errors if not (name in STATUS and str(STATUS[name]) in e)]
    found = {
        "axe (serious, critical)": problems,
        "page structure": [
            f"{key}: {value!r}"
            for key, value in structure.items()
            if value != EXPECTED_STRUCTURE.get(key, value)
        ],
        "at 375 px (tap targets under 44 px, sideways scrolling)": small,
        "requests to other origins": page.context.traffic.foreign(site.base_url)
        + axe_page.context.traffic.foreign(site.base_url),
        "console errors": console,
    }
    found = {check: items for check, items in found.items() if items}
    if found:
        pytest.fail(
            "\n".join(f"{check}:\n  " + "\n  ".join(items) for check, items in found.items()),
            pytrace=False,
        )
