from datetime import UTC
from functools import wraps

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
from flask_login import current_user, login_required
from wtforms import SelectChoice

from forum.accounts.models import TrustLevel, User
from forum.accounts.services import get_user_by_name, get_user_by_name_or_404
from forum.auth.gate import second_factor_required
from forum.boards.services import list_boards
from forum.errors import DomainError, NotAllowed
from forum.extensions import configured_limit, db, limiter, member_or_address
from forum.forms import id_arg, submit_form
from forum.links import post_url
from forum.member_notes.pages import notes_section
from forum.messages import services as message_services
from forum.messages.models import REPORT_REASONS
from forum.moderation import sanctions, services, trust
from forum.moderation.forms import (
    AppealDecisionForm,
    AppealForm,
    DecisionForm,
    ExcludeReportForm,
    ExclusionDecisionForm,
    FlagForm,
    MoveForm,
    ReasonForm,
    RenameThreadForm,
    SanctionForm,
    TrustLevelForm,
)
from forum.moderation.models import Appeal, Sanction
from forum.policy.moderation import appeal_refusal, may_appeal, sanction_refusal
from forum.policy.reports import exclusion_appeal_refusal
from forum.policy.threads import may_see_post
from forum.policy.trust import computed_level, may_set_trust_level, trust_level
from forum.reports import integrity
from forum.session_keys import APPEAL_AS
from forum.threads.services import get_post_or_404, get_thread_or_404

bp = Blueprint("moderation", __name__)


def moderator_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_moderator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _act(action, done: str) -> None:
    """Run a moderator's button action; say what happened, or why it was refused. A
    decision the policy does not allow is the 403 page with its reason."""
    try:
        action()
    except NotAllowed:
        raise
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")


# -- members: flag a post, see my flags and sanctions, appeal -----------------------------


@bp.route("/p/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("RATELIMIT_FLAGS"), key_func=member_or_address, methods=["POST"])
def flag(post_id: int):
    post = get_post_or_404(post_id)
    if not may_see_post(current_user, post):
        abort(404)
    form = FlagForm()
    flagged, status = submit_form(
        form, lambda: services.flag_post(current_user, post, form.reason.data, form.note.data)
    )
    if flagged:
        flash("Thank you. Moderators will review this post.", "success")
        return redirect(post_url(post))
    return render_template("moderation/flag.html", post=post, form=form), status


@bp.get("/settings/flags")
@login_required
def my_flags():
    return render_template("moderation/my_flags.html", flags=services.list_my_flags(current_user))


@bp.route("/settings/sanctions", methods=["GET", "POST"])
def my_sanctions():
    member = _sanctioned_member()
    if member is None:
        return current_app.login_manager.unauthorized()
    form = AppealForm()
    status = 200
    if request.method == "POST":
        sanction = db.session.get(Sanction, id_arg("sanction") or 0)
        if sanction is None or not may_appeal(member, sanction):
            abort(404)  # someone else's sanction is not there for them
        appealed, status = submit_form(
            form, lambda: sanctions.appeal_sanction(member, sanction, form.text.data)
        )
        if appealed:
            flash("Your appeal is sent. Another moderator will decide it.", "success")
            return redirect(url_for("moderation.my_sanctions"))
    return render_template(
        "moderation/my_sanctions.html", sanctions=sanctions.list_sanctions(member), form=form
    ), status


def _sanctioned_member():
    """The signed-in member, or a suspended or banned one whose sign-in was just refused
    (they may read their sanctions and appeal, nothing else)."""
    if current_user.is_authenticated:
        return current_user
    user_id = session.get(APPEAL_AS)
    return db.session.get(User, user_id) if user_id else None


# -- the queue and decisions ------------------------------------------------------------


@bp.get("/moderation")
@moderator_required
@second_factor_required()
def queue():
    appeals = sanctions.list_open_appeals()
    return render_template(
        "moderation/queue.html",
        items=services.list_queue(current_user),
        conversations=message_services.list_reported(),
        report_reasons=REPORT_REASONS,
        form=DecisionForm(),
        appeals=appeals,
        # Who may not decide an appeal is told why instead of being shown its form.
        appeal_refusals={a.id: appeal_refusal(current_user, a.sanction) for a in appeals},
    )


@bp.post("/moderation/posts/<int:post_id>/decide")
@moderator_required
@second_factor_required()
def decide(post_id: int):
    post = get_post_or_404(post_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    flag_ids = [int(i) for i in (form.flag_ids.data or "").split(",") if i.isdigit()]
    version = form.version.data
    _act(
        lambda: services.decide_on_post(
            current_user, post, form.decision.data, form.reason.data, flag_ids, version
        ),
        f"Decision recorded: {form.decision.data}.",
    )
    return redirect(url_for("moderation.queue"))


@bp.post("/moderation/posts/<int:post_id>/restore")
@moderator_required
@second_factor_required()
def restore(post_id: int):
    post = get_post_or_404(post_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    _act(
        lambda: services.restore_post(current_user, post, form.reason.data),
        "The post is visible again.",
    )
    return redirect(post_url(post))


# -- thread tools ----------------------------------------------------------------------


TOOL_DONE = {
    "lock": "Thread locked.",
    "unlock": "Thread unlocked.",
    "pin": "Thread pinned.",
    "unpin": "Thread unpinned.",
    "move": "Thread moved.",
    "rename": "Thread renamed.",
}


@bp.route("/moderation/threads/<int:thread_id>", methods=["GET", "POST"])
@moderator_required
@second_factor_required()
def thread_tools(thread_id: int):
    thread = get_thread_or_404(thread_id)
    move_form = MoveForm(prefix="move")
    boards = list_boards()
    move_form.board.choices = [SelectChoice(b.slug, b.name) for b in boards]
    rename_form = RenameThreadForm(prefix="rename", data={"title": thread.title})
    status = 200
    tool = request.args.get("tool")
    if request.method == "POST":
        try:
            if tool in ("lock", "unlock", "pin", "unpin"):
                reason_form = ReasonForm()
                if not reason_form.validate_on_submit():
                    abort(400)
                services.set_thread_flag(current_user, thread, tool, reason_form.reason.data)
            elif tool == "move" and move_form.validate_on_submit():
                board = next(b for b in boards if b.slug == move_form.board.data)
                services.move_thread(current_user, thread, board, move_form.reason.data)
            elif tool == "rename" and rename_form.validate_on_submit():
                services.rename_thread(
                    current_user, thread, rename_form.title.data, rename_form.reason.data
                )
            else:
                status = 422
        except DomainError as error:
            flash(error.message, "error")
            status = error.status_code
        if status == 200:
            flash(TOOL_DONE[tool], "success")
            return redirect(url_for("moderation.thread_tools", thread_id=thread.id))
    return render_template(
        "moderation/thread_tools.html",
        thread=thread,
        move_form=move_form,
        rename_form=rename_form,
        form=ReasonForm(),
    ), status


# -- members and sanctions ---------------------------------------------------------------


@bp.route("/moderation/members/<name>", methods=["GET", "POST"])
@moderator_required
@second_factor_required(fresh=True)
def member(name: str):
    member = get_user_by_name_or_404(name)
    form = SanctionForm()

    def impose():
        ends_at = form.ends_at.data.replace(tzinfo=UTC) if form.ends_at.data else None
        return sanctions.impose_sanction(
            current_user, member, form.kind.data, form.reason.data, ends_at
        )

    sanction, status = submit_form(form, impose)
    if sanction:
        flash(f"{sanction.kind.capitalize()} recorded for {member.display_name}.", "success")
        return redirect(url_for("moderation.member", name=member.display_name))
    return _member_page(member, form, None, status)


@bp.post("/moderation/members/<name>/trust")
@moderator_required
@second_factor_required(fresh=True)
def set_trust(name: str):
    member = get_user_by_name_or_404(name)
    form = TrustLevelForm(prefix="trust")

    def set_level():
        chosen = None if form.level.data == "auto" else TrustLevel(form.level.data)
        return trust.set_trust_level(current_user, member, chosen, form.reason.data)

    level, status = submit_form(form, set_level)
    if level:
        flash(f"{member.display_name} is now: {level.label}.", "success")
        return redirect(url_for("moderation.member", name=member.display_name))
    return _member_page(member, SanctionForm(formdata=None), form, status)


def _member_page(member: User, form, trust_form, status: int):
    """A member's moderation page: their sanctions and trust level, with the two forms (the
    one that was sent keeps what the moderator typed)."""
    if trust_form is None:
        level = member.trust_level_override or "auto"
        trust_form = TrustLevelForm(prefix="trust", formdata=None, data={"level": level})
    return render_template(
        "moderation/member.html",
        member=member,
        history=sanctions.list_sanctions(member),
        form=form,
        refusal=sanction_refusal(current_user, member),
        trust_form=trust_form if may_set_trust_level(current_user, member) else None,
        level=trust_level(member),
        computed=computed_level(member),
        notes=notes_section(current_user, member),
    ), status


@bp.post("/moderation/appeals/<int:appeal_id>")
@moderator_required
@second_factor_required(fresh=True)
def decide_appeal(appeal_id: int):
    appeal = db.get_or_404(Appeal, appeal_id)
    form = AppealDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    _act(
        lambda: sanctions.decide_appeal(current_user, appeal, form.decision.data, form.reason.data),
        f"Appeal {form.decision.data}.",
    )
    return redirect(url_for("moderation.queue"))


# -- the outcomes' integrity ---------------------------------------------------------------


def _integrity_page(status: int = 200, exclude_form=None, decide_form=None, failed_id=None):
    """The integrity page; after a refused form, that form (with its errors and what was
    typed) in the place of the one it came from (`failed_id`: its report or exclusion)."""
    overview = integrity.integrity_overview()
    return render_template(
        "moderation/outcomes.html",
        overview=overview,
        burst_rule=integrity.BURST_RULE,
        exclude_form=exclude_form or ExcludeReportForm(),
        decide_form=decide_form or ExclusionDecisionForm(),
        failed_id=failed_id,
        # Who may not decide an appeal is told why instead of being shown its form.
        appeal_refusals={
            e.exclusion.id: exclusion_appeal_refusal(current_user, e.report, e.exclusion)
            for e in overview.open_appeals
        },
    ), status


@bp.get("/moderation/outcomes")
@moderator_required
@second_factor_required()
def outcomes():
    """What could be gaming a treatment's figures, and the reports left out of them."""
    return _integrity_page()


@bp.post("/moderation/reports/<int:report_id>/exclude")
@moderator_required
@second_factor_required()
def exclude_report(report_id: int):
    report = integrity.get_report_or_404(report_id)
    form = ExcludeReportForm()
    if not form.validate_on_submit():
        return _integrity_page(422, exclude_form=form, failed_id=("report", report.id))
    _act(
        lambda: integrity.exclude_report(current_user, report, form.reason.data),
        "The report is left out of the treatment's figures; its author is told why.",
    )
    return redirect(url_for("moderation.outcomes"))


@bp.post("/moderation/exclusions/<int:exclusion_id>/decide")
@moderator_required
@second_factor_required(fresh=True)
def decide_exclusion(exclusion_id: int):
    exclusion = integrity.get_exclusion_or_404(exclusion_id)
    form = ExclusionDecisionForm()
    if not form.validate_on_submit():
        return _integrity_page(422, decide_form=form, failed_id=("exclusion", exclusion.id))
    done = {
        "upheld": "Appeal decided: the report stays out of the figures.",
        "overturned": "Appeal decided: the report counts again.",
    }[form.decision.data]
    _act(
        lambda: integrity.decide_exclusion_appeal(
            current_user, exclusion, form.decision.data, form.reason.data
        ),
        done,
    )
    return redirect(url_for("moderation.outcomes"))


# -- the log ---------------------------------------------------------------------------


@bp.get("/moderation/log")
@moderator_required
@second_factor_required()
def log():
    names = {key: request.args.get(key, "").strip() for key in ("moderator", "member")}
    people = {key: get_user_by_name(name) if name else None for key, name in names.items()}
    unknown = [name for key, name in names.items() if name and people[key] is None]
    entries = (
        []
        if unknown
        else services.list_log(
            current_user,
            actor=people["moderator"],
            member=people["member"],
            action=request.args.get("action") or None,
        )
    )
    return render_template(
        "moderation/log.html", entries=entries, args=request.args, unknown=unknown
    )
