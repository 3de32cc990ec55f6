"""forum.content: the one place where a member's Markdown becomes HTML.

Unit tests of render_markdown and quote_markdown, plus two policy checks that keep it the
one place: only one template marks HTML safe, and only forum/content.py imports bleach."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forum.content import quote_markdown, render_markdown

ROOT = Path(__file__).resolve().parent.parent
REL = "nofollow ugc noopener noreferrer"


class _Collect(HTMLParser):
    """Start tags (with attributes) in order, and the visible text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.open: list[str] = []
        self.text_in: dict[str, list[str]] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in {"br", "hr"}:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        self.text_parts.append(data)
        for tag in self.open:
            self.text_in.setdefault(tag, []).append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def names(self) -> list[str]:
        return [tag for tag, _ in self.tags]

    def links(self) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == "a"]


def parse(html: str) -> _Collect:
    return _Collect(html)


# -- what a member can format ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("It **helped** a lot.", "<strong>helped</strong>"),
        ("It *mostly* helped.", "<em>mostly</em>"),
        ("It ~~hurt~~ stung.", "<s>hurt</s>"),
        ("- first\n- second", "<ul>\n<li>first</li>\n<li>second</li>\n</ul>"),
        ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
        ("> my doctor said so", "<blockquote>\n<p>my doctor said so</p>\n</blockquote>"),
        ("Take `200 mg` twice.", "<code>200 mg</code>"),
        ("```\ndose = 200\n```", "<pre><code>dose = 200\n</code></pre>"),
        ("one  \ntwo", "one<br>\ntwo"),
        ("above\n\n---\n\nbelow", "<hr>"),
    ],
)
def test_allowed_formatting_is_kept(source, fragment):
    assert fragment in render_markdown(source)


def test_markdown_link_is_kept_with_its_title_and_the_ugc_rel():
    html = render_markdown('See [the study](https://example.org/study "PubMed") first.')
    links = parse(html).links()
    assert links == [{"href": "https://example.org/study", "title": "PubMed", "rel": REL}]
    assert "the study</a>" in html


def test_every_kind_of_link_carries_the_ugc_rel():
    html = render_markdown(
        "[a](https://example.org) <https://example.net> https://example.com "
        "[mail](mailto:pat@example.org) [post](/p/1)"
    )
    links = parse(html).links()
    assert len(links) == 5
    assert all(link.get("rel") == REL for link in links)


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("# Title", "h3"),
        ("## Part", "h4"),
        ("### Section", "h5"),
        ("#### Sub", "h6"),
        ("##### Deeper", "h6"),
        ("###### Deepest", "h6"),
        ("Title\n=====", "h3"),
        ("Part\n----", "h4"),
    ],
)
def test_headings_start_below_the_page_and_thread_headings(source, tag):
    html = render_markdown(source)
    names = parse(html).names()
    assert names == [tag]
    assert not {"h1", "h2"} & set(names)


def test_images_are_not_rendered_as_img():
    html = render_markdown("![my scar](https://example.org/scar.png)")
    parsed = parse(html)
    assert "img" not in parsed.names()
    assert "<img" not in html
    # What the member wrote stays readable.
    assert "my scar" in parsed.text


def test_tables_are_left_as_text():
    source = "| week | pain |\n|------|------|\n| 1 | 7/10 |\n| 2 | 4/10 |"
    html = render_markdown(source)
    parsed = parse(html)
    assert not {"table", "thead", "tbody", "tr", "th", "td"} & set(parsed.names())
    assert "| week | pain |" in parsed.text
    assert "| 2 | 4/10 |" in parsed.text


@pytest.mark.parametrize(
    "source",
    [
        "<b>bold?</b>",
        "<script>alert(1)</script>",
        '<div onclick="alert(1)">click</div>',
        '<a href="/p/1" title="raw">raw link</a>',
        "<img src=x onerror=alert(1)>",
        "<!-- hidden -->",
        "<table><tr><td>cell</td></tr></table>",
    ],
)
def test_raw_html_is_shown_as_text_not_markup(source):
    html = render_markdown(source)
    parsed = parse(html)
    assert parsed.names() == ["p"]
    assert parsed.text == source


def test_entities_in_source_do_not_become_markup():
    html = render_markdown("&lt;script&gt;alert(1)&lt;/script&gt; and &#60;b&#62;")
    parsed = parse(html)
    assert parsed.names() == ["p"]
    assert parsed.text == "<script>alert(1)</script> and <b>"


def test_bare_urls_are_linkified_with_the_rel():
    html = render_markdown("My clinic: https://clinic.example.org/rfa and www.example.com.")
    links = parse(html).links()
    assert links == [
        {"href": "https://clinic.example.org/rfa", "rel": REL},
        {"href": "http://www.example.com", "rel": REL},
    ]


@pytest.mark.parametrize(
    "source",
    [
        "`https://example.org/in-code`",
        "```\nhttps://example.org/in-a-block\n```",
        "    https://example.org/indented-code",
    ],
)
def test_urls_in_code_are_not_linkified(source):
    html = render_markdown(source)
    parsed = parse(html)
    assert "a" not in parsed.names()
    assert "https://example.org/" in "".join(parsed.text_in["code"])


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](http://example.org)", "http://example.org"),
        ("[site](https://example.org/a?b=c#d)", "https://example.org/a?b=c#d"),
        ("[write](mailto:pat@example.org)", "mailto:pat@example.org"),
        ("[earlier post](/p/12)", "/p/12"),
    ],
)
def test_http_https_mailto_and_site_links_are_kept(source, href):
    assert [link["href"] for link in parse(render_markdown(source)).links()] == [href]


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](file:///etc/passwd)",
        "[x](ftp://files.example.org/notes.txt)",
        "[x](irc://irc.example.org/pain)",
        "[x](tel:+441234567)",
        "[x](tel:01234567)",
        "[x](sms:01234567)",
        "[x](ms-settings:1)",
        "<ftp://files.example.org/notes.txt>",
        "<tel:01234567>",
    ],
)
def test_only_http_https_and_mailto_schemes_are_kept(source):
    html = render_markdown(source)
    for link in parse(html).links():
        href = link.get("href")
        if href is None:
            continue
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", href)
        assert scheme is None or scheme.group(1).lower() in {"http", "https", "mailto"}, html


def test_render_is_stripped_of_surrounding_whitespace():
    assert render_markdown("\n\nhello\n\n") == "<p>hello</p>"


# -- quoting ---------------------------------------------------------------------------


def test_quote_is_a_quoted_block_with_a_link_to_the_source_post():
    markdown = quote_markdown("It helped.\n\nFor six months.", "patient-pat", "/p/7")
    lines = markdown.rstrip("\n").split("\n")
    assert lines[0] == "[patient-pat wrote](/p/7):"
    assert lines[1:] == ["> It helped.", ">", "> For six months."]
    # A blank line ends the quote, so the reply typed after it is not quoted.
    assert markdown.endswith("\n\n")


def test_quote_renders_as_blockquote_after_a_link_to_the_post():
    html = render_markdown(
        quote_markdown("It **helped**.\n\nFor six months.", "patient-pat", "/p/7")
        + "Glad to hear it."
    )
    parsed = parse(html)
    assert parsed.links() == [{"href": "/p/7", "rel": REL}]
    assert "patient-pat wrote" in "".join(parsed.text_in["a"])
    quoted = "".join(parsed.text_in["blockquote"])
    assert "It helped." in quoted
    assert "For six months." in quoted
    assert "Glad to hear it." not in quoted
    assert "Glad to hear it." in parsed.text
    assert "<strong>helped</strong>" in html


def test_quote_keeps_code_and_nested_quotes_inside_the_quote():
    source = "Before:\n\n```\n<script>alert(1)</script>\n```\n\n> what my doctor said"
    html = render_markdown(quote_markdown(source, "patient-pat", "/p/7"))
    parsed = parse(html)
    assert parsed.names().count("blockquote") == 2
    assert "script" not in parsed.names()
    assert "<script>alert(1)</script>" in "".join(parsed.text_in["code"])
    assert "what my doctor said" in "".join(parsed.text_in["blockquote"])


@pytest.mark.parametrize("author", ["patient-pat", "pat_the_cat", "a._b_.c", "sam.2-x"])
def test_quote_shows_the_author_name_exactly(author):
    """Any valid pseudonym (letters, digits and . _ -) appears as written, not as Markdown."""
    html = render_markdown(quote_markdown("Hello.", author, "/p/7"))
    parsed = parse(html)
    assert [tag for tag in parsed.names() if tag not in {"p", "a", "blockquote"}] == []
    assert "".join(parsed.text_in["a"]) == f"{author} wrote"


def test_quote_of_a_post_with_blank_lines_stays_one_quote():
    parsed = parse(render_markdown(quote_markdown("one\n\n\ntwo", "patient-pat", "/p/7")))
    assert parsed.names().count("blockquote") == 1
    assert "one" in "".join(parsed.text_in["blockquote"])
    assert "two" in "".join(parsed.text_in["blockquote"])


# -- codebase policy -------------------------------------------------------------------

_SAFE_FILTER = re.compile(r"\|\s*safe\b")


def test_safe_filter_is_used_in_exactly_one_macro():
    """Stored post HTML is marked safe in one macro; nothing else in the templates is."""
    uses = [
        (path.relative_to(ROOT / "templates").as_posix(), line)
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.is_file()
        for line in path.read_text(encoding="utf-8").splitlines()
        if _SAFE_FILTER.search(line)
    ]
    assert len(uses) == 1, uses
    path, line = uses[0]
    assert path == "macros/posts.html"
    assert len(_SAFE_FILTER.findall(line)) == 1
    assert re.search(r"\{%-?\s*macro\s+post_body\(", line), line


def test_safe_filter_pattern_catches_spacing_variants():
    """The policy check above would notice `|safe` written any way."""
    for text in ["{{ x|safe }}", "{{ x | safe }}", "{{ x |  safe}}", "{{ x|\tsafe }}"]:
        assert _SAFE_FILTER.search(text), text
    assert not _SAFE_FILTER.search("{{ x | safest_guess }}")


_BLEACH_IMPORT = re.compile(r"^\s*(?:import\s+bleach\b|from\s+bleach\b)", re.MULTILINE)


def test_only_the_content_module_imports_bleach():
    importers = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "forum").rglob("*.py")
        if _BLEACH_IMPORT.search(path.read_text(encoding="utf-8"))
    )
    assert importers == ["forum/content.py"]
