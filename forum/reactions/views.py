"""POST /p/<id>/react: a member's "Helpful" or "Me too" on a post, on or off.

Without JavaScript the form's button posts here and the member comes back to the post;
our script (static/js/react.js) posts the same form with fetch, asks for JSON and updates
the buttons in place."""

from flask import Blueprint, abort, flash, jsonify, redirect, request
from flask_login import current_user, login_required

from forum.errors import DomainError
from forum.extensions import configured_limit, limiter, member_or_address
from forum.forms import EmptyForm
from forum.links import post_url
from forum.policy import threads as policy
from forum.reactions.services import parse_kind, toggle_reaction
from forum.threads.services import get_post_or_404

bp = Blueprint("reactions", __name__)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/p/<int:post_id>/react")
@login_required
@limiter.limit(configured_limit("RATELIMIT_REACTIONS"), key_func=member_or_address)
def react(post_id: int):
    post = get_post_or_404(post_id)
    if not policy.may_see_post(current_user, post) or not policy.may_read_posts(
        current_user, post.thread
    ):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        toggled = toggle_reaction(current_user, post, parse_kind(request.form.get("kind")))
    except DomainError as refusal:
        if not _wants_json():
            raise
        return jsonify(error=refusal.message), refusal.status_code
    if _wants_json():
        return jsonify(
            kind=toggled.kind.value,
            active=toggled.active,
            helpful_count=toggled.helpful_count,
            me_too_count=toggled.me_too_count,
        )
    flash(
        f"You marked this post “{toggled.kind.label}”."
        if toggled.active
        else f"You took back your “{toggled.kind.label}”.",
        "success",
    )
    return redirect(post_url(post))
