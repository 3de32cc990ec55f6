"""Property tests: the Markdown pipeline and the main forms, given whatever text comes."""

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.boards.models import Board
from forum.content import ALLOWED_TAGS, _allow_link_attribute, _cleaner, render_markdown
from forum.extensions import db
from tests.conftest import login

# Markdown's own punctuation, HTML, and anything else Unicode has (NUL and lone surrogates
# included: a browser can send them).
MARKDOWN_BITS = st.sampled_from(
    [
        "*",
        "_",
        "`",
        "```\n",
        "> ",
        "- ",
        "1. ",
        "#",
        "[",
        "](",
        ")",
        "<",
        ">",
        "&",
        "@",
        "\n",
        "\n\n",
        "    ",
        "http://",
        "https://x.example/",
        "javascript:",
        "<script>",
        "<img src=x onerror=alert(1)>",
        '<a href="',
        '"',
        "'",
        "&#x6a;",
        "|",
        "~~",
        "\\",
    ]
)
MARKDOWN = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=20)), max_size=30).map("".join)

FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _Markup(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


@FAST
@given(source=MARKDOWN, mentionable=st.sets(st.sampled_from(["ann", "bob", "x.y"])))
def test_markdown_output_holds_only_allowlisted_markup(source, mentionable):
    html = render_markdown(source, mentionable)
    for tag, attrs in _Markup(html).elements:
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs:
            if tag == "a" and name == "rel":
                assert value == "nofollow ugc noopener noreferrer"
                continue
            assert tag == "a" and _allow_link_attribute(tag, name, value or ""), (tag, name, html)


@FAST
@given(source=MARKDOWN)
def test_sanitising_the_output_again_changes_nothing(source):
    html = render_markdown(source)
    assert _cleaner.clean(html).strip() == html


# -- forms: a page again (2xx), a redirect, or a refusal (4xx), never a 500 ----------------

FIELD_TEXT = st.one_of(
    st.text(max_size=200),
    MARKDOWN,
    st.sampled_from(["", " ", "\x00", "0", "-1", "99999999999999999999", "1e308", "🙂" * 50]),
    # just past the usual column and field lengths
    st.sampled_from([64, 65, 101, 151, 256, 501, 2001, 20001]).map(lambda n: "x" * n),
)


@pytest.fixture
def form_client(make_app, world, make_user):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        db.session.add(
            Board(
                slug="hypothesis-treatment",
                name="Hypothesis treatment",
                category="Treatments",
                description="A treatment board for property tests.",
                aliases=[],
                position=900,
                family="injection",
            )
        )
        db.session.commit()
    client = app.test_client()
    login(client, make_user("hypothesis-hal"))
    return client


def _forms(world):
    """Each main form: where it posts, and which fields it has."""
    report = [
        "title",
        "body",
        "treatment",
        "shown_family",
        "pain_before",
        "pain_best",
        "pgic",
        "has_conflict",
        "conflict_disclosure",
        "percent_relief",
        "procedure_year",
        "visibility",
    ]
    return {
        "thread": (
            "POST",
            f"/b/{world.board}/new",
            ["title", "body", "visibility", "submission_key"],
        ),
        "reply": ("POST", f"/t/{world.thread_id}/reply", ["body", "submission_key"]),
        "edit": ("POST", f"/p/{world.post_id}/edit", ["title", "body", "version", "reason"]),
        "flag": ("POST", f"/p/{world.post_id}/flag", ["reason", "note"]),
        # The steps keep whatever they are sent in the draft: each later page and "Post
        # report" must cope with it.
        "report": ("POST", "/b/hypothesis-treatment/report?step=1", report),
        "report-essentials": ("POST", "/b/hypothesis-treatment/report?step=2", report),
        "report-details": ("POST", "/b/hypothesis-treatment/report?step=3", report),
        "report-autosave": ("POST", "/b/hypothesis-treatment/report/draft?step=3", report),
        "report-post": ("POST", "/b/hypothesis-treatment/report/post", report),
        "report-on-post": ("POST", f"/p/{world.post_id}/report/add", report[2:-1]),
        "visibility": ("POST", f"/t/{world.thread_id}/visibility", ["visibility"]),
        "delete-account": ("POST", "/settings/delete", ["posts", "reports", "confirmation"]),
        "search": ("GET", "/search", ["q", "page", "sort", "board"]),
        "pseudonym": ("POST", "/settings/pseudonym", ["pseudonym"]),
        "email": ("POST", "/settings/email", ["address", "frequency"]),
        "notifications": ("POST", "/settings/notifications", ["auto_watch"]),
        "sanction-appeal": ("POST", "/settings/sanctions", ["text", "sanction"]),
    }


FORM_NAMES = [
    "thread",
    "reply",
    "edit",
    "flag",
    "report",
    "report-essentials",
    "report-details",
    "report-autosave",
    "report-post",
    "report-on-post",
    "visibility",
    "delete-account",
    "search",
    "pseudonym",
    "email",
    "notifications",
    "sanction-appeal",
]


@pytest.mark.parametrize("form", FORM_NAMES)
def test_forms_never_fail_on_random_text(form_client, world, form):
    method, path, fields = _forms(world)[form]

    @FAST
    @given(values=st.fixed_dictionaries({name: FIELD_TEXT for name in fields}))
    def send(values):
        if method == "GET":
            response = form_client.get(path, query_string=values)
        else:
            response = form_client.post(path, data=values)
        assert response.status_code < 500, (form, values)

    send()


def test_a_draft_of_random_answers_never_fails_a_step_or_posting(form_client, world):
    """Random text through every step, then each step opened again and "Post report": the
    draft keeps what it was sent, unchecked, so every page must cope with any of it."""
    report = "/b/hypothesis-treatment/report"
    fields = _forms(world)["report"][2]

    @FAST
    @given(values=st.fixed_dictionaries({name: FIELD_TEXT for name in fields}))
    def send(values):
        responses = [
            form_client.post(f"{report}?step={step}", data={**values, "action": action})
            for step in (1, 2, 3, 4)
            for action in ("back", "continue")
        ]
        responses += [form_client.get(f"{report}?step={step}") for step in (1, 2, 3, 4)]
        responses.append(form_client.post(f"{report}/post", data=values))
        assert all(r.status_code < 500 for r in responses), values

    send()


@pytest.mark.parametrize("form", ["thread", "reply"])
def test_an_overlong_submission_key_is_refused_not_a_500(form_client, world, form):
    """Found by the property test above on PostgreSQL: the hidden submission_key has no
    length check, so 65 characters reach a 64-character column."""
    method, path, fields = _forms(world)[form]
    data = {
        "title": "A title long enough",
        "body": "A body.",
        "visibility": "public",
        "submission_key": "k" * 65,
    }
    response = form_client.post(path, data={name: data[name] for name in fields})
    assert response.status_code < 500
