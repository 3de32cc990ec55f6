"""Private messages: the member's list, starting a conversation, reading and replying,
leaving, reporting a message, who may write to them; and the moderators' page for a
reported conversation (moderators only, behind the second factor)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.auth.gate import second_factor_required
from forum.extensions import configured_limit, limiter, member_or_address
from forum.forms import EmptyForm, page_arg, submit_form
from forum.messages import services
from forum.messages.forms import (
    AcceptMessagesForm,
    DecideReportsForm,
    MessageForm,
    NewConversationForm,
    ReportMessageForm,
)
from forum.messages.models import REPORT_REASONS
from forum.policy import messages as policy
from forum.policy.viewer import is_moderator
from forum.safety.services import matches_crisis_phrase

bp = Blueprint("messages", __name__)

PER_PAGE = 25


def _sent(message, subject: str = ""):
    """After sending: the conversation at the new message, or first, if it matched a
    crisis phrase, the helplines (nobody at the forum reads a private message unless it is
    reported, so the writer is told who can listen now)."""
    if matches_crisis_phrase(f"{subject}\n{message.body_source}"):
        return redirect(url_for("messages.help", conversation_id=message.conversation_id))
    return redirect(
        url_for(
            "messages.detail", conversation_id=message.conversation_id, _anchor=f"m{message.id}"
        )
    )


@bp.get("/messages")
@login_required
def index():
    page = services.list_conversations(current_user, page_arg(), PER_PAGE)
    return render_template(
        "messages/index.html",
        page=page,
        accept_form=AcceptMessagesForm(data={"accept": current_user.accept_messages}),
        starts=policy.starts_conversations(current_user),
    )


@bp.post("/messages/settings")
@login_required
def settings():
    form = AcceptMessagesForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_accept_messages(current_user, form.accept.data)
    flash("Saved: who may start a conversation with you.", "success")
    return redirect(url_for("messages.index", _anchor="who-may-write"))


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured_limit("RATELIMIT_CONVERSATIONS"), key_func=member_or_address, methods=["POST"]
)
def new():
    form = NewConversationForm()
    if request.method == "GET" and request.args.get("to"):
        form.to.data = request.args["to"][:100]
    message, status = submit_form(
        form,
        lambda: services.start_conversation(
            current_user, form.to.data, form.subject.data, form.body.data
        ),
    )
    if message is not None:
        return _sent(message, form.subject.data)
    return render_template(
        "messages/new.html",
        form=form,
        starts=policy.starts_conversations(current_user),
        links_allowed=policy.may_post_links(current_user),
    ), status


def _readable(conversation_id: int):
    return services.get_readable_or_404(current_user, conversation_id)


@bp.route("/messages/<int:conversation_id>", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("RATELIMIT_MESSAGES"), key_func=member_or_address, methods=["POST"])
def detail(conversation_id: int):
    """The conversation, oldest first (its last page unless another is asked for), and
    the reply form under it. Reading it marks it read, and its notification."""
    membership = _readable(conversation_id)
    conversation = membership.conversation
    form = MessageForm()
    refusal = services.reply_refusal(current_user, conversation, membership)
    status = 200
    if request.method == "POST":
        message, status = submit_form(
            form, lambda: services.reply(current_user, conversation, membership, form.body.data)
        )
        if message is not None:
            return _sent(message)
    number = page_arg() if "page" in request.args else services.last_page(conversation)
    messages = services.list_messages(conversation, number)
    page = render_template(
        "messages/detail.html",
        conversation=conversation,
        membership=membership,
        messages=messages,
        form=form,
        refusal=refusal,
        leave_form=EmptyForm(),
        links_allowed=policy.may_post_links(current_user),
    )
    if status == 200:
        services.mark_read(membership, messages.items)
    return page, status


@bp.get("/messages/<int:conversation_id>/help", endpoint="help")
@login_required
def after_message(conversation_id: int):
    """After a message that matched a crisis phrase: helplines, then on to it."""
    membership = _readable(conversation_id)
    return render_template("messages/after_message.html", conversation=membership.conversation)


@bp.post("/messages/<int:conversation_id>/leave")
@login_required
def leave(conversation_id: int):
    membership = _readable(conversation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    subject = membership.conversation.subject
    services.leave(membership)
    flash(f"You left “{subject}”. It is gone from your messages.", "success")
    return redirect(url_for("messages.index"))


@bp.route("/messages/<int:conversation_id>/m/<int:message_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("RATELIMIT_FLAGS"), key_func=member_or_address, methods=["POST"])
def report(conversation_id: int, message_id: int):
    """Report a message: the conversation goes to the moderators, who may then read it."""
    membership = _readable(conversation_id)
    message = services.get_message_or_404(membership.conversation, message_id)
    if refusal := policy.report_refusal(current_user, membership, message):
        abort(403, refusal)
    form = ReportMessageForm()
    done, status = submit_form(
        form,
        lambda: services.report_message(
            current_user, membership, message, form.reason.data, form.note.data
        ),
    )
    if done is not None:
        flash(
            "Reported. A moderator will read this conversation and decide; nobody in it is "
            "told who reported it.",
            "success",
        )
        return redirect(
            url_for("messages.detail", conversation_id=conversation_id, _anchor=f"m{message.id}")
        )
    return render_template(
        "messages/report.html", conversation=membership.conversation, message=message, form=form
    ), status


# -- moderators -----------------------------------------------------------------------------


def _moderator_only():
    if not is_moderator(current_user):
        abort(403)


@bp.get("/moderation/conversations/<int:conversation_id>")
@login_required
@second_factor_required()
def moderate(conversation_id: int):
    """A reported conversation, whole, with its reports and the decision; any other
    conversation is 404, for moderators too."""
    _moderator_only()
    return _moderation_page(conversation_id, DecideReportsForm())


def _moderation_page(conversation_id: int, form, status: int = 200):
    conversation = services.get_reported_or_404(current_user, conversation_id)
    number = page_arg() if "page" in request.args else services.last_page(conversation)
    return render_template(
        "messages/moderate.html",
        conversation=conversation,
        messages=services.list_messages(conversation, number),
        reports=services.list_reports(conversation),
        reasons=REPORT_REASONS,
        form=form,
    ), status


@bp.post("/moderation/conversations/<int:conversation_id>/decide")
@login_required
@second_factor_required()
def decide(conversation_id: int):
    _moderator_only()
    conversation = services.get_reported_or_404(current_user, conversation_id)
    form = DecideReportsForm()
    done, status = submit_form(
        form,
        lambda: services.decide_reports(
            current_user, conversation, form.decision.data, form.reason.data
        ),
    )
    if done is None:
        return _moderation_page(conversation_id, form, status)
    flash(
        "Decided: the reported messages were removed."
        if form.decision.data == "removed"
        else "Decided: the messages stay.",
        "success",
    )
    return redirect(url_for("moderation.queue"))
