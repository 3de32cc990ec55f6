"""A member's drafts outside their forms: saving what a form holds (the "Save draft"
button without JavaScript, and our script's autosave, static/js/draft.js), the list of
every draft at /drafts, where each is continued or deleted, and "Discard draft". The forms
themselves (a report's steps, a new thread, a reply) restore the draft when opened."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.boards.services import get_board_or_404
from forum.drafts import services as drafts
from forum.drafts.models import Draft, DraftKind
from forum.extensions import configured_limit, limiter, member_or_address
from forum.forms import EmptyForm
from forum.links import safe_next
from forum.reports import drafts as report_drafts
from forum.reports import steps
from forum.threads.services import get_thread_or_404

bp = Blueprint("drafts", __name__)

# What a new thread's and a reply's drafts keep of their forms: the fields a member types
# or picks, nothing else the form carries (its token, its submission key).
THREAD_FIELDS = ("title", "body", "visibility")
REPLY_FIELDS = ("body",)


def _posted(fields: tuple[str, ...]) -> dict:
    return {name: request.form[name] for name in fields if name in request.form}


def _saved(draft: Draft, back: str):
    """JSON for our script, which asks for it; otherwise back to the form, which shows the
    draft and says it was saved."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved_at=draft.updated_at.isoformat())
    flash("Your draft is saved. It is kept for you alone.", "success")
    return redirect(back, 303)


@bp.post("/b/<slug>/report/draft")
@login_required
@limiter.limit(configured_limit("RATELIMIT_DRAFTS"), key_func=member_or_address)
def save_report(slug: str):
    """Keep the report step's answers as they are now, unchecked, and say when (JSON)."""
    board = get_board_or_404(slug)
    draft = report_drafts.get_or_start_draft(current_user, board)
    step = steps.step_arg(request.args.get("step"), draft)
    draft = report_drafts.save_draft(
        current_user, board, steps.posted_answers(request.form, step), step
    )
    return jsonify(saved_at=draft.updated_at.isoformat())


@bp.post("/b/<slug>/new/draft")
@login_required
@limiter.limit(configured_limit("RATELIMIT_DRAFTS"), key_func=member_or_address)
def save_thread(slug: str):
    board = get_board_or_404(slug)
    draft = drafts.save_draft(current_user, DraftKind.THREAD, board, _posted(THREAD_FIELDS))
    return _saved(draft, url_for("threads.create", slug=board.slug))


@bp.post("/t/<int:thread_id>/reply/draft")
@login_required
@limiter.limit(configured_limit("RATELIMIT_DRAFTS"), key_func=member_or_address)
def save_reply(thread_id: int):
    thread = get_thread_or_404(thread_id)
    draft = drafts.save_draft(
        current_user, DraftKind.REPLY, thread.board, _posted(REPLY_FIELDS), thread=thread
    )
    back = request.args.get("next")
    return _saved(draft, safe_next(back) if back else url_for("threads.reply", thread_id=thread.id))


@bp.get("/drafts")
@login_required
def index():
    return render_template(
        "drafts/index.html", drafts=drafts.list_drafts(current_user), action_form=EmptyForm()
    )


@bp.get("/settings/drafts")
def old_index():
    """Where report drafts were listed before replies and threads had drafts too."""
    return redirect(url_for("drafts.index"), 301)


@bp.post("/drafts/<int:draft_id>/delete")
@login_required
def discard(draft_id: int):
    """Delete a draft, from the list or from its form ("Discard draft", which comes back
    to the form, empty)."""
    drafts.discard_draft(current_user, draft_id)
    flash("The draft is deleted.", "success")
    back = request.args.get("next")
    return redirect(safe_next(back) if back else url_for("drafts.index"))
