from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from forum.threads.services import get_post_or_404

bp = Blueprint("safety", __name__, url_prefix="/help")


@bp.get("")
def index():
    return render_template("safety/index.html")


@bp.get("/after-post/<int:post_id>")
@login_required
def after_post(post_id: int):
    """Shown to a post's author, before their post, when it matched a crisis phrase."""
    post = get_post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(404)
    return render_template("safety/after_post.html", post=post)
