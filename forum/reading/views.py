"""Mark all read: per board (on its page) and for the whole forum (on the home page).
Both are POSTs with a CSRF token, for members only; the markers themselves are shown by
the board, home and thread pages (forum/reading/services.py)."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from forum.boards.services import get_board_or_404
from forum.forms import EmptyForm
from forum.policy.reading import may_keep_reading_place
from forum.reading import services

bp = Blueprint("reading", __name__)


def _check_form() -> None:
    if not may_keep_reading_place(current_user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.post("/b/<slug>/read")
@login_required
def mark_board(slug: str):
    board = get_board_or_404(slug)
    _check_form()
    services.mark_board_read(current_user, board)
    flash(f"Everything in {board.name} is marked read.", "success")
    return redirect(url_for("boards.detail", slug=board.slug))


@bp.post("/read")
@login_required
def mark_all():
    _check_form()
    services.mark_forum_read(current_user)
    flash("Everything is marked read.", "success")
    return redirect(url_for("boards.index"))
