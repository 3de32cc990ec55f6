"""HTTP caching: visitors' pages revalidate cheaply, static files are cached for a year.

Pages. A visitor's copy of the home, a board or a thread page carries an ETag made from
the page's row versions: the id and `row_version` of every database row the page shows
(one narrow query; the database bumps a row's version on every update, see RowVersion in
forum/extensions.py), the page numbers, the minute relative times are reckoned from
(page_time), the address, and the code and templates that render them. A visitor who asks
again with that ETag gets 304 Not Modified before anything is loaded or rendered. A reply,
an edit, a moderator hiding a post or a member changing their name changes a row, so the
next visitor gets the new page. Members never get a 304 or an ETag: their pages say who
they are and are `Cache-Control: no-store` (forum/security.py). A visitor with a message
waiting (flash) gets a fresh page.

The same ETag keys a small per-worker cache of rendered pages (RENDERED_PAGES_BYTES,
8 MB by default; FORUM_RENDERED_PAGES_BYTES=0 turns it off): equal inputs render equal
pages, so a popular thread is loaded and rendered once per change and minute, not once
per visitor.

A view that uses for_visitors must list in its versions every row its template reads,
and its template may read nothing else from the database. The versions are read before
the page's rows are loaded, so a page is never older than the ETag it is kept under.

Static files. `url_for('static', filename=...)` adds `?v=<hash of the file's content>`;
a request naming the current hash is answered with `Cache-Control: public,
max-age=31536000, immutable`, so browsers and proxies keep it until the file changes
(and with it the address). Compression is left to the TLS proxy in front (nginx, Caddy),
which does it for every text response."""

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from functools import cache
from pathlib import Path
from threading import Lock

from flask import Flask, Response, current_app, make_response, request, session
from flask_login import current_user

from forum.extensions import utcnow
from forum.metrics import rendered_page

ROOT = Path(__file__).resolve().parent.parent
YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def register_caching(app: Flask) -> None:
    size = app.config["RENDERED_PAGES_BYTES"]  # per worker
    app.extensions["forum.rendered_pages"] = RenderedPages(size) if size else None
    size = app.config["RENDERED_POSTS_BYTES"]
    app.extensions["forum.rendered_posts"] = RenderedPages(size) if size else None
    app.url_defaults(_version_static_urls)
    app.after_request(_cache_versioned_static_files)


# -- visitors' pages --------------------------------------------------------------------


def for_visitors(render: Callable[[], str], versions: Callable[[], object]) -> Response:
    """The response for the page `render` makes. For a visitor, tagged with an ETag made
    from `versions()`: the ids and row versions of every row the page shows and whatever
    else it is made from (page numbers); or a 304 when the visitor's copy is current, or
    the page as rendered before for the same ETag. For a member, rendered as it is."""
    etag = visitor_etag(versions)
    if etag is None:
        return make_response(render())
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = make_response(_rendered(etag, render))
    response.set_etag(etag, weak=True)
    # Stored, but checked with us each time; Vary: a member's request (with its session
    # cookie) is another page to a shared cache.
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    return response


def page_time() -> datetime:
    """The moment a page's relative times ("3 hours ago") are reckoned from: the start of
    the current minute. A page is then the same all minute long, so its rows' versions and
    the minute tell it apart; the times it shows are at most a minute behind."""
    return utcnow().replace(second=0, microsecond=0)


class RenderedPages:
    """The last pages rendered for visitors, by ETag, up to a number of bytes: the same
    ETag means the same page, so a popular thread is rendered once per change and worker.
    (Also the last posts rendered for thread pages, keyed by all they are made from:
    forum/threads/blocks.py.)"""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.pages: OrderedDict[Hashable, str] = OrderedDict()
        self.lock = Lock()  # the development server runs a thread per request

    def get(self, etag: Hashable) -> str | None:
        with self.lock:
            page = self.pages.get(etag)
            if page is not None:
                self.pages.move_to_end(etag)
            return page

    def put(self, etag: Hashable, page: str) -> None:
        if len(page) > self.max_bytes // 8:
            return
        with self.lock:
            if etag in self.pages:
                return
            self.pages[etag] = page
            self.size += len(page)
            while self.size > self.max_bytes:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped)


def _rendered(etag: str, render: Callable[[], str]) -> str:
    pages = current_app.extensions.get("forum.rendered_pages")
    if pages is None:
        return render()
    page = pages.get(etag)
    rendered_page(hit=page is not None)
    if page is None:
        page = render()
        pages.put(etag, page)
    return page


def tags_this_page() -> bool:
    """Whether for_visitors tags the page being asked for: a visitor's, unless it will show
    a waiting message. A view may start from its versions then (they read the rows the
    page shows), and load the rest only to render."""
    return not current_user.is_authenticated and not session.get("_flashes")


def visitor_etag(versions: Callable[[], object]) -> str | None:
    """The fingerprint of a visitor's page made from `versions()`; None for a member's page
    or one that will show a waiting message (then `versions` is not called)."""
    if not tags_this_page():
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(build_id().encode())
    # The whole address, host included: a page links to itself with it (feeds), and a
    # forged Host header must not get its page served to others.
    digest.update(request.url.encode())
    digest.update(page_time().isoformat().encode())
    digest.update(repr(versions()).encode())
    return digest.hexdigest()


@cache
def build_id() -> str:
    """The code and templates that render pages: a deploy changes every ETag."""
    digest = hashlib.blake2b(digest_size=8)
    sources = (
        (ROOT / "forum", ("*.py", "*.toml", "*.txt")),
        (ROOT / "templates", ("*.html", "*.txt", "*.xml")),
    )
    for folder, patterns in sources:
        for pattern in patterns:
            for path in sorted(folder.rglob(pattern)):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


# -- static files -----------------------------------------------------------------------


def static_version(filename: str) -> str | None:
    """A short hash of a static file's content (None if there is no such file)."""
    folder = current_app.static_folder
    if not folder:
        return None
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return _file_hash(path, stat.st_mtime_ns, stat.st_size)


@cache
def _file_hash(path: str, mtime_ns: int, size: int) -> str:
    # Keyed on the modification time and size too: an edited file gets a new address
    # without a restart (in development, and on a deploy that replaces files in place).
    with open(path, "rb") as file:
        return hashlib.blake2b(file.read(), digest_size=6).hexdigest()


def _version_static_urls(endpoint: str | None, values: dict) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def _cache_versioned_static_files(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename")
    if version and filename and version == static_version(filename):
        response.headers["Cache-Control"] = IMMUTABLE
    return response
