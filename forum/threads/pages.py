"""What the threads pages share with other features' pages (experience reports): where an
author goes after writing, and the members-only page. Views import this, never each other."""

from flask import make_response, render_template, url_for

from forum.links import post_url
from forum.safety.services import matches_crisis_phrase
from forum.threads.visibility import is_public


def after_writing_url(post) -> str:
    """Where the author goes once their post is saved: to it, or, if it matched a crisis
    phrase, first to a page of helplines that links on to it."""
    text = f"{post.thread.title}\n{post.body_source}" if post.is_first else post.body_source
    if matches_crisis_phrase(text):
        return url_for("safety.after_post", post_id=post.id)
    return post_url(post)


def not_for_crawlers(response, thread):
    """Members-only (and not yet approved) threads have addresses like public ones: the
    header keeps search engines from indexing whatever a visitor gets at them."""
    if not is_public(thread):
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def members_only_page(thread):
    """What a visitor gets at any page of a members-only thread: its title and board and a
    way to sign in; no posts and no pseudonyms. 200, so the notice is what is shown."""
    return not_for_crawlers(
        make_response(render_template("threads/members_only.html", thread=thread)), thread
    )
