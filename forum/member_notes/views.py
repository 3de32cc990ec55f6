"""Moderators' notes on a member: add one (the form sits on the member's moderation page;
this page shows it again when it is refused), and correct one within a day. Both are
moderation: moderators only, behind the second factor."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.accounts.services import get_user_by_name_or_404
from forum.auth.gate import second_factor_required
from forum.errors import NotAllowed
from forum.extensions import utcnow
from forum.forms import submit_form
from forum.member_notes import services
from forum.member_notes.forms import NoteForm
from forum.member_notes.pages import note_view, notes_section
from forum.policy import member_notes as policy

bp = Blueprint("member_notes", __name__)


def moderators_only(view):
    """Refused before anything is looked up, so a member learns nothing from the address."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not policy.may_read_notes(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _on_member_page(name: str, note_id: int) -> str:
    return url_for("moderation.member", name=name, _anchor=f"note-{note_id}")


@bp.route("/moderation/members/<name>/notes", methods=["GET", "POST"])
@moderators_only
@second_factor_required()
def create(name: str):
    member = get_user_by_name_or_404(name)
    member_name = member.display_name  # read before the commit expires it
    form = NoteForm()
    note, status = submit_form(
        form, lambda: services.add_note(current_user, member, form.body.data)
    )
    if note:
        flash("Note kept, with today's date. Only moderators see it.", "success")
        return redirect(_on_member_page(member_name, note.id))
    return render_template(
        "member_notes/create.html", notes=notes_section(current_user, member, form)
    ), status


@bp.route("/moderation/notes/<int:note_id>/edit", methods=["GET", "POST"])
@moderators_only
@second_factor_required()
def edit(note_id: int):
    note = services.get_note_or_404(current_user, note_id)
    if request.method == "GET":
        refusal = policy.edit_refusal(current_user, note, utcnow())
        if refusal:
            raise NotAllowed(refusal)
    form = NoteForm(data={"body": note.body})
    member_name = note.member.display_name  # read before the commit expires it
    saved, status = submit_form(
        form, lambda: services.edit_note(current_user, note, form.body.data)
    )
    if saved:
        flash("Note corrected. The moderation log records the correction.", "success")
        return redirect(_on_member_page(member_name, note_id))
    return render_template(
        "member_notes/edit.html", entry=note_view(current_user, note, utcnow()), form=form
    ), status
