"""HTTP caching: visitors' pages revalidate cheaply, static files are cached for a year.

Pages. A visitor's copy of the home, a board or a thread page carries an ETag made from
everything the page was rendered from: every column of every database row the view
loaded (and the rows loaded with them), the relative times those rows are shown with
("3 hours ago" moves on by itself), the address, and the code and templates that render
them. A visitor who asks again with that ETag gets 304 Not Modified before anything is
rendered. A reply, an edit, a moderator hiding a post or a member changing their name
changes a row, so the next visitor gets the new page. Members never get a 304 or an
ETag: their pages say who they are and are `Cache-Control: no-store`
(forum/security.py). A visitor with a message waiting (flash) gets a fresh page.

The same ETag keys a small per-worker cache of rendered pages (RENDERED_PAGES_BYTES,
8 MB by default; FORUM_RENDERED_PAGES_BYTES=0 turns it off): equal inputs render equal
pages, so a popular thread is rendered once per change, not once per visitor.

A view that uses for_visitors must pass every row its template reads (the rows loaded
with them come along) and nothing the template reads may come from elsewhere, except
the address, the code and the templates, which are in the ETag already.

Static files. `url_for('static', filename=...)` adds `?v=<hash of the file's content>`;
a request naming the current hash is answered with `Cache-Control: public,
max-age=31536000, immutable`, so browsers and proxies keep it until the file changes
(and with it the address). Compression is left to the TLS proxy in front (nginx, Caddy),
which does it for every text response."""

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from threading import Lock

import sqlalchemy as sa
from flask import Flask, Response, current_app, make_response, request, session
from flask_login import current_user

from forum.extensions import utcnow

ROOT = Path(__file__).resolve().parent.parent
YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def register_caching(app: Flask) -> None:
    size = app.config["RENDERED_PAGES_BYTES"]  # per worker
    app.extensions["forum.rendered_pages"] = RenderedPages(size) if size else None
    app.url_defaults(_version_static_urls)
    app.after_request(_cache_versioned_static_files)


# -- visitors' pages --------------------------------------------------------------------


def for_visitors(render: Callable[[], str], *loaded: object) -> Response:
    """The response for a page rendered by `render` from the rows in `loaded` (ORM
    objects, or lists and tuples of them): for a visitor, tagged with an ETag, or a 304
    when the visitor's copy is current; for a member, rendered as it is."""
    etag = visitor_etag(loaded)
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


class RenderedPages:
    """The last pages rendered for visitors, by ETag, up to a number of bytes: the same
    ETag means the same page, so a popular thread is rendered once per change and worker."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.pages: OrderedDict[str, str] = OrderedDict()
        self.lock = Lock()  # the development server runs a thread per request

    def get(self, etag: str) -> str | None:
        with self.lock:
            page = self.pages.get(etag)
            if page is not None:
                self.pages.move_to_end(etag)
            return page

    def put(self, etag: str, page: str) -> None:
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
    if page is None:
        page = render()
        pages.put(etag, page)
    return page


def visitor_etag(loaded: Iterable[object]) -> str | None:
    """The fingerprint of a visitor's page built from `loaded`; None for a member's page
    or one that will show a waiting message."""
    if current_user.is_authenticated or session.get("_flashes"):
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(_build_id().encode())
    # The whole address, host included: a page links to itself with it (feeds), and a
    # forged Host header must not get its page served to others.
    digest.update(request.url.encode())
    from forum.templating import relative_time  # templating imports the views

    digest.update(repr(_loaded_values(loaded, relative_time)).encode())
    return digest.hexdigest()


def _loaded_values(loaded: Iterable[object], relative_time) -> list:
    """Every column value of every loaded row reachable from `loaded` (depth first, in
    order), and each time as the page shows it; other values (page numbers) as they are."""
    values: list = []
    seen: set[int] = set()
    now = utcnow()
    stack = [loaded]
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple)):
            stack.extend(reversed(value))
        elif not hasattr(value, "__mapper__"):
            values.append(value)
        elif id(value) not in seen:
            seen.add(id(value))
            columns, relations = _attributes(type(value))
            state = value.__dict__  # what was loaded; deferred columns are absent
            for key in columns:
                column = state.get(key)
                if isinstance(column, datetime):  # as a number: repr of a datetime is slow
                    values.append(column.timestamp())
                    values.append(relative_time(column, now))
                else:
                    values.append(column)
            stack.extend(state[key] for key in reversed(relations) if key in state)
    return values


@cache
def _attributes(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    mapper = sa.inspect(cls)
    return (
        tuple(attr.key for attr in mapper.column_attrs),
        tuple(rel.key for rel in mapper.relationships),
    )


@cache
def _build_id() -> str:
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
