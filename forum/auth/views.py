import logging
import re
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from forum.auth import oauth_flow
from forum.auth.forms import DevLoginForm, OnboardingForm
from forum.auth.providers import configured_providers, get_provider_or_404
from forum.auth.services import (
    ProviderIdentity,
    complete_onboarding,
    link_identity,
    sign_in_dev,
    sign_in_with,
)
from forum.errors import DomainError
from forum.extensions import configured_limit, csrf, limiter, writes_on_get
from forum.forms import submit_form
from forum.moderation.sanctions import LockedOut
from forum.privacy.models import HEALTH_DATA_CONSENT_VERSION
from forum.security import log_security_event

bp = Blueprint("auth", __name__)

INTENT = "sign_in_intent"  # what to do when the provider sends the person back
PENDING = "pending_identity"  # a new identity waiting for onboarding
APPEAL_AS = "appeal_as"  # a locked-out member who may see and appeal their sanctions
# When the member proved who they are (POSIX seconds): erasing the account asks for a fresh
# sign-in, so a session left open on a shared computer cannot do it.
SIGNED_IN_AT = "signed_in_at"
# Characters a next= target may not hold: C0 controls, DEL and the backslash.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, not even a scheme-relative one, and
    no backslash (browsers read it as a slash) or control character (a CR or LF cannot go
    in a Location header)."""
    if target and not _UNSAFE_IN_NEXT.search(target):
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("boards.index")


def start_session(user, how: str, remember: bool = False) -> None:
    """A fresh session for the member: nothing from before sign-in carries over. `how` (the
    provider, or "development") goes to the security log."""
    session.clear()
    login_user(user, remember=remember)
    session[SIGNED_IN_AT] = time.time()
    log_security_event("sign_in", 200, f"via={how}", actor_id=user.id, level=logging.INFO)


def allow_appeal(user_id: int) -> None:
    """A suspended or banned member cannot sign in, but may read why and appeal: the session
    remembers who they proved to be, for /settings/sanctions only."""
    session.clear()
    session[APPEAL_AS] = user_id


def _login_page(error: str | None = None, status: int = 200):
    return render_template(
        "auth/login.html",
        providers=configured_providers(),
        next=safe_next(request.args.get("next")),
        dev_login=current_app.config["DEV_LOGIN"],
        error=error,
    ), status


@bp.get("/login")
def login():
    return _login_page()


@bp.get("/login/<name>")
@limiter.limit(configured_limit("RATELIMIT_SIGN_IN"))
def start(name: str):
    provider = get_provider_or_404(name)
    linking = current_user.is_authenticated and request.args.get("link") == "1"
    session[INTENT] = {
        "remember": request.args.get("remember") == "1",
        "link": linking,
        "next": safe_next(request.args.get("next")),
    }
    return oauth_flow.start(provider)


@bp.route("/login/<name>/callback", methods=["GET", "POST"])
@writes_on_get  # a returning member's sign-in is recorded
@csrf.exempt  # state and nonce protect the callback; a provider cannot send our CSRF token
@limiter.limit(configured_limit("RATELIMIT_SIGN_IN"))
def callback(name: str):
    provider = get_provider_or_404(name)
    if request.method == "POST" and provider.form_post and "hop" not in request.form:
        # Apple posts here cross-site, so the SameSite=Lax session cookie stayed behind.
        # Post the same fields again from our own page: that request carries it.
        return render_template("auth/continue.html", provider=provider, fields=request.form)
    intent = session.pop(INTENT, None) or {}
    try:
        identity = oauth_flow.finish(provider)
    except oauth_flow.SignInFailed as error:
        return _login_page(str(error), 400)

    if intent.get("link") and current_user.is_authenticated:
        try:
            link_identity(current_user, identity)
        except DomainError as error:
            log_security_event("link_refused", error.status_code, f"via={name}: {error.message}")
            flash(error.message, "error")
        else:
            flash(f"{provider.title} is now linked: you can sign in with it.", "success")
        return redirect(url_for("accounts.settings"))

    try:
        user = sign_in_with(identity)
    except DomainError as error:
        log_security_event("sign_in_refused", error.status_code, f"via={name}: {error.message}")
        if isinstance(error, LockedOut):
            allow_appeal(error.user_id)
        return _login_page(error.message, error.status_code)
    if user is not None:
        start_session(user, name, remember=intent.get("remember", False))
        flash(f"Welcome back, {user.display_name}.", "success")
        return redirect(intent.get("next") or url_for("boards.index"))

    # A newcomer: nothing is created until onboarding is finished.
    logout_user()
    session[PENDING] = {**identity.as_dict(), **{k: intent.get(k) for k in ("remember", "next")}}
    return redirect(url_for("auth.onboarding"))


@bp.route("/onboarding", methods=["GET", "POST"])
def onboarding():
    pending = session.get(PENDING)
    if not pending:
        flash("Please sign in first.", "info")
        return redirect(url_for("auth.login"))
    identity = ProviderIdentity.from_dict(pending)
    form = OnboardingForm()
    user, status = submit_form(
        form,
        lambda: complete_onboarding(
            identity, form.pseudonym.data, current_app.config["SECRET_KEY"]
        ),
    )
    if user:
        start_session(
            user, identity.provider, remember=form.remember.data or bool(pending.get("remember"))
        )
        flash(f"Welcome to Firsthand, {user.display_name}.", "success")
        return redirect(pending.get("next") or url_for("boards.index"))
    return render_template(
        "auth/onboarding.html",
        form=form,
        pending_remember=bool(pending.get("remember")),
        consent_version=HEALTH_DATA_CONSENT_VERSION,
    ), status


@bp.route("/login/dev", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_SIGN_IN"), methods=["POST"])
def dev_login():
    if not current_app.config["DEV_LOGIN"]:
        abort(404)
    form = DevLoginForm()

    def sign_in():
        try:
            return sign_in_dev(form.pseudonym.data)
        except LockedOut as error:
            allow_appeal(error.user_id)
            raise

    user, status = submit_form(form, sign_in)
    if user:
        start_session(user, "development", remember=form.remember.data)
        flash(f"Signed in as {user.display_name}.", "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/dev_login.html", form=form), status


@bp.post("/logout")
def logout():
    # CSRFProtect has already checked the token: a cross-site form cannot sign anyone out.
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("boards.index"))
