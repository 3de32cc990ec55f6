"""A member's report drafts outside the form: the autosave of the step on screen (our own
script, static/js/report-draft.js) and the list in settings, where each can be continued
or deleted. The steps themselves are reports.create (forum/reports/views.py)."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.boards.services import get_board_or_404
from forum.extensions import configured_limit, limiter, member_or_address
from forum.forms import EmptyForm
from forum.reports import drafts, steps

bp = Blueprint("drafts", __name__)


@bp.post("/b/<slug>/report/draft")
@login_required
@limiter.limit(configured_limit("RATELIMIT_DRAFTS"), key_func=member_or_address)
def save(slug: str):
    """Keep the step's answers as they are now, unchecked, and say when (JSON)."""
    board = get_board_or_404(slug)
    draft = drafts.get_or_start_draft(current_user, board)
    step = steps.step_arg(request.args.get("step"), draft)
    draft = drafts.save_draft(current_user, board, steps.posted_answers(request.form, step), step)
    return jsonify(saved_at=draft.updated_at.isoformat())


@bp.get("/settings/drafts")
@login_required
def index():
    return render_template(
        "reports/drafts.html", drafts=drafts.list_drafts(current_user), action_form=EmptyForm()
    )


@bp.post("/settings/drafts/<int:draft_id>/delete")
@login_required
def discard(draft_id: int):
    drafts.discard_draft(current_user, draft_id)
    flash("The draft is deleted.", "success")
    return redirect(url_for("drafts.index"))
