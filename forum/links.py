"""Addresses every feature's pages and the templates build: where a post lives, and where
a `next=` parameter may send someone. Kernel: imports no feature package."""

from urllib.parse import urlsplit

from flask import current_app, url_for

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


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, not even a scheme-relative one."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith(("//", "/\\"))
        ):
            return target
    return url_for("boards.index")
