"""Errors people can find: a form shown again with errors starts with a summary that lists
each problem as a link to its field (a message about the whole form has no link), and a small
script of our own puts the focus on it. A box's error sits on its own line above the box. The
thread and report forms mark every required question as required."""

import re
from html.parser import HTMLParser

from forum.auth.services import ProviderIdentity
from tests.conftest import login


class Summary(HTMLParser):
    """The error summary of a page: its items (text, link or None), the script tags, every
    id on the page, and the attributes of each form control by id."""

    def __init__(self, html: str):
        super().__init__()
        self.items: list[tuple[str, str | None]] = []
        self.summary_attrs: dict | None = None
        self.ids: list[str] = []
        self.controls: dict[str, dict] = {}
        self.scripts: list[str] = []
        self._depth = 0  # inside the summary: how many open tags deep
        self._item: list | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
            if tag in ("input", "select", "textarea", "fieldset"):
                self.controls[attrs["id"]] = attrs
        if tag == "script":
            self.scripts.append(attrs.get("src", ""))
        if self._depth:
            if tag not in ("input", "br"):
                self._depth += 1
            if tag == "li":
                self._item = ["", None]
            elif tag == "a" and self._item is not None:
                self._item[1] = attrs.get("href")
        elif tag == "div" and "error-summary" in (attrs.get("class") or "").split():
            self.summary_attrs = attrs
            self._depth = 1

    def handle_endtag(self, tag):
        if not self._depth:
            return
        if tag == "li" and self._item is not None:
            self.items.append((self._item[0].strip(), self._item[1]))
            self._item = None
        self._depth -= 1

    def handle_data(self, data):
        if self._item is not None:
            self._item[0] += data


def assert_each_link_reaches_its_field(summary: Summary) -> None:
    assert summary.summary_attrs == {
        "class": "error-summary",
        "role": "alert",
        "tabindex": "-1",
        "id": "error-summary",
        "aria-labelledby": "error-summary-title",
    }
    assert len(summary.ids) == len(set(summary.ids)), "an id twice"
    for text, href in summary.items:
        assert text
        if href is not None:
            assert href.startswith("#") and href[1:] in summary.ids, href
    assert any(src.startswith("/static/js/error-summary.js") for src in summary.scripts)


# -- the summary ------------------------------------------------------------------------------


def test_a_thread_without_answers_lists_each_problem_as_a_link(client, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    response = client.post("/b/rfa/new", data={"title": "Hi"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = Summary(page)
    assert_each_link_reaches_its_field(summary)
    assert summary.items == [
        ("A title is 5 to 150 characters long.", "#title"),
        ("Please write something.", "#body"),
        ("Please choose who can read this thread: public, or members only.", "#visibility"),
    ]
    # The summary comes before the form, and the old sentence is gone.
    form = '<form method="post" action="/b/rfa/new" novalidate'
    assert page.index('id="error-summary"') < page.index(form)
    assert "Please correct the marked fields below." not in page
    # A radio group's link goes to its fieldset, which names the question.
    assert summary.controls["visibility"]["class"].startswith("field choices")


def test_a_form_without_errors_has_no_summary_and_no_script(client, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    page = client.get("/b/rfa/new").get_data(as_text=True)

    summary = Summary(page)
    assert summary.summary_attrs is None
    assert not any("error-summary" in src for src in summary.scripts)


def test_a_bad_pseudonym_on_onboarding_links_to_its_field(client):
    with client.session_transaction() as session:
        session["pending_identity"] = ProviderIdentity(
            "clinic", "https://id.example", "summary-sub"
        ).as_dict()

    response = client.post("/onboarding", data={"pseudonym": ""})

    assert response.status_code == 422
    summary = Summary(response.get_data(as_text=True))
    assert_each_link_reaches_its_field(summary)
    # In the order of the page.
    hrefs = [href for _, href in summary.items]
    assert hrefs == ["#pseudonym", "#accept_guidelines", "#accept_health_data"]


def test_the_script_is_served(client):
    with client.get("/static/js/error-summary.js") as response:
        assert response.status_code == 200
        script = response.get_data(as_text=True)
    assert 'getElementById("error-summary")' in script
    assert ".focus()" in script


# -- a box's error on its own line ------------------------------------------------------------


def test_an_unticked_box_says_why_above_the_box(client):
    with client.session_transaction() as session:
        session["pending_identity"] = ProviderIdentity(
            "clinic", "https://id.example", "box-sub"
        ).as_dict()

    page = client.post("/onboarding", data={"pseudonym": "Careful-Cora"}).get_data(as_text=True)

    for box, error_id in (
        ("accept_guidelines", "accept-error"),
        ("accept_health_data", "consent-error"),
    ):
        # The error is inside the box's own field, on its own line before the label and box.
        start = page.rindex('class="field checkbox has-error"', 0, page.index(f'id="{box}"'))
        markup = page[start:]
        assert markup.index(f'<p class="error" id="{error_id}">') < markup.index("<label>")
        assert markup.index("<label>") < markup.index(f'id="{box}"')
        assert f'aria-describedby="{error_id}"' in markup[: markup.index("</label>")]
    with client.get("/static/css/forum.css") as response:
        css = response.get_data(as_text=True)
    assert ".field.checkbox > .error { flex: 1 0 100%;" in css
    assert re.search(r"\.field\.checkbox \{[^}]*flex-wrap: wrap", css)


# -- required questions -----------------------------------------------------------------------

MARKER = '<span class="required-marker" aria-hidden="true">(required)</span>'


def label_of(page: str, control_id: str) -> str:
    """The text of a field's label, or of its fieldset's legend."""
    label = re.search(rf'<label for="{control_id}">(.*?)</label>', page, re.S)
    if label:
        return label.group(1)
    fieldset = re.search(
        rf'<fieldset[^>]*id="{control_id}"[^>]*>\s*<legend>(.*?)</legend>', page, re.S
    )
    assert fieldset, control_id
    return fieldset.group(1)


def test_the_thread_form_marks_every_required_question(client, make_board, member):
    make_board(slug="rfa")
    login(client, member)

    page = client.get("/b/rfa/new").get_data(as_text=True)
    summary = Summary(page)

    for name in ("title", "body", "visibility"):
        assert label_of(page, name).endswith(MARKER), name
    assert "required" in summary.controls["title"]
    assert "required" in summary.controls["body"]
    radios = re.findall(r'<input[^>]*name="visibility"[^>]*>', page)
    assert len(radios) == 2 and all(" required" in radio for radio in radios)
    # The server's messages still explain.
    assert re.search(r'<form method="post" action="/b/[^"]+/new" novalidate\b', page)
