"""What the threads pages share with other features' pages (experience reports): where an
author goes after writing, the members-only page, and what a viewer gets instead of a
post's history. Views import this, never each other."""

from flask import abort, make_response, render_template, url_for
from flask_login import current_user

from forum.errors import NotAllowed
from forum.links import post_url
from forum.policy import threads as policy
from forum.safety.services import matches_crisis_phrase


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
    if not policy.is_public(thread):
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def members_only_page(thread):
    """What a visitor gets at any page of a members-only thread: its title and board and a
    way to sign in; no posts and no pseudonyms. 200, so the notice is what is shown."""
    return not_for_crawlers(
        make_response(render_template("threads/members_only.html", thread=thread)), thread
    )


def history_refused(post, what: str):
    """What a viewer gets instead of a post's history (or its report's), if anything: 404
    for a post they may not see, the members-only page for a visitor, 403 for a
    placeholder."""
    if not policy.may_see_post(current_user, post):
        abort(404)
    if not policy.may_read_posts(current_user, post.thread):
        return members_only_page(post.thread)
    if not policy.may_see_history(current_user, post):
        raise NotAllowed(f"The history of this {what} is not shown.")
    return None
