from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from forum.forms import submit_form
from forum.links import safe_next
from forum.privacy.erasure import Erasure, erase_account, is_fresh_sign_in
from forum.privacy.forms import ConsentForm, DeleteAccountForm
from forum.privacy.models import HEALTH_DATA_CONSENT_VERSION
from forum.privacy.services import give_consent
from forum.session_keys import SIGNED_IN_AT

bp = Blueprint("privacy", __name__, url_prefix="/settings")

# Reachable by a signed-in member who has not consented yet: this blueprint (consent, erasure),
# signing in and out, help, their data export, and the guidelines the consent text refers to.
# Errors (no endpoint) are never redirected.
_OPEN_BLUEPRINTS = frozenset({"privacy", "auth", "safety", "export"})
_OPEN_ENDPOINTS = frozenset({"static", "accounts.guidelines"})


@bp.before_app_request
def ask_for_consent():
    """Members who joined before consent was asked for give it (or leave) before anything
    else. The state is a column of the member already loaded: no extra query."""
    if (
        request.endpoint is None
        or request.endpoint in _OPEN_ENDPOINTS
        or request.blueprint in _OPEN_BLUEPRINTS
        or not current_user.is_authenticated
        or current_user.health_consent_at is not None
    ):
        return None
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("privacy.consent", next=back))


def _consent_page(form: ConsentForm, status: int = 200):
    return render_template(
        "privacy/consent.html",
        form=form,
        consent_version=HEALTH_DATA_CONSENT_VERSION,
        next=safe_next(request.args.get("next")),
    ), status


@bp.route("/consent", methods=["GET", "POST"])
@login_required
def consent():
    if current_user.health_consent_at is not None:
        return redirect(url_for("accounts.settings", _anchor="data-heading"))
    form = ConsentForm()
    given, status = submit_form(form, lambda: give_consent(current_user))
    if given:
        flash(
            "Thank you: your consent is recorded. You can withdraw it in your settings.", "success"
        )
        return redirect(safe_next(request.args.get("next")))
    return _consent_page(form, status)


def _delete_page(form: DeleteAccountForm, status: int = 200):
    fresh = is_fresh_sign_in(session.get(SIGNED_IN_AT), current_app.config["REAUTH_MAX_AGE"])
    return render_template(
        "privacy/delete.html",
        form=form,
        fresh=fresh,
        withdrawing=request.args.get("withdraw") == "1",
        reauth_minutes=current_app.config["REAUTH_MAX_AGE"] // 60,
    ), status


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    erased, status = submit_form(
        form,
        lambda: erase_account(
            current_user,
            Erasure(posts=form.posts.data, reports=form.reports.data),
            form.confirmation.data,
            session.get(SIGNED_IN_AT),
            current_app.config["REAUTH_MAX_AGE"],
        ),
    )
    if erased:
        # Every session already ended with the session version; this one goes now too.
        logout_user()
        session.clear()
        return redirect(url_for("privacy.deleted"))
    return _delete_page(form, status)


@bp.get("/deleted")
def deleted():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.settings"))
    return render_template("privacy/deleted.html")
