from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from forum.auth.forms import DevLoginForm
from forum.auth.services import sign_in_dev
from forum.forms import submit_form

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, not even a scheme-relative one."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith(("//", "/\\"))
        ):
            return target
    return url_for("boards.index")


@bp.get("/login")
def login():
    return render_template(
        "auth/login.html",
        next=safe_next(request.args.get("next")),
        dev_login=current_app.config["DEV_LOGIN"],
    )


@bp.route("/login/dev", methods=["GET", "POST"])
def dev_login():
    if not current_app.config["DEV_LOGIN"]:
        abort(404)
    form = DevLoginForm()
    user, status = submit_form(form, lambda: sign_in_dev(form.pseudonym.data))
    if user:
        login_user(user)
        flash(f"Signed in as {user.display_name}.", "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/dev_login.html", form=form), status


@bp.post("/logout")
def logout():
    # CSRFProtect has already checked the token: a cross-site form cannot sign anyone out.
    if current_user.is_authenticated:
        logout_user()
        flash("You are signed out.", "success")
    return redirect(url_for("boards.index"))
