from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from forum.auth.gate import second_factor_gate
from forum.boards.services import get_board_or_404
from forum.caching import for_visitors, tags_this_page
from forum.drafts.models import Draft, DraftKind
from forum.drafts.services import find_draft
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import limiter, member_or_address
from forum.forms import EmptyForm, id_arg, page_arg, submit_form
from forum.links import post_url
from forum.moderation.services import moderator_edit
from forum.policy import threads as policy
from forum.policy.trust import limit_for_level
from forum.policy.viewer import check_can_participate, is_moderator, needs_approval
from forum.reactions.services import list_posts_most_helpful
from forum.reports.integrity import exclusion_notes
from forum.threads import services
from forum.threads.blocks import render_posts
from forum.threads.deletion import undo_delete_post
from forum.threads.forms import EditPostForm, ReplyForm, ThreadForm, VisibilityForm
from forum.threads.marks import load_page_marks
from forum.threads.pages import (
    after_writing_url,
    history_refused,
    members_only_page,
    not_for_crawlers,
)
from forum.threads.presenters import present_posts, reply_offer
from forum.threads.versions import thread_head_or_404

bp = Blueprint("threads", __name__)


def _restore(form, draft: Draft | None) -> None:
    """Fill a form just opened with the member's draft (from any device)."""
    if draft is None or request.method != "GET":
        return
    for name, value in (draft.answers or {}).items():
        if name in form and name not in ("csrf_token", "submission_key"):
            form[name].data = value


@bp.get("/t/<int:thread_id>")
@bp.get("/t/<int:thread_id>/<slug>")
def detail(thread_id: int, slug: str | None = None):
    # The member themselves, not the proxy: the policy asks about them once per post, and
    # each question through the proxy costs as much as the answer.
    viewer = current_user._get_current_object()
    number = page_arg()
    per_page = current_app.config["POSTS_PER_PAGE"]
    # "Most helpful first" (?sort=helpful): its pages are not the thread's positions that
    # the head's versions describe, so they are rendered afresh, for visitors too.
    helpful = request.args.get("sort") == "helpful"
    # A visitor's page starts from the thread's head: who may read it and its page's row
    # versions in one statement, so a copy that is current costs nothing more. A member's
    # page is never cached: it starts from the thread itself.
    from_head = tags_this_page() and not helpful
    draft = None  # the member's reply, being written: for the reply box
    if from_head:
        thread = thread_head_or_404(thread_id, number, per_page)
    elif viewer.is_authenticated:
        thread, draft = services.get_thread_and_reply_draft_or_404(viewer, thread_id)
    else:
        thread = services.get_thread_or_404(thread_id)
    if not policy.may_see_thread(viewer, thread):
        abort(404)
    if slug != thread.slug:
        return redirect(
            url_for("threads.detail", thread_id=thread.id, slug=thread.slug, **request.args),
            301,
        )

    def loaded_thread():  # the thread with its board and author, for the templates
        return services.get_thread_or_404(thread_id) if from_head else thread

    if not policy.may_read_posts(viewer, thread):
        return members_only_page(loaded_thread())
    visibility_form = None
    if policy.may_change_visibility(viewer, thread):
        # The button offers the other choice.
        other = "public" if thread.is_members_only else "members"
        visibility_form = VisibilityForm(data={"visibility": other})

    def render() -> str:
        loaded = loaded_thread()
        if helpful:
            page = list_posts_most_helpful(loaded, number, per_page)
        else:
            page = services.list_posts(loaded, number, per_page, viewer=viewer)
        reply = reply_offer(viewer, loaded)
        # How far the member had read, what they kept, who reacted: one statement.
        marks = load_page_marks(viewer, loaded.id, page.items)
        # Only for who may reply: building it starts a session (its CSRF token), and a
        # visitor's page sets no cookie.
        reply_form = ReplyForm() if not page.has_next and reply == "form" else None
        if reply_form is not None:
            _restore(reply_form, draft)
        views = present_posts(viewer, page.items, loaded, marks.blocked, marks.unquotable)
        # A report left out of the figures, for its author and the moderators.
        exclusions = exclusion_notes(viewer, page.items)
        html = render_template(
            "threads/detail.html",
            thread=loaded,
            page=page,
            posts=render_posts(views, loaded, exclusions, marks.bookmarks, marks.reactors),
            reply=reply,
            thread_tools=is_moderator(viewer),
            reply_form=reply_form,
            draft=draft if reply_form is not None else None,
            visibility_form=visibility_form,
            public=policy.is_public(thread),
            # Read in order only: a page sorted by helpfulness skips posts in between.
            first_unread=None if helpful else marks.first_unread(page.items),
            sort="helpful" if helpful else None,
        )
        if not helpful:
            marks.record(viewer, loaded.id, page.items, last_page=not page.has_next)
        return html

    if helpful:
        return not_for_crawlers(make_response(render()), thread)
    response = for_visitors(render, lambda: (per_page, thread.versions))
    return not_for_crawlers(response, thread)


@bp.post("/t/<int:thread_id>/visibility")
@login_required
def change_visibility(thread_id: int):
    thread = services.get_thread_or_404(thread_id)
    if not policy.may_see_thread(current_user, thread):
        abort(404)
    form = VisibilityForm()
    if not form.validate_on_submit():
        abort(400)
    page = url_for("threads.detail", thread_id=thread.id, slug=thread.slug)
    if current_user.id != thread.author_id and (gate := second_factor_gate(back=page)):
        return gate  # changing someone else's thread is moderation
    services.set_thread_visibility(current_user, thread, form.visibility.data)
    flash(
        "Only signed-in members can read this thread now."
        if thread.is_members_only
        else "Everyone can read this thread now.",
        "success",
    )
    return redirect(page)


@bp.get("/p/<int:post_id>")
def permalink(post_id: int):
    post = services.get_post_or_404(post_id)
    # A post with a place in a thread the viewer may see leads there (as a placeholder at
    # worst: it names nothing the thread's page does not); anything else is not there.
    if not policy.may_see_post(current_user, post):
        abort(404)
    return redirect(post_url(post))


@bp.route("/b/<slug>/new", methods=["GET", "POST"])
@login_required
@limiter.limit(limit_for_level("posts"), key_func=member_or_address, methods=["POST"])
@limiter.limit(limit_for_level("threads"), key_func=member_or_address, methods=["POST"])
def create(slug: str):
    board = get_board_or_404(slug)
    form = ThreadForm()
    post, status = submit_form(
        form,
        lambda: services.create_thread(
            current_user,
            board,
            form.title.data,
            form.body.data,
            form.submission_key.data,
            visibility=form.visibility.data,
        ),
    )
    if post:
        return redirect(after_writing_url(post))
    draft = find_draft(current_user, DraftKind.THREAD, board)
    _restore(form, draft)
    return render_template(
        "threads/create.html",
        board=board,
        form=form,
        waits=needs_approval(current_user),
        draft=draft,
    ), status


@bp.route("/t/<int:thread_id>/reply", methods=["GET", "POST"])
@login_required
@limiter.limit(limit_for_level("posts"), key_func=member_or_address, methods=["POST"])
def reply(thread_id: int):
    thread = services.get_thread_or_404(thread_id)
    if not policy.may_read_posts(current_user, thread):
        abort(404)
    form = ReplyForm()
    post, status = submit_form(
        form,
        lambda: services.reply_to_thread(
            current_user, thread, form.body.data, form.submission_key.data
        ),
    )
    if post:
        return redirect(after_writing_url(post))
    draft = find_draft(current_user, DraftKind.REPLY, thread.board, thread)
    _restore(form, draft)
    if request.method == "GET" and (quote_id := id_arg("quote")):
        try:
            quoted = services.get_post_or_404(quote_id)
        except NotFound:
            quoted = None  # a stale or made-up link still opens the reply form, unquoted
        if (
            quoted is not None
            and quoted.thread_id == thread.id
            and policy.may_quote(current_user, quoted)
        ):
            try:
                quote = services.quote_post(
                    current_user, quoted, url_for("threads.permalink", post_id=quoted.id)
                )
            except DomainError as refusal:  # its author does not take quotes from them
                flash(refusal.message, "error")
            else:
                # Quoting adds to the reply already being written.
                form.body.data = f"{form.body.data}\n\n{quote}" if form.body.data else quote
    return render_template(
        "threads/reply.html",
        thread=thread,
        form=form,
        waits=needs_approval(current_user),
        draft=draft,
    ), status


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = services.get_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    if refusal := policy.edit_refusal(current_user, post, sanctions_aside=True):
        raise NotAllowed(refusal)
    if current_user.id != post.author_id and (gate := second_factor_gate()):
        return gate  # editing someone else's post is moderation
    if request.method == "GET":
        # A sanction says so at once; a form already sent comes back with its text and the
        # sanction's message (the service refuses it).
        check_can_participate(current_user)
    form = EditPostForm(
        data={"title": post.thread.title, "body": post.body_source, "version": post.version}
    )
    if not post.is_first:
        del form.title
    title = (lambda: form.title.data) if post.is_first else (lambda: None)
    if current_user.id == post.author_id:
        del form.reason
        edited, status = submit_form(
            form,
            lambda: services.edit_post(
                current_user, post, form.body.data, form.version.data, title=title()
            ),
        )
    else:  # a moderator's edit: logged, flags upheld, the author sees the reason
        edited, status = submit_form(
            form,
            lambda: moderator_edit(
                current_user,
                post,
                form.body.data,
                form.version.data,
                form.reason.data,
                title=title(),
            ),
        )
    if edited and current_user.id == edited.author_id:
        return redirect(after_writing_url(edited))
    if edited:
        return redirect(post_url(edited))
    conflict = status == Conflict.status_code
    if conflict:
        # The page now shows the current version: saving again replaces it knowingly.
        form.version.data, form.version.raw_data = post.version, None
    return render_template("threads/edit.html", post=post, form=form, conflict=conflict), status


@bp.get("/p/<int:post_id>/history")
def history(post_id: int):
    post = services.get_post_or_404(post_id)
    if (response := history_refused(post, "post")) is not None:
        return response
    return not_for_crawlers(
        make_response(
            render_template(
                "threads/history.html",
                post=post,
                versions=services.list_versions(post, current_user),
            )
        ),
        post.thread,
    )


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    post = services.get_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        services.delete_post(current_user, post)
        return redirect(post_url(post))
    if not policy.may_delete_post(current_user, post):
        raise NotAllowed("You can only delete your own posts.")
    return render_template("threads/delete.html", post=post, form=form)


@bp.post("/p/<int:post_id>/undelete")
@login_required
def undelete(post_id: int):
    """The author brings back a post they deleted (forum/threads/deletion.py)."""
    post = services.get_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    undo_delete_post(current_user, post)
    flash("Your post is back where it was.", "success")
    return redirect(post_url(post))
