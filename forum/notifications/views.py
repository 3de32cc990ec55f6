"""Watching threads and boards, the notifications page and the header's unread count.

Following a notification (GET /notifications/<id>) marks it read and redirects to what it
is about, the way large forums do: the list itself is only read, so reloading it or a
browser's prefetch changes nothing; "Mark all read" is a POST."""

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from forum.boards.services import get_board_or_404
from forum.extensions import writes_on_get
from forum.forms import EmptyForm, page_arg
from forum.links import post_url, safe_next
from forum.notifications import services
from forum.notifications.forms import AutoWatchForm, MarkAllReadForm
from forum.policy.threads import may_see_thread
from forum.threads.services import get_thread_or_404

bp = Blueprint("notifications", __name__)

PER_PAGE = 30


# -- the header -------------------------------------------------------------------------


class HeaderNotifications:
    """What base.html and the watch buttons need, read on first use with one query (the
    unread count, plus whether the member watches the thread or board the page shows)
    and kept for the rest of the request; pages that never show it never run it."""

    def __init__(self):
        self._state: services.HeaderState | None = None

    def _load(self) -> services.HeaderState:
        if self._state is None:
            args = request.view_args or {}
            self._state = services.get_header_state(
                current_user,
                thread_id=args.get("thread_id") if request.endpoint == "threads.detail" else None,
                board_slug=args.get("slug") if request.endpoint == "boards.detail" else None,
                conversation_id=args.get("conversation_id")
                if request.endpoint == "messages.detail"
                else None,
            )
        return self._state

    @property
    def unread(self) -> int:
        return self._load().unread

    @property
    def unread_label(self) -> str:
        return _count_label(self.unread)

    @property
    def unread_messages(self) -> int:
        return self._load().unread_messages

    @property
    def unread_messages_label(self) -> str:
        return _count_label(self.unread_messages)

    @property
    def unread_total(self) -> int:
        """What the closed menu shows: notifications and conversations with news."""
        return self.unread + self.unread_messages

    @property
    def unread_total_label(self) -> str:
        return _count_label(self.unread_total)

    @property
    def watching(self) -> bool:
        return bool(self._load().watching)

    @property
    def form(self) -> EmptyForm:
        return EmptyForm()


def _count_label(count: int) -> str:
    """Counting stops at UNREAD_CAP: "99+" past it."""
    return f"{services.UNREAD_CAP - 1}+" if count >= services.UNREAD_CAP else str(count)


@bp.app_context_processor
def header_notifications():
    # Templates rendered outside a request (e-mails sent from the command line) have no member.
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return {}
    if "header_notifications" not in g:
        g.header_notifications = HeaderNotifications()
    return {"header_notifications": g.header_notifications}


# -- watching ---------------------------------------------------------------------------


def _back(default: str):
    """Back to the page the button was on (a path on this site only)."""
    target = request.form.get("next")
    return redirect(safe_next(target) if target else default)


def _thread_url(thread) -> str:
    return url_for("threads.detail", thread_id=thread.id, slug=thread.slug)


def _visible_thread(thread_id: int):
    thread = get_thread_or_404(thread_id)
    if not may_see_thread(current_user, thread):
        abort(404)
    return thread


@bp.post("/t/<int:thread_id>/watch")
@login_required
def watch_thread(thread_id: int):
    thread = _visible_thread(thread_id)
    services.watch_thread(current_user, thread)
    flash("You are watching this thread: each new reply shows in your notifications.", "success")
    return _back(_thread_url(thread))


@bp.post("/t/<int:thread_id>/unwatch")
@login_required
def unwatch_thread(thread_id: int):
    thread = _visible_thread(thread_id)
    services.unwatch_thread(current_user, thread)
    flash("You no longer watch this thread.", "success")
    return _back(_thread_url(thread))


@bp.post("/b/<slug>/watch")
@login_required
def watch_board(slug: str):
    board = get_board_or_404(slug)
    services.watch_board(current_user, board)
    flash("You are watching this board: each new thread shows in your notifications.", "success")
    return _back(url_for("boards.detail", slug=board.slug))


@bp.post("/b/<slug>/unwatch")
@login_required
def unwatch_board(slug: str):
    board = get_board_or_404(slug)
    services.unwatch_board(current_user, board)
    flash("You no longer watch this board.", "success")
    return _back(url_for("boards.detail", slug=board.slug))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    # On POST only what was sent counts: an unticked box sends nothing at all.
    form = (
        AutoWatchForm()
        if request.method == "POST"
        else AutoWatchForm(
            data={
                "auto_watch": current_user.auto_watch,
                "notify_reactions": current_user.notify_reactions,
            }
        )
    )
    if form.validate_on_submit():
        services.set_auto_watch(
            current_user, form.auto_watch.data, reactions=form.notify_reactions.data
        )
        flash(
            "Threads you start or reply to are watched."
            if form.auto_watch.data
            else "Threads you start or reply to are no longer watched automatically.",
            "success",
        )
        return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html",
        form=form,
        action_form=EmptyForm(),
        watched=services.list_watched(current_user),
    ), 422 if form.errors else 200


# -- the notifications page -------------------------------------------------------------


@bp.get("/notifications")
@login_required
def index():
    page = services.list_notifications(current_user, page_arg(), PER_PAGE)
    newest = max((n.updated_at for n in page.items if n.read_at is None), default=None)
    return render_template(
        "notifications/index.html",
        page=page,
        describe=services.describe,
        form=MarkAllReadForm(data={"until": newest.isoformat() if newest else ""}),
    )


@bp.get("/notifications/<int:notification_id>")
@writes_on_get  # opening a notification marks it read
@login_required
def follow(notification_id: int):
    notification = services.open_notification(current_user, notification_id)
    if notification.post is not None and notification.kind not in services.OWN_PAGE_KINDS:
        return redirect(post_url(notification.post))
    return redirect(services.target_path(notification))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    form = MarkAllReadForm()
    until = None
    if form.until.data:
        try:
            until = datetime.fromisoformat(form.until.data)
        except ValueError:
            until = None
    if until is not None and until.tzinfo is None:
        until = None
    marked = services.mark_all_read(current_user, until)
    flash(
        f"{marked} notification{'s' if marked != 1 else ''} marked read."
        if marked
        else "Nothing unread.",
        "success",
    )
    return redirect(url_for("notifications.index"))
