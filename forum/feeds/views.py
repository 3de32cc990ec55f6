import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    send_from_directory,
)

from forum.boards.services import get_board_or_404
from forum.feeds import services
from forum.forms import PAGE_MAX
from forum.links import absolute_url, post_url, site_address

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# The sitemap protocol's limit of addresses per file, whatever the configuration says.
SITEMAP_LIMIT = 50_000
# An empty feed still needs an <updated>; a fixed moment keeps its ETag stable.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids even as references: one would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    published: str
    updated: str
    author: str
    html: str
    category: tuple[str, str] | None = None  # (term, label)


@dataclass(frozen=True)
class Feed:
    id: str  # its own address, which is also the rel="self" link
    title: str
    subtitle: str
    url: str  # the page the feed follows
    updated: str
    entries: list[Entry]


@bp.get("/feeds/latest.atom")
def latest():
    threads = services.list_latest_threads()
    return _atom(
        "Latest threads",
        "New threads on every board.",
        absolute_url("boards.index"),
        [_thread_entry(thread, opening) for thread, opening in threads],
    )


@bp.get("/b/<slug>.atom")
def board(slug: str):
    board = get_board_or_404(slug)
    threads = services.list_latest_threads(board)
    return _atom(
        board.name,
        board.description,
        absolute_url("boards.detail", slug=board.slug),
        [_thread_entry(thread, opening, with_board=False) for thread, opening in threads],
    )


@bp.get("/t/<int:thread_id>.atom")
def thread(thread_id: int):
    thread = services.get_public_thread_or_404(thread_id)
    posts = services.list_latest_posts(thread)
    return _atom(
        thread.title,
        f"Posts in a thread on {thread.board.name}.",
        absolute_url("threads.detail", thread_id=thread.id, slug=thread.slug),
        [_post_entry(thread, post) for post in posts],
        fallback_updated=thread.created_at,
    )


@bp.get("/sitemap.xml")
def sitemap():
    site = services.get_sitemap(_urls_per_file())
    if site.items is None:
        files = [
            absolute_url("feeds.sitemap_file", number=n)
            for n in range(1, site.files + 1)
        ]
        return _xml(render_template("feeds/sitemap_index.xml", files=files))
    return _urlset(site.items)


@bp.get(f"/sitemap-<int(max={PAGE_MAX}):number>.xml")
def sitemap_file(number: int):
    items = services.list_sitemap_file(number, _urls_per_file())
    if not items:
        abort(404)
    return _urlset(items)


@bp.get("/robots.txt")
def robots():
    response = make_response(
        render_template("feeds/robots.txt", sitemap=absolute_url("feeds.sitemap"))
    )
    response.content_type = TEXT
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers, feed readers and bookmarks ask for /favicon.ico whatever a page links: the
    site's mark (static/img/mark.svg), drawn at 16, 32 and 48 pixels."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )


# -- helpers -----------------------------------------------------------------------------


def _thread_entry(thread, opening, with_board: bool = True) -> Entry:
    return Entry(
        id=absolute_url("threads.detail", thread_id=thread.id),
        title=_xml_text(thread.title),
        url=absolute_url("threads.detail", thread_id=thread.id, slug=thread.slug),
        published=_rfc3339(thread.created_at),
        updated=_rfc3339(opening.edited_at or opening.created_at),
        author=_xml_text(thread.author.display_name),
        html=_xml_text(opening.body_html),
        category=(thread.board.slug, _xml_text(thread.board.name)) if with_board else None,
    )


def _post_entry(thread, post) -> Entry:
    title = thread.title if post.is_first else f"Re: {thread.title} (#{post.position})"
    return Entry(
        id=absolute_url("threads.permalink", post_id=post.id),
        title=_xml_text(title),
        url=site_address(post_url(post)),
        published=_rfc3339(post.created_at),
        updated=_rfc3339(post.edited_at or post.created_at),
        author=_xml_text(post.author.display_name),
        html=_xml_text(post.body_html),
    )


def _atom(title, subtitle, page_url, entries, fallback_updated=NEVER):
    """Render a feed; a reader that already has this exact feed gets 304 Not Modified."""
    feed = Feed(
        id=absolute_url(request.endpoint, **request.view_args),
        title=_xml_text(title),
        subtitle=_xml_text(subtitle or ""),
        url=page_url,
        # RFC 3339 strings in UTC compare as the moments they name.
        updated=max((entry.updated for entry in entries), default=_rfc3339(fallback_updated)),
        entries=entries,
    )
    response = make_response(render_template("feeds/feed.atom.xml", feed=feed))
    response.content_type = ATOM
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


def _urlset(items):
    urls = [
        (absolute_url(item.endpoint, **item.values), _w3c_date(item.lastmod))
        for item in items
    ]
    return _xml(render_template("feeds/sitemap.xml", urls=urls))


def _urls_per_file() -> int:
    return max(1, min(current_app.config["SITEMAP_URLS_PER_FILE"], SITEMAP_LIMIT))


def _xml(body: str):
    response = make_response(body)
    response.content_type = XML
    return response


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _w3c_date(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
