import logging
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from forum.auth import oauth_flow
from forum.auth import second_factor as factor
from forum.auth.forms import DevLoginForm, OnboardingForm, SecondFactorForm
from forum.auth.gate import enrolment_first
from forum.auth.providers import configured_providers, get_provider_or_404
from forum.auth.services import (
    ProviderIdentity,
    complete_onboarding,
    link_identity,
    sign_in_dev,
    sign_in_with,
)
from forum.auth.sessions import end_session, note_session_seen, open_session
from forum.errors import DomainError
from forum.extensions import (
    configured_limit,
    csrf,
    limiter,
    member_or_address,
    request_writes,
    utcnow,
    writes_on_get,
)
from forum.forms import submit_form
from forum.links import safe_next
from forum.moderation.sanctions import LockedOut
from forum.privacy.models import HEALTH_DATA_CONSENT_VERSION
from forum.security import log_security_event
from forum.session_keys import APPEAL_AS, SECOND_FACTOR_AT, SIGNED_IN_AT

bp = Blueprint("auth", __name__)
bp.before_app_request(enrolment_first)

INTENT = "sign_in_intent"  # what to do when the provider sends the person back
PENDING = "pending_identity"  # a new identity waiting for onboarding


def start_session(user, how: str, remember: bool = False) -> None:
    """A fresh session for the member: nothing from before sign-in carries over. `how` (the
    provider, or "development") goes to the security log. The cookies carry the new session
    row's token only."""
    session.clear()
    user.session_token, user.member_session = open_session(
        user, remember, request.user_agent.string, request.remote_addr
    )
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
    if current_user.is_authenticated:
        end_session(current_user.session_token)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("boards.index"))


@bp.after_app_request
def note_seen(response):
    """Keep the signed-in session's last use current, so that idle sessions end. Only after
    a page that reads: a request that writes holds its own transaction open."""
    user = g.get("_login_user")  # only if this request loaded the member
    member_session = getattr(user, "member_session", None)
    if member_session is not None and response.status_code < 500 and not request_writes():
        note_session_seen(member_session, utcnow())
    return response


# -- the second factor of moderators and admins (forum/auth/second_factor.py) --------------


def _second_factor_page_or_404() -> str:
    """The second-factor pages exist for moderators and admins only; where to go after."""
    if not factor.needs_second_factor(current_user):
        abort(404)
    return safe_next(request.args.get("next"))


def _second_factor_failed(form: SecondFactorForm, status: int) -> None:
    """Log the refusal and never show the typed code again."""
    reason = " ".join(form.code.errors) or "refused"
    log_security_event("second_factor_failed", status, reason)
    form.code.data = ""


@bp.route("/second-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured_limit("RATELIMIT_SECOND_FACTOR"), key_func=member_or_address, methods=["POST"]
)
def second_factor():
    next_url = _second_factor_page_or_404()
    if not factor.has_second_factor(current_user):
        return redirect(url_for("auth.enrol_second_factor", next=next_url))
    form = SecondFactorForm()
    used, status = submit_form(
        form, lambda: factor.verify_second_factor(current_user, form.code.data)
    )
    if used:
        session[SECOND_FACTOR_AT] = time.time()
        if used == "recovery":
            left = factor.count_recovery_codes_left(current_user)
            log_security_event("recovery_code_used", 200, f"left={left}")
            flash(
                f"Recovery code accepted; it cannot be used again. You have {left} left: if "
                "your phone is lost, ask an admin to reset your second factor.",
                "warning",
            )
        else:
            log_security_event("second_factor_used", 200, level=logging.INFO)
        return redirect(next_url)
    if request.method == "POST":
        _second_factor_failed(form, status)
    return render_template("auth/second_factor.html", form=form, next=next_url), status


@bp.route("/settings/second-factor", methods=["GET", "POST"])
@writes_on_get  # the secret is kept from the first showing, so a reload shows the same one
@login_required
@limiter.limit(
    configured_limit("RATELIMIT_SECOND_FACTOR"), key_func=member_or_address, methods=["POST"]
)
def enrol_second_factor():
    next_url = _second_factor_page_or_404()
    if factor.has_second_factor(current_user):
        return render_template(
            "auth/second_factor_enrolled.html",
            codes_left=factor.count_recovery_codes_left(current_user),
        )
    form = SecondFactorForm()
    codes, status = submit_form(
        form, lambda: factor.confirm_enrolment(current_user, form.code.data)
    )
    if codes:
        session[SECOND_FACTOR_AT] = time.time()
        log_security_event("second_factor_enrolled", 200, level=logging.INFO)
        # Shown in this response only (never stored in the session or the page cache).
        return render_template("auth/recovery_codes.html", codes=codes, next=next_url)
    if request.method == "POST":
        _second_factor_failed(form, status)
    return render_template(
        "auth/enrol_second_factor.html",
        form=form,
        enrolment=factor.start_enrolment(current_user),
        next=next_url,
    ), status
