"""The second-factor gate on moderation pages: a page helper (it redirects and flashes), below
the views that use it, so the moderation and thread views need not import the sign-in views."""

import time
from functools import wraps

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from forum.auth import second_factor as factor
from forum.session_keys import SECOND_FACTOR_AT

SET_UP_FIRST = "Moderators and admins set up a second factor before any moderation."


def second_factor_required(fresh: bool = False):
    """For moderation views, under the check that the person is a moderator: a moderator
    without a factor is sent to set one up, one who has not typed a code this session to
    type one; with `fresh`, a code typed more than SECOND_FACTOR_MAX_AGE ago is asked again.
    Members pass through (the view refuses them itself)."""

    def decorate(view):
        @wraps(view)
        def gated(*args, **kwargs):
            return second_factor_gate(fresh) or view(*args, **kwargs)

        # Read by the test that every moderation route is gated.
        gated.second_factor = "fresh" if fresh else "session"
        return gated

    return decorate


def second_factor_gate(fresh: bool = False, back: str | None = None):
    """None when the signed-in person may go on; else the redirect to the enrolment or the
    code page, then to `back` (by default this page, or a POST's form page). For views where
    only some requests are moderation, like editing someone else's post."""
    if not factor.needs_second_factor(current_user):
        return None
    typed_at = session.get(SECOND_FACTOR_AT)
    max_age = current_app.config["SECOND_FACTOR_MAX_AGE"]
    if typed_at is not None and (not fresh or time.time() - typed_at <= max_age):
        return None
    back = back or _page_to_come_back_to()
    if typed_at is None and not factor.has_second_factor(current_user):
        flash(SET_UP_FIRST, "info")
        return redirect(url_for("auth.enrol_second_factor", next=back))
    if typed_at is not None:  # the first time, the code page says why by itself
        flash(
            "This action needs a recent code: type the one your authenticator app shows now.",
            "info",
        )
    return redirect(url_for("auth.second_factor", next=back))


def _page_to_come_back_to() -> str:
    """The page to return to after the code: this one for a GET; for a POST, the page of its
    form, so the moderator starts the action again (a form is not replayed unseen)."""
    if request.method in ("GET", "HEAD"):
        query = request.query_string.decode("utf-8", "replace")
        return request.path + (f"?{query}" if query else "")
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.path
    return url_for("moderation.queue")


# Pages a moderator without a factor may still open: signing in and out, setting the factor
# up, and the crisis helplines, which nothing may stand in front of.
_OPEN_WITHOUT_FACTOR = ("auth.", "safety.", "static")


def enrolment_first():
    """Before every page: a moderator or admin who has no second factor yet (a member just
    promoted, say) is sent to set one up at their next page, not only at their next
    moderation page. A GET only, so a form being sent is never lost on the way."""
    if request.method not in ("GET", "HEAD") or not factor.needs_second_factor(current_user):
        return None
    endpoint = request.endpoint or ""
    if endpoint.startswith(_OPEN_WITHOUT_FACTOR) or session.get(SECOND_FACTOR_AT) is not None:
        return None
    if factor.has_second_factor(current_user):
        return None
    flash(SET_UP_FIRST, "info")
    query = request.query_string.decode("utf-8", "replace")
    back = request.path + (f"?{query}" if query else "")
    return redirect(url_for("auth.enrol_second_factor", next=back))
