"""Markdown source -> safe HTML. The only place user content becomes markup.

markdown-it-py renders with raw HTML off; bleach then keeps only the allowlist below,
so a future change to the renderer cannot open a hole on its own.
"""

import re
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "b",
        "i",
        "del",
        "s",
        "blockquote",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "h3",
        "h4",
        "h5",
        "h6",
        "a",
    }
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"

# Posts sit under the page's h1 and the thread's h2, so headings start at h3.
_HEADING_TAGS = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}

# Images and tables are not in the allowlist; left as text they stay readable.
_markdown = MarkdownIt("js-default").disable(["image", "table"])


def _shift_headings(state):
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_TAGS[token.tag]


_markdown.core.ruler.push("shift_headings", _shift_headings)


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _allow_link_attribute(tag: str, name: str, value: str) -> bool:
    """href: an allowed scheme or a relative address. bleach alone lets "tel:123" through,
    taking the digits for a port (bleach issue 611), so the scheme is checked here too."""
    if name == "title":
        return True
    if name != "href":
        return False
    scheme = _SCHEME.match(value.strip())
    return scheme is None or scheme.group(1).lower() in ALLOWED_PROTOCOLS


ALLOWED_ATTRIBUTES = {"a": _allow_link_attribute}


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)


def render_markdown(source: str) -> str:
    """Render a post's Markdown to sanitised HTML, ready to store beside the source."""
    return _cleaner.clean(_markdown.render(source)).strip()


def quote_markdown(body_source: str, author_name: str, post_url: str) -> str:
    """A Markdown quote of a post, with a link back to the source post."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in body_source.splitlines())
    return f"[{_escape_markdown(author_name)} wrote]({post_url}):\n{quoted}\n\n"


def _escape_markdown(text: str) -> str:
    """Show a pseudonym such as "a._b_.c" as written, not with emphasis."""
    return re.sub(r"([\\`*_\[\]<>#!|~])", r"\\\1", text)
