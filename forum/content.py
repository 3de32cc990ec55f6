"""Markdown source -> safe HTML. The only place user content becomes markup.

markdown-it-py renders with raw HTML off; bleach then keeps only the allowlist below,
so a future change to the renderer cannot open a hole on its own.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markdown_it.token import Token

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

# @pseudonym, as forum/accounts/services.py allows them (3-30 characters: letters, digits,
# and . _ - between them), not inside a word or an address such as name@example.org.
_MENTION = re.compile(
    r"(?<![A-Za-z0-9_.@/+-])@([A-Za-z0-9][A-Za-z0-9_.-]{1,28}[A-Za-z0-9])(?![A-Za-z0-9_-])"
)
# A link to a post on this site (what quote_markdown writes): "/p/123", relative only.
_POST_PATH = re.compile(r"(?:/[^?#]*)?/p/([0-9]{1,18})")


def _mentions_and_quotes(state):
    """Runs after inline parsing. Text tokens never hold code spans or code blocks, and
    text inside a link is skipped, so @name there stays as written.

    env["mentionable"] is the set of existing casefolded pseudonyms to link; every
    candidate name is collected in env["mentions"] (except inside a blockquote: quoting a
    post does not mention its names again), quoted post ids in env["quoted"]."""
    env = state.env
    mentionable = env.get("mentionable") or ()
    mentions = env.setdefault("mentions", set())
    quoted = env.setdefault("quoted", set())
    in_quote = 0
    for block in state.tokens:
        if block.type == "blockquote_open":
            in_quote += 1
        elif block.type == "blockquote_close":
            in_quote -= 1
        if block.type != "inline" or not block.children:
            continue
        found = set() if in_quote else mentions
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
                href = str(token.attrs.get("href", ""))
                parts = urlsplit(href)
                if not parts.scheme and not parts.netloc:
                    if quote := _POST_PATH.fullmatch(parts.path):
                        quoted.add(int(quote.group(1)))
            elif token.type == "link_close":
                in_link -= 1
            if token.type == "text" and not in_link and "@" in token.content:
                children.extend(_link_mentions(token, mentionable, found))
            else:
                children.append(token)
        block.children = children


def _link_mentions(token: Token, mentionable: Collection[str], found: set[str]) -> list[Token]:
    tokens: list[Token] = []
    text, start = token.content, 0
    for match in _MENTION.finditer(text):
        name = match.group(1)
        found.add(name.casefold())
        if name.casefold() not in mentionable:
            continue
        if match.start() > start:
            tokens.append(Token("text", "", 0, content=text[start : match.start()]))
        tokens.append(Token("link_open", "a", 1, attrs={"href": f"/u/{name}"}))
        tokens.append(Token("text", "", 0, content=f"@{name}"))
        tokens.append(Token("link_close", "a", -1))
        start = match.end()
    if not tokens:
        return [token]
    if start < len(text):
        tokens.append(Token("text", "", 0, content=text[start:]))
    return tokens


_markdown.core.ruler.push("mentions_and_quotes", _mentions_and_quotes)


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


@dataclass(frozen=True)
class References:
    """Who and what a post's Markdown points at, outside code and links."""

    mentions: frozenset[str]  # casefolded @names, whether or not such a member exists
    quoted_post_ids: frozenset[int]  # posts on this site it links to (/p/<id>)


def find_references(source: str) -> References:
    """The @names and quoted posts in a post's Markdown, for notifying them."""
    env: dict = {}
    _markdown.parse(source, env)
    return References(frozenset(env["mentions"]), frozenset(env["quoted"]))


def render_markdown(source: str, mentionable: Collection[str] = ()) -> str:
    """Render a post's Markdown to sanitised HTML, ready to store beside the source.

    `mentionable`: the casefolded pseudonyms that exist; "@name" for one of them links to
    the member's profile, any other "@word" stays plain text."""
    env = {"mentionable": frozenset(mentionable)}
    return _cleaner.clean(_markdown.render(source, env)).strip()


def quote_markdown(body_source: str, author_name: str, post_url: str) -> str:
    """A Markdown quote of a post, with a link back to the source post."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in body_source.splitlines())
    return f"[{_escape_markdown(author_name)} wrote]({post_url}):\n{quoted}\n\n"


def _escape_markdown(text: str) -> str:
    """Show a pseudonym such as "a._b_.c" as written, not with emphasis."""
    return re.sub(r"([\\`*_\[\]<>#!|~])", r"\\\1", text)


# -- plain text ---------------------------------------------------------------------------

# Control characters other than tab and newline: invisible, and search uses some of them
# as markers, so no text a member writes keeps them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Bidirectional overrides and isolates: in a one-line field (a title, a pseudonym, a
# reason) they reorder what follows, so "exe.gnp" can read as "pgn.exe". Bodies keep them,
# for right-to-left writing.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str | None, *, multiline: bool) -> str | None:
    """The one rule for free text from anyone: line breaks as "\\n", no control characters
    but tab and newline; a single-line value also folds tabs and line breaks into spaces
    and drops bidirectional controls. Every form applies it (forum/forms.py ForumForm)."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        value = _BIDI_CONTROL.sub("", value.replace("\n", " ").replace("\t", " "))
    return _CONTROL.sub("", value)
