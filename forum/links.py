"""Addresses every feature's pages and the templates build: where a post lives, and where
a `next=` parameter may send someone. Kernel: imports no feature package."""

import re
from urllib.parse import quote, urlsplit

from flask import current_app, request, url_for

from forum.pagination import page_of


def post_url(post) -> str:
    """The canonical address of a post: its thread's page, anchored at the post. A reply
    waiting for approval is shown to its author at the end of the thread."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    page = page_of(post.position or max(post.thread.post_count, 1), per_page)
    return url_for(
        "threads.detail",
        thread_id=post.thread_id,
        slug=post.thread.slug,
        page=page if page > 1 else None,
        _anchor=f"p{post.id}",
    )


# Characters a next= target may not hold: C0 controls, DEL and the backslash.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, not even a scheme-relative one, and
    no backslash (browsers read it as a slash) or control character (a CR or LF cannot go
    in a Location header)."""
    if target and not _UNSAFE_IN_NEXT.search(target):
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("boards.index")


def site_address(path: str) -> str:
    """The absolute form of a path on this site: under FORUM_BASE_URL when it is set, so a
    forged Host header never reaches a feed, the sitemap or a page; in development without
    it, under the address the request came to."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + path


def absolute_url(endpoint: str, **values) -> str:
    """url_for(..., _external=True), built from FORUM_BASE_URL when it is set."""
    return site_address(url_for(endpoint, **values))


def page_url() -> str:
    """The absolute address of the page being answered, without its query (a shared link's
    og:url), from FORUM_BASE_URL as absolute_url's. Built from the path the request came in
    on, so an error page (a route refused before its view ran) has one too."""
    return site_address(quote(request.script_root + request.path))
