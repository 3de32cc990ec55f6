from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import DomainError
from forum.extensions import csrf, limiter, member_or_address
from forum.forms import EmptyForm, submit_form
from forum.mail import services
from forum.mail.forms import EmailSettingsForm

bp = Blueprint("mail", __name__)


@bp.record_once
def _check_config(state) -> None:
    """Refuse to start with mail half configured, as create_app does for other settings."""
    app = state.app
    problem = services.config_problem(app.config, development=app.debug or app.testing)
    if problem:
        raise RuntimeError(problem)


# -- the member's settings page --------------------------------------------------------


def _settings_page(form: EmailSettingsForm, status: int = 200):
    return render_template(
        "mail/settings.html",
        form=form,
        action_form=EmptyForm(),
        enabled=services.mail_enabled(),
        address=current_user.notify_email,
        confirmed_at=current_user.notify_email_confirmed_at,
        frequency=current_user.email_frequency,
        confirm_days=services.CONFIRM_MAX_AGE.days,
    ), status


@bp.get("/settings/email")
@login_required
def settings():
    # A member adding an address has not chosen yet: offer the gentler daily digest.
    frequency = current_user.email_frequency if current_user.notify_email else "daily"
    return _settings_page(
        EmailSettingsForm(data={"address": current_user.notify_email, "frequency": frequency})
    )


@bp.post("/settings/email")
@login_required
@limiter.limit("20 per hour", key_func=member_or_address)
def save():
    form = EmailSettingsForm()
    outcome, status = submit_form(
        form,
        lambda: services.save_email_settings(current_user, form.address.data, form.frequency.data),
    )
    if outcome is None:
        return _settings_page(form, status)
    if outcome == "confirmation_sent":
        flash(
            "We are sending a confirmation link to that address. Nothing else is sent to it "
            "until you open the link.",
            "success",
        )
    else:
        flash("Your e-mail settings are saved.", "success")
    return redirect(url_for("mail.settings"))


@bp.post("/settings/email/resend")
@login_required
@limiter.limit("20 per hour", key_func=member_or_address)
def resend():
    try:
        services.resend_confirmation(current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("We are sending a new confirmation link.", "success")
    return redirect(url_for("mail.settings"))


@bp.post("/settings/email/remove")
@login_required
def remove():
    services.remove_notify_email(current_user)
    flash("Your address is removed: we will not write to it again.", "success")
    return redirect(url_for("mail.settings"))


# -- links from mails: they work without signing in --------------------------------------


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    # GET only shows a button: mail scanners open links, and that must not confirm anything.
    form = EmptyForm()
    try:
        if form.validate_on_submit():
            services.confirm_notify_email(token)
            flash("Your address is confirmed.", "success")
            return redirect(url_for("mail.confirm", token=token))
        user = services.read_confirmation(token)
    except DomainError as error:
        return render_template("mail/confirm.html", error=error.message), error.status_code
    return render_template(
        "mail/confirm.html", form=form, confirmed=user.notify_email_confirmed_at is not None
    )


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authentication; mail clients' one-click POST has no form
def unsubscribe(token: str):
    """GET asks (mail scanners prefetch links); POST unsubscribes, from our page's button or
    a mail client's RFC 8058 one-click request."""
    try:
        if request.method == "POST":
            user = services.unsubscribe(token)
        else:
            user = services.read_unsubscribe(token)
    except DomainError as error:
        return render_template("mail/unsubscribe.html", error=error.message), error.status_code
    return render_template(
        "mail/unsubscribe.html",
        stopped=user.email_frequency == "none",
        just_stopped=request.method == "POST",
    )
