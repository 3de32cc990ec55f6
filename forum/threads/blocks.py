"""A thread page's posts, each rendered once and then reused, for members and visitors alike.

A post's block (templates/threads/_post.html) is made from nothing but its key:
- the rows it shows, by their versions (forum/threads/versions.py post_versions; the
  database bumps a row's version on every update);
- what the presenter decided its viewer is offered (every field of the PostView: body
  or placeholder, notice, Quote, Edit, Flag, Restore, folded...), so the policy still
  decides for each viewer on every view, and only its answers are looked up;
- the viewer's own marks on it: bookmarked or not, their reactions, who reacted;
- the thread it is shown in, the minute its times are reckoned from (page_time), the
  address prefix, and the code and templates (build_id).
So a block rendered for one member is served to another only when it would render the
same for them. Its forms carry a stand-in for the CSRF token, replaced with the viewer's
own. A report left out of the figures (its note, seen by its author and the moderators,
has no row version) is rendered afresh every time.

Kept per worker, least recently used first out, up to RENDERED_POSTS_BYTES (0 turns it
off). bench/RESULTS.md has what it saves."""

import secrets
from dataclasses import fields

from flask import current_app, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from forum.caching import build_id, page_time
from forum.reactions.services import Reactors
from forum.threads.models import Thread
from forum.threads.presenters import PostView
from forum.threads.versions import post_versions

# Unguessable (made per process), so no post's text can hold it.
TOKEN_STAND_IN = f"csrf-{secrets.token_hex(16)}"
_DECISIONS = tuple(field.name for field in fields(PostView) if field.name != "post")


def _stand_in() -> str:
    return TOKEN_STAND_IN


def _post_macro():
    """The macro of templates/threads/_post.html, from the template made into a module
    once per worker (and again when the development server reloads the template)."""
    template = current_app.jinja_env.get_template("threads/_post.html")
    made = current_app.extensions.get("forum.post_macro")
    if made is None or made[0] is not template:
        made = (template, template.make_module({"csrf_token": _stand_in}).post)
        current_app.extensions["forum.post_macro"] = made
    return made[1]


def render_posts(
    views: list[PostView],
    thread: Thread,
    exclusions: dict,
    bookmarks: dict,
    reactors: Reactors | None,
) -> list[tuple[int, Markup]]:
    """(post id, HTML) for each post of a thread's page, in order: from the kept blocks
    where one was rendered from the same key, else rendered now and kept."""
    kept = current_app.extensions.get("forum.rendered_posts")
    render = _post_macro()
    shared = (build_id(), request.script_root, page_time(), thread.id, thread.board_id)
    token = None  # the viewer's; only made for a page with a form (a visitor's has none)
    blocks = []
    for view in views:
        post_id = view.post.id
        exclusion, bookmarked = exclusions.get(post_id), bookmarks.get(post_id)
        key = None
        if kept is not None and exclusion is None:
            key = (
                shared,
                post_versions(view.post),
                tuple(getattr(view, name) for name in _DECISIONS),
                bookmarked,
                reactors.shown_on(post_id) if reactors else None,
            )
        html = kept.get(key) if key else None
        if html is None:
            html = str(render(view, thread, exclusion, bookmarked, reactors))
            if key:
                kept.put(key, html)
        if TOKEN_STAND_IN in html:
            token = token or generate_csrf()
            html = html.replace(TOKEN_STAND_IN, token)
        blocks.append((post_id, Markup(html)))  # nosec B704: rendered by autoescaping Jinja
    return blocks
