"""Known XSS payloads, posted through the real forms by a signed-in member.

Each payload is posted as a new thread (some as its title too), then the thread page is
parsed with the standard library's HTML parser and checked: nothing a member wrote may
run script, load a frame or plugin, submit a form, restyle the page or point a link at a
script-bearing scheme."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from tests.conftest import login

LINK_REL = "nofollow ugc noopener noreferrer"

# What a post body may contain, written down here rather than imported from the app.
POST_BODY_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "blockquote", "code", "pre",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
}  # fmt: skip
POST_BODY_ATTRIBUTES = {"a": {"href", "title", "rel"}}

# Never acceptable anywhere on a page, whoever wrote it.
FORBIDDEN_ON_PAGE = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "style", "base", "noscript", "template", "portal",
}  # fmt: skip
# Never acceptable inside a post body (on top of everything outside POST_BODY_TAGS).
FORBIDDEN_IN_POST = FORBIDDEN_ON_PAGE | {
    "form", "meta", "link", "img", "image", "input", "button", "textarea", "select",
    "video", "audio", "source", "details", "isindex", "marquee", "div", "span", "table",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "codebase", "dynsrc", "lowsrc", "srcset", "longdesc", "manifest", "ping",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
SAFE_SCHEMES = {"http", "https", "mailto"}

# Whitespace and control characters a browser ignores or strips inside a URL's scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028\u2029\ufeff\s]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


# -- a small DOM on top of html.parser -------------------------------------------------

VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "isindex", "keygen",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    parent: "Element | None" = None
    children: list["Element | str"] = field(default_factory=list)

    def attr(self, name: str) -> str | None:
        return dict(self.attrs).get(name)

    def classes(self) -> set[str]:
        return set((self.attr("class") or "").split())

    def iter(self):
        """This element and every element under it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def descendants(self):
        it = self.iter()
        next(it)
        yield from it

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list["Element"]:
        return [
            el
            for el in self.descendants()
            if (tag is None or el.tag == tag) and (cls is None or cls in el.classes())
        ]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    def child_elements(self) -> list["Element"]:
        return [child for child in self.children if isinstance(child, Element)]


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, parent=self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        element = Element(tag, attrs, parent=self.stack[-1])
        self.stack[-1].children.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def collapse(text: str) -> str:
    return " ".join(text.split())


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see: noise stripped, lower-cased; None if relative."""
    match = _SCHEME.match(_URL_NOISE.sub("", value).lower())
    return match.group(1) if match else None


# -- the checks --------------------------------------------------------------------------


def assert_url_is_safe(element: Element, name: str, value: str | None) -> None:
    if value is None:
        return
    normalised = _URL_NOISE.sub("", value).lower()
    assert not normalised.startswith(BAD_SCHEMES), (element.tag, name, value)
    scheme = url_scheme(value)
    assert scheme is None or scheme in SAFE_SCHEMES, (element.tag, name, value)


OUR_SCRIPT_SRC = r"/static/js/[\w-]+\.js(?:\?v=[\w-]+)?"


def assert_page_is_inert(page: Element) -> None:
    """The whole page: no handlers, frames or inline styles, and no script but our own
    deferred files (see OUR_SCRIPT), outside every post."""
    for element in page.descendants():
        if element.tag == "script" and _is_our_script(element):
            continue
        assert element.tag not in FORBIDDEN_ON_PAGE, element.tag
        for name, value in element.attrs:
            assert not name.startswith("on"), (element.tag, name, value)
            assert name != "style", (element.tag, name, value)
            if name in URL_ATTRIBUTES:
                assert_url_is_safe(element, name, value)
        if element.tag == "meta":
            assert any(a.tag == "head" for a in element.ancestors()), element.attrs
            assert element.attr("http-equiv") is None, element.attrs
        if element.tag == "form":
            # The site's own forms post to the site's own addresses.
            action = element.attr("action")
            assert action is None or (action.startswith("/") and not action.startswith("//"))
            assert not any("post-body" in a.classes() for a in element.ancestors())


def _is_our_script(element: Element) -> bool:
    src = element.attr("src") or ""
    return (
        not element.children
        and re.fullmatch(OUR_SCRIPT_SRC, src) is not None
        and not any("post-body" in a.classes() for a in element.ancestors())
    )


def post_bodies(page: Element) -> list[Element]:
    return page.find_all("div", cls="post-body")


def assert_post_body_is_inert(body: Element) -> None:
    for element in body.descendants():
        assert element.tag not in FORBIDDEN_IN_POST, element.tag
        assert element.tag in POST_BODY_TAGS, element.tag
        allowed = POST_BODY_ATTRIBUTES.get(element.tag, set())
        for name, value in element.attrs:
            assert not name.startswith("on"), (element.tag, name, value)
            assert name in allowed, (element.tag, name, value)
            if name in URL_ATTRIBUTES:
                assert_url_is_safe(element, name, value)
        if element.tag == "a":
            assert element.attr("rel") == LINK_REL, element.attrs


# -- the corpus --------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    in_title: bool = False


P = Payload
PAYLOADS = [
    # Script tags
    P("script", "<script>alert(1)</script>", in_title=True),
    P("script-src", '<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>'),
    P("script-nested", "<scr<script>ipt>alert(1)</scr</script>ipt>", in_title=True),
    P("script-attr-breakout", '"><script>alert(document.cookie)</script>', in_title=True),
    P("script-textarea-breakout", "</textarea><script>alert(1)</script>", in_title=True),
    P("script-title-breakout", "</title><script>alert(1)</script>", in_title=True),
    # Event handlers on img / svg / body and friends
    P("img-onerror", "<img src=x onerror=alert(1)>", in_title=True),
    P("img-onerror-quoted", '<IMG SRC="x" ONERROR="alert(String.fromCharCode(88,83,83))">'),
    P("img-javascript-src", "<IMG SRC=\"javascript:alert('XSS');\">"),
    P("svg-onload", "<svg onload=alert(1)>", in_title=True),
    P("svg-slash-onload", "<svg/onload=alert(1)//"),
    P("body-onload", "<body onload=alert(1)>"),
    P("details-ontoggle", "<details open ontoggle=alert(1)>"),
    P("input-onfocus", "<input autofocus onfocus=alert(1)>"),
    P("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    P("a-onclick", '<a href="#" onclick="alert(1)">click me</a>'),
    P("isindex", "<isindex type=image src=1 onerror=alert(1)>"),
    # javascript: / data: / vbscript: as raw HTML
    P("html-javascript-href", '<a href="javascript:alert(1)">click</a>', in_title=True),
    P(
        "html-data-href",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    ),
    P("html-vbscript-href", '<a href="vbscript:msgbox(1)">x</a>'),
    P("html-tab-entity-href", '<a href="jav&#x09;ascript:alert(1)">x</a>'),
    P("html-decimal-entity-href", '<a href="&#106;avascript:alert(1)">x</a>'),
    P("html-leading-space-href", '<a href=" javascript:alert(1)">x</a>'),
    P("html-newline-href", '<a href="java\nscript:alert(1)">x</a>'),
    P("svg-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text>XSS</text></a></svg>'),
    P("math-href", '<math href="javascript:alert(1)">CLICK</math>'),
    # Markdown links, autolinks and reference links
    P("md-javascript", "[click](javascript:alert(1))", in_title=True),
    P("md-javascript-mixed-case", "[click](JaVaScRiPt:alert(1))"),
    P("md-javascript-tab-entity", "[click](jav&#x09;ascript:alert(1))"),
    P("md-javascript-decimal-entity", "[click](&#106;avascript:alert(1))"),
    P(
        "md-javascript-padded-entities",
        "[click](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114"
        "&#0000105&#0000112&#0000116&#0000058alert(1))",
    ),
    P("md-javascript-colon-entity", "[click](javascript&colon;alert(1))"),
    P("md-javascript-leading-space", "[click]( javascript:alert(1))"),
    P("md-javascript-raw-tab", "[click](jav\tascript:alert(1))"),
    P("md-javascript-newline", "[click](java\nscript:alert(1))"),
    P("md-javascript-control-char", "[click](\x01javascript:alert(1))"),
    P("md-javascript-angle", "[click](<javascript:alert(1)>)"),
    P("md-javascript-digit", "[click](javascript:1)"),
    P("md-data", "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    P("md-data-image", "[click](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    P("md-vbscript", "[click](vbscript:msgbox(1))"),
    P("md-autolink-javascript", "<javascript:alert(1)>", in_title=True),
    P("md-autolink-mixed-case", "<JaVaScRiPt:alert(1)>"),
    P("md-autolink-data", "<data:text/html,<script>alert(1)</script>>"),
    P("md-reference-javascript", "[click][evil]\n\n[evil]: javascript:alert(1)"),
    P("md-reference-data", "[click][evil]\n\n[evil]: data:text/html,%3Cscript%3Ealert(1)"),
    P("md-reference-vbscript", "[click][evil]\n\n[evil]: vbscript:msgbox(1)"),
    P("md-link-attr-breakout", '[a](https://example.org" onmouseover="alert(1))'),
    P("md-link-title-breakout", '[a](https://example.org "t\\" onmouseover=\\"alert(1)")'),
    P("bare-url-attr-breakout", 'https://example.org/"onmouseover="alert(1)'),
    P("bare-www-script", "www.example.org/<script>alert(1)</script>"),
    # Markdown images
    P("md-image-onerror", '![x](x" onerror="alert(1))'),
    P("md-image-title-onerror", '![x](https://example.org/x.png "\\" onerror=\\"alert(1)")'),
    P("md-image-javascript", "![x](javascript:alert(1))"),
    # Mutation XSS (namespace confusion)
    P("mxss-svg-style", "<svg><style><img src=x onerror=alert(1)>", in_title=True),
    P("mxss-math", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    P(
        "mxss-math-style-comment",
        '<math><mtext><table><mglyph><style><!--</style><img title="--></mglyph>'
        '<img src=1 onerror=alert(1)>">',
    ),
    P("mxss-noscript", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    P("mxss-comment", '<!--<img src="--><img src=x onerror=alert(1)//">'),
    # Frames, plugins, forms, meta, base
    P("iframe", '<iframe src="javascript:alert(1)"></iframe>', in_title=True),
    P("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    P("object", '<object data="javascript:alert(1)"></object>'),
    P("embed", '<embed src="data:text/html,<script>alert(1)</script>">'),
    P("form-action", '<form action="javascript:alert(1)"><button>Go</button></form>'),
    P("button-formaction", '<button formaction="javascript:alert(1)">Go</button>'),
    P("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    P("base-href", '<base href="javascript:alert(1)//">'),
    P("link-stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">'),
    # Style and expression()
    P("style-url", '<div style="background:url(javascript:alert(1))">x</div>'),
    P("style-expression", '<div style="width: expression(alert(1))">x</div>'),
    P("style-tag-import", "<style>@import 'javascript:alert(1)';</style>"),
    P("style-moz-binding", '<p style="-moz-binding:url(https://evil.example/x.xml#x)">x</p>'),
    # Template injection
    P("template-arith", "{{7*7}}", in_title=True),
    P("template-config", "{{ config }}", in_title=True),
    P("template-raw-config", "{% raw %}{{ config }}{% endraw %}"),
    P("template-config-secret", "{{ config.SECRET_KEY }}"),
    P("template-dunder", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    P("template-statement", "{% for x in range(3) %}loop{% endfor %}"),
    P("template-dollar", "${7*7} #{7*7} <%= 7*7 %>"),
]
DEFAULT_TITLE = "Testing what the forum does with this"


@pytest.fixture
def board(make_board):
    return make_board(slug="xss", name="XSS board")


@dataclass
class Shown:
    thread_id: int
    post_id: int
    html: str
    page: Element


def start_thread(client, title: str, body: str) -> Shown:
    """Start a thread through the form and follow the redirect to the thread's page."""
    response = client.post(
        "/b/xss/new", data={"title": title, "body": body, "visibility": "public"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    location = re.fullmatch(r"/t/(\d+)/[a-z0-9-]+#p(\d+)", response.location)
    assert location, response.location
    page = client.get(response.location, follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return Shown(int(location.group(1)), int(location.group(2)), html, parse(html))


# The one kind of script tag a page may hold: our own file, from our origin, deferred.
OUR_SCRIPT = re.compile(f'<script src="{OUR_SCRIPT_SRC}" defer>')


def assert_only_our_scripts(html: str) -> None:
    """No inline script and no script that came from what a member wrote."""
    tags = re.findall(r"<script\b[^>]*>", html, re.IGNORECASE)
    assert all(OUR_SCRIPT.fullmatch(tag) for tag in tags), tags


def test_corpus_is_large_and_distinct():
    assert len(PAYLOADS) >= 35
    assert len({p.id for p in PAYLOADS}) == len(PAYLOADS)
    assert len({p.text for p in PAYLOADS}) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_in_new_thread_is_inert(client, board, member, payload):
    login(client, member)
    title = payload.text if payload.in_title else DEFAULT_TITLE
    shown = start_thread(client, title, payload.text)
    html, page = shown.html, shown.page

    assert_only_our_scripts(html)
    assert_page_is_inert(page)
    bodies = post_bodies(page)
    assert len(bodies) == 1
    body = bodies[0]
    assert_post_body_is_inert(body)
    # The post was not silently swallowed: something of it is shown to readers.
    assert body.text.strip()

    # The only forms are the site's: signing out, searching, replying to this thread,
    # unwatching it (starting a thread watches it), changing who may read it and
    # bookmarking the post.
    actions = sorted(form.attr("action") for form in page.find_all("form"))
    thread_forms = ("reply", "unwatch", "visibility")
    assert actions == sorted(
        [
            "/logout",
            "/search",
            f"/p/{shown.post_id}/bookmark",
            *(f"/t/{shown.thread_id}/{form}" for form in thread_forms),
        ]
    )

    if payload.in_title:
        title_text = collapse(payload.text)
        [heading] = page.find_all("h1")
        assert heading.child_elements() == []
        assert heading.text == title_text
        [head_title] = page.find_all("title")
        assert head_title.text.startswith(title_text)
        current = [a for a in page.find_all("a") if a.attr("aria-current") == "page"]
        assert [a.text for a in current] == [title_text]


@pytest.mark.parametrize(
    "payload",
    [p for p in PAYLOADS if p.in_title],
    ids=[p.id for p in PAYLOADS if p.in_title],
)
def test_payload_title_is_escaped_on_the_board_page(client, board, member, payload):
    login(client, member)
    start_thread(client, payload.text, "The body is harmless.")
    html = client.get("/b/xss").get_data(as_text=True)
    page = parse(html)
    assert_only_our_scripts(html)
    assert_page_is_inert(page)
    [link] = page.find_all("a", cls="thread-title")
    assert link.child_elements() == []
    assert link.text == collapse(payload.text)


@pytest.mark.parametrize("source", ["{{7*7}}", "{{ 7 * 7 }}", "{% raw %}{{7*7}}{% endraw %}"])
def test_template_expression_is_shown_not_evaluated(client, board, member, source):
    login(client, member)
    page = start_thread(client, "Arithmetic {{7*7}} in a title", source).page
    [body] = post_bodies(page)
    assert "49" not in body.text
    assert body.text.strip() == source
    [heading] = page.find_all("h1")
    assert heading.text == "Arithmetic {{7*7}} in a title"
    assert "49" not in heading.text


@pytest.mark.parametrize(
    "source",
    [
        "{{ config }}",
        "{% raw %}{{ config }}{% endraw %}",
        "{{ config.SECRET_KEY }}",
        "{{ config.items() }}",
        "{{ request.environ }}",
    ],
)
def test_template_injection_leaks_no_configuration(client, board, member, source):
    login(client, member)
    shown = start_thread(client, "Configuration {{ config }}", source)
    html, page = shown.html, shown.page
    assert "test-secret" not in html
    assert "SQLALCHEMY" not in html
    assert "DATABASE_URL" not in html
    assert "wsgi." not in html
    [body] = post_bodies(page)
    assert body.text.strip() == source
    [heading] = page.find_all("h1")
    assert heading.text == "Configuration {{ config }}"


REPLY_AND_EDIT_PAYLOADS = [
    p
    for p in PAYLOADS
    if p.id
    in {
        "script",
        "img-onerror",
        "svg-onload",
        "md-javascript-tab-entity",
        "md-reference-javascript",
        "mxss-math",
        "iframe",
        "form-action",
        "template-arith",
    }
]


@pytest.mark.parametrize(
    "payload", REPLY_AND_EDIT_PAYLOADS, ids=[p.id for p in REPLY_AND_EDIT_PAYLOADS]
)
def test_payload_in_reply_is_inert(client, make_thread, member, payload):
    thread = make_thread(title="A harmless thread")
    login(client, member)
    response = client.post(f"/t/{thread.id}/reply", data={"body": payload.text})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(response.location, follow_redirects=True).get_data(as_text=True)
    page = parse(html)
    assert_only_our_scripts(html)
    assert_page_is_inert(page)
    bodies = post_bodies(page)
    assert len(bodies) == 2
    for body in bodies:
        assert_post_body_is_inert(body)
    assert bodies[1].text.strip()


@pytest.mark.parametrize(
    "payload", REPLY_AND_EDIT_PAYLOADS, ids=[p.id for p in REPLY_AND_EDIT_PAYLOADS]
)
def test_payload_added_by_edit_is_inert_on_thread_and_history(client, board, member, payload):
    login(client, member)
    post_id = start_thread(client, DEFAULT_TITLE, "Harmless.").post_id
    edited = client.post(
        f"/p/{post_id}/edit", data={"title": DEFAULT_TITLE, "body": payload.text, "version": 1}
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)

    for url in (edited.location, f"/p/{post_id}/history"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        page = parse(html)
        assert_only_our_scripts(html)
        assert_page_is_inert(page)
        bodies = post_bodies(page)
        assert bodies
        for body in bodies:
            assert_post_body_is_inert(body)


TEXTAREA_BREAKOUT = "</textarea><script>alert(1)</script><img src=x onerror=alert(1)>"


def test_quoting_a_post_does_not_break_out_of_the_reply_textarea(client, board, member):
    login(client, member)
    shown = start_thread(client, DEFAULT_TITLE, TEXTAREA_BREAKOUT)

    url = f"/t/{shown.thread_id}/reply?quote={shown.post_id}"
    html = client.get(url).get_data(as_text=True)
    page = parse(html)
    assert_only_our_scripts(html)
    assert_page_is_inert(page)
    [textarea] = page.find_all("textarea")
    assert textarea.child_elements() == []
    assert f"> {TEXTAREA_BREAKOUT}" in textarea.text


def test_editing_a_post_does_not_break_out_of_the_edit_form(client, board, member):
    login(client, member)
    title = '"><script>alert(1)</script>'
    post_id = start_thread(client, title, TEXTAREA_BREAKOUT).post_id

    html = client.get(f"/p/{post_id}/edit").get_data(as_text=True)
    page = parse(html)
    assert_only_our_scripts(html)
    assert_page_is_inert(page)
    [textarea] = page.find_all("textarea")
    assert textarea.child_elements() == []
    assert textarea.text.strip() == TEXTAREA_BREAKOUT
    [title_input] = [i for i in page.find_all("input") if i.attr("name") == "title"]
    assert title_input.attr("value") == title


def test_checks_catch_what_they_are_meant_to_catch():
    """The checkers above must fail on markup a sanitiser let through."""
    dangerous = [
        '<div class="post-body"><script>alert(1)</script></div>',
        '<div class="post-body"><p onclick="alert(1)">x</p></div>',
        '<div class="post-body"><a href="jav&#x09;ascript:alert(1)" rel="{rel}">x</a></div>',
        '<div class="post-body"><a href=" JAVASCRIPT:alert(1)" rel="{rel}">x</a></div>',
        '<div class="post-body"><a href="data:text/html,x" rel="{rel}">x</a></div>',
        '<div class="post-body"><a href="https://example.org">no rel</a></div>',
        '<div class="post-body"><svg><style><img src=x></style></svg></div>',
        '<div class="post-body"><form action="/logout"></form></div>',
        '<div class="post-body"><img src="https://example.org/x.png"></div>',
    ]
    for snippet in dangerous:
        [body] = post_bodies(parse(snippet.format(rel=LINK_REL)))
        with pytest.raises(AssertionError):
            assert_post_body_is_inert(body)
    for snippet in [
        "<body><meta http-equiv=refresh content=0></body>",
        "<body><p onmouseover=alert(1)>x</p></body>",
        '<body><a href="vbscript:msgbox(1)">x</a></body>',
        "<body><iframe></iframe></body>",
    ]:
        with pytest.raises(AssertionError):
            assert_page_is_inert(parse(snippet))
    harmless = (
        f'<div class="post-body"><p><a href="https://example.org" rel="{LINK_REL}">x</a></p></div>'
    )
    [body] = post_bodies(parse(harmless))
    assert_post_body_is_inert(body)
