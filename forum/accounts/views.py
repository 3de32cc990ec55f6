from flask import Blueprint, current_app, render_template

from forum.accounts import services

bp = Blueprint("accounts", __name__)


@bp.get("/u/<name>")
def profile(name: str):
    user = services.get_user_by_name_or_404(name)
    posts = services.list_recent_posts(user, current_app.config["PROFILE_RECENT_POSTS"])
    return render_template("accounts/profile.html", user=user, posts=posts)
