from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.bookmarks import services
from forum.bookmarks.forms import BookmarkForm, NoteForm
from forum.errors import NotAllowed
from forum.extensions import configured_limit, limiter, member_or_address
from forum.forms import EmptyForm, page_arg, submit_form
from forum.links import post_url
from forum.policy import bookmarks as policy
from forum.policy.threads import may_see_post
from forum.threads.services import get_post_or_404

bp = Blueprint("bookmarks", __name__)


def _post_to_bookmark(post_id: int):
    post = get_post_or_404(post_id)
    if not may_see_post(current_user, post):
        abort(404)
    if not policy.may_bookmark_post(current_user, post):
        raise NotAllowed("You can only bookmark posts you can read.")
    return post


@bp.route("/p/<int:post_id>/bookmark", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured_limit("RATELIMIT_BOOKMARKS"), key_func=member_or_address, methods=["POST"]
)
def bookmark(post_id: int):
    """GET: the note form. POST: the post footer's button (keep or let go), or the note."""
    post = _post_to_bookmark(post_id)
    if request.method == "POST" and "note" not in request.form:
        button = BookmarkForm()
        if not button.validate_on_submit():
            abort(400)
        keep = {"y": True, "n": False}.get(button.keep.data)
        kept = services.set_bookmark(current_user, post, keep)
        flash("Bookmarked: find it in your bookmarks." if kept else "Bookmark removed.", "success")
        return redirect(post_url(post))
    kept = services.get_bookmark(current_user, post)
    form = NoteForm(data={"note": kept.note if kept else None})
    saved, status = submit_form(
        form, lambda: services.save_bookmark_note(current_user, post, form.note.data)
    )
    if saved:
        flash("Bookmark saved, with your note. Only you can see them.", "success")
        return redirect(url_for("bookmarks.index"))
    return render_template(
        "bookmarks/edit.html",
        post=post,
        form=form,
        kept=kept is not None,
        remove_form=BookmarkForm(data={"keep": "n"}),
    ), status


@bp.get("/bookmarks")
@login_required
def index():
    page = services.list_bookmarks(
        current_user, page_arg(), current_app.config["BOOKMARKS_PER_PAGE"]
    )
    return render_template("bookmarks/index.html", page=page, remove_form=EmptyForm())


@bp.post("/bookmarks/<int:bookmark_id>/remove")
@login_required
@limiter.limit(configured_limit("RATELIMIT_BOOKMARKS"), key_func=member_or_address)
def remove(bookmark_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_bookmark(current_user, bookmark_id)
    flash("Bookmark removed.", "success")
    return redirect(url_for("bookmarks.index"))
