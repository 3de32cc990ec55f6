from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from forum.accounts import services
from forum.accounts.forms import HistoryPrivacyForm, InterestForm, RenameForm
from forum.auth.providers import configured_providers
from forum.auth.second_factor import needs_second_factor
from forum.auth.services import list_identities, sign_out_everywhere, unlink_identity
from forum.auth.sessions import end_member_session, list_member_sessions
from forum.blocks.services import block_offer
from forum.errors import DomainError, NotVisible
from forum.extensions import limiter, utcnow
from forum.forms import EmptyForm, submit_form
from forum.policy.accounts import (
    RESTRICTED_NOTE,
    may_change_name_or_interest,
    profile_lists_posts_for,
)
from forum.policy.messages import offers_message_button
from forum.policy.trust import describe_levels
from forum.privacy.services import get_active_consent

bp = Blueprint("accounts", __name__)


@bp.get("/u/<name>")
def profile(name: str):
    user, blocking = services.get_profile_or_404(name, current_user)
    # Counts only what this viewer may read: a visitor's leaves out members-only posts.
    if not profile_lists_posts_for(current_user, user):
        posts = path = None
        post_count = services.count_posts_readable_by(user, viewer=current_user)
    else:
        posts, post_count = services.list_recent_posts(
            user, current_app.config["PROFILE_RECENT_POSTS"], viewer=current_user
        )
        path = services.list_treatment_path(user, viewer=current_user)
    return render_template(
        "accounts/profile.html",
        user=user,
        posts=posts,
        post_count=post_count,
        path=path,
        # The Block button: None when not offered, else whether they are blocked now.
        blocking=block_offer(current_user, user, blocking),
        offers_message=offers_message_button(current_user, user),
    )


@bp.get("/guidelines")
def guidelines():
    return render_template("accounts/guidelines.html", levels=describe_levels())


def _settings_page(
    rename_form: RenameForm, status: int = 200, interest_form: InterestForm | None = None
):
    identities = list_identities(current_user)
    linked = {identity.provider for identity in identities}
    titles = {provider.name: provider.title for provider in configured_providers()}
    return render_template(
        "accounts/settings.html",
        consent=get_active_consent(current_user),
        rename_form=rename_form,
        interest_form=interest_form
        or InterestForm(data={"interest": current_user.declared_interest or ""}),
        action_form=EmptyForm(),
        restricted_note=None if may_change_name_or_interest(current_user) else RESTRICTED_NOTE,
        identities=identities,
        second_factor=needs_second_factor(current_user),
        provider_titles=titles,
        linkable=[p for p in configured_providers() if p.name not in linked],
    ), status


@bp.get("/settings")
@login_required
def settings():
    return _settings_page(RenameForm(data={"pseudonym": current_user.display_name}))


@bp.post("/settings/pseudonym")
@login_required
@limiter.limit("5 per hour")
def rename():
    form = RenameForm()
    interval = timedelta(days=current_app.config["PSEUDONYM_CHANGE_DAYS"])
    user, status = submit_form(
        form, lambda: services.change_pseudonym(current_user, form.pseudonym.data, interval)
    )
    if user:
        flash(f"Your pseudonym is now {user.display_name}.", "success")
        return redirect(url_for("accounts.settings"))
    return _settings_page(form, status)


@bp.post("/settings/interests")
@login_required
def interests():
    form = InterestForm()
    user, status = submit_form(
        form, lambda: services.declare_interest(current_user, form.interest.data)
    )
    if user:
        flash(
            "Your declared interest is shown next to your pseudonym."
            if user.declared_interest
            else "You have no declared interest.",
            "success",
        )
        return redirect(url_for("accounts.settings", _anchor="interest-heading"))
    return _settings_page(
        RenameForm(data={"pseudonym": current_user.display_name}), status, form
    )


@bp.post("/settings/history")
@login_required
def history_privacy():
    form = HistoryPrivacyForm()
    if form.validate_on_submit():
        user = services.set_history_hidden(current_user, form.hide_history.data)
        flash(
            "Your recent posts are listed on your profile for signed-in members only."
            if user.hide_history
            else "Your recent posts are listed on your profile for everyone.",
            "success",
        )
    return redirect(url_for("accounts.settings", _anchor="history-heading"))


@bp.post("/settings/identities/<int:identity_id>/unlink")
@login_required
def unlink(identity_id: int):
    try:
        unlink_identity(current_user, identity_id)
    except NotVisible:
        abort(404)  # another member's: not there for this one
    except DomainError as error:
        flash(error.message, "error")
        return _settings_page(
            RenameForm(data={"pseudonym": current_user.display_name}), error.status_code
        )
    flash("That sign-in method is removed.", "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_all():
    sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    flash("You are signed out on every device, this one included.", "success")
    return redirect(url_for("auth.login"))


@bp.get("/settings/sessions")
@login_required
def sessions():
    this_session_id = current_user.member_session.id
    return render_template(
        "accounts/sessions.html",
        sessions=list_member_sessions(current_user, utcnow(), this_session_id),
        this_session_id=this_session_id,
        action_form=EmptyForm(),
    )


@bp.post("/settings/sessions/<int:session_id>/sign-out")
@login_required
def sign_out_session(session_id: int):
    this_device = session_id == current_user.member_session.id
    if not end_member_session(current_user, session_id):
        abort(404)  # not one of this member's sessions, or already signed out
    if this_device:
        logout_user()
        session.clear()
        flash("You are signed out on this device.", "success")
        return redirect(url_for("auth.login"))
    flash("That device is signed out.", "success")
    return redirect(url_for("accounts.sessions"))
