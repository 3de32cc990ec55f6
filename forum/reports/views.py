import csv
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms import SelectChoice

from forum.boards.models import Board
from forum.boards.services import get_board_or_404
from forum.caching import for_visitors
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import configured_limit, limiter, member_or_address, utcnow
from forum.forms import submit_form
from forum.links import absolute_url, post_url, safe_next
from forum.policy import reports as report_policy
from forum.policy import threads as policy
from forum.policy.trust import limit_for_level
from forum.policy.viewer import check_can_participate
from forum.reports import drafts, followups, integrity, releases, services, steps
from forum.reports import opendata as stats
from forum.reports.forms import (
    ExclusionAppealForm,
    FollowupForm,
    OutcomeFilterForm,
    RemindersForm,
    report_form,
)
from forum.reports.outcomes import MIN_N
from forum.threads.pages import (
    after_writing_url,
    history_refused,
    not_for_crawlers,
)
from forum.threads.services import get_post_or_404

bp = Blueprint("reports", __name__)

FAMILY_CHANGED = (
    "You changed the treatment, and its list of side effects is different: please check "
    "that part again before saving. Everything else you typed is kept."
)


def _report_form(default: Board | None):
    """The report form for the treatment asked for (by the form or the address), else
    `default`. Returns (form, treatment or None, whether the member switched to a
    treatment whose side-effect list the form did not show)."""
    treatments = services.list_treatments()
    # A posted form names its treatment; a link (the community boards' picker) may too.
    source = request.form if request.method == "POST" else request.args
    wanted = source.get("treatment") or (default.slug if default else "")
    treatment = next((t for t in treatments if t.slug == wanted), None)
    form = report_form(treatment.family if treatment else None)
    form.treatment.choices = [SelectChoice("", "Choose a treatment…")] + [
        SelectChoice(t.slug, t.name) for t in treatments
    ]
    if request.method == "GET":
        form.treatment.data = treatment.slug if treatment else ""
    family = treatment.family if treatment else ""
    switched = request.method == "POST" and bool(treatment) and form.shown_family.data != family
    form.shown_family.data = family
    return form, treatment, switched


def _submit(form, switched: bool, action):
    if switched:
        form.validate()
        form.form_errors.append(FAMILY_CHANGED)
        return None, 422

    def run():
        try:
            return action()
        except services.EstimateDiffers:
            form.asks_confirmation = True  # the box to confirm both answers
            raise
        except services.DuplicateReport as error:
            form.duplicate_post_id = error.post_id  # the link to update that report
            raise

    return submit_form(form, run)


@bp.route("/b/<slug>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(configured_limit("RATELIMIT_DRAFTS"), key_func=member_or_address, methods=["POST"])
def create(slug: str):
    """Share an experience, in steps (forum/reports/steps.py): a new thread whose first
    post carries the report. A step's POST keeps its answers in the member's draft, then
    goes on (once that step's answers pass), back (whatever they are), or stays."""
    board = get_board_or_404(slug)
    draft = drafts.get_or_start_draft(current_user, board)
    step = steps.step_arg(request.args.get("step"), draft)
    if request.method == "GET":
        shown = steps.draft_form(draft.answers, board, request.args.get("treatment"))
        return steps.render_step(board, draft, shown, step)
    action = request.form.get("action", "continue")
    posted = steps.posted_answers(request.form, step)
    shown = steps.draft_form({**(draft.answers or {}), **posted}, board)
    if action == "continue" and steps.step_errors(shown.form, step):
        draft = drafts.save_draft(current_user, board, posted, step)
        return steps.render_step(board, draft, shown, step, 422)
    target = {"back": step - 1, "continue": step + 1}.get(action, step)
    target = min(max(target, steps.FIRST), steps.LAST)
    drafts.save_draft(current_user, board, posted, target)
    if action == "save":
        flash(steps.DRAFT_SAVED, "success")
    return redirect(url_for("reports.create", slug=board.slug, step=target))


@bp.post("/b/<slug>/report/post")
@login_required
@limiter.limit(limit_for_level("posts"), key_func=member_or_address)
@limiter.limit(limit_for_level("threads"), key_func=member_or_address)
def post_report(slug: str):
    """The last step's "Post report": every answer of the draft is checked as one report
    (the form's checks, then the service's); a refusal shows the step holding the answer."""
    board = get_board_or_404(slug)
    draft = drafts.get_or_start_draft(current_user, board)
    key = request.form.get("submission_key")
    if draft.id is None and (posted := drafts.find_posted(current_user, key)):
        # Sent twice: the first filed the report and deleted the draft.
        return redirect(after_writing_url(posted))
    answers = steps.posted_answers(request.form, steps.LAST)
    draft = drafts.save_draft(current_user, board, answers, steps.LAST)
    shown = steps.draft_form(draft.answers, board)
    post, step, status = steps.post_draft_form(board, draft, shown)
    if post:
        # As for any new thread: a story that matched a crisis phrase shows helplines first.
        return redirect(after_writing_url(post))
    return steps.render_step(board, draft, shown, step, status)


def _refuse_unless(rule, post, message: str) -> None:
    """Refuse a member the policy does not allow. One held back only by a sanction is told
    why when opening the form; a form they already sent goes on to the service, which
    refuses it with the reason and keeps their answers on the form."""
    if not rule(current_user, post, sanctions_aside=True):
        raise NotAllowed(message)
    if request.method == "GET":
        check_can_participate(current_user)


@bp.route("/p/<int:post_id>/report/add", methods=["GET", "POST"])
@login_required
def add(post_id: int):
    """Attach a report to the first post of a thread the member started."""
    post = get_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    if post.report is not None:
        return redirect_to(post, "reports.edit")
    _refuse_unless(
        policy.may_add_report,
        post,
        "Only the member who started a thread can add its experience report.",
    )
    form, treatment, switched = _report_form(post.thread.board)
    report, status = _submit(
        form,
        switched,
        lambda: services.add_report(
            current_user,
            post,
            form.answers(treatment),
            confirmed_estimate=form.confirm_estimate.data,
        ),
    )
    if report:
        return redirect_to(post)
    return render_template(
        "reports/edit.html", post=post, form=form, treatment=treatment, adding=True
    ), status


@bp.route("/p/<int:post_id>/report/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    """Update a report; the previous answers stay in its history."""
    post = services.get_report_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    report = post.report
    _refuse_unless(
        policy.may_update_report,
        post,
        "Only its author can update an experience report.",
    )
    form, treatment, switched = _report_form(report.board)
    if request.method == "GET":
        form.fill(report)
    updated, status = _submit(
        form,
        switched,
        lambda: services.update_report(
            current_user,
            report,
            form.answers(treatment),
            form.version.data,
            confirmed_estimate=form.confirm_estimate.data,
        ),
    )
    if updated:
        return redirect_to(post)
    if status == Conflict.status_code:
        # The page shows the current answers on the post; saving again replaces them.
        form.version.data, form.version.raw_data = report.version, None
    return render_template(
        "reports/edit.html", post=post, form=form, treatment=treatment, adding=False
    ), status


@bp.route("/p/<int:post_id>/report/followup", methods=["GET", "POST"])
@login_required
def followup(post_id: int):
    """ "Is it still working?" answered in one step: a new version of the report."""
    post = services.get_report_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    report = post.report
    _refuse_unless(
        policy.may_follow_up_report,
        post,
        "Only its author can answer for an experience report.",
    )
    form = FollowupForm()
    if request.method == "GET":
        form.version.data = report.version
    answered, status = submit_form(
        form,
        lambda: followups.answer_followup(
            current_user, report, form.choice.data, form.week.data, form.version.data
        ),
    )
    if answered:
        if form.choice.data == followups.HAD_IT_AGAIN:
            flash("Your report is updated. Now tell how the new episode went.", "success")
            return redirect(url_for("reports.followup", post_id=post.id, answered="again"))
        flash("Thank you: your report is updated.", "success")
        return redirect_to(post)
    if status == Conflict.status_code:
        # The page shows the report as it is now; answering again starts from it.
        form.version.data, form.version.raw_data = report.version, None
    return render_template(
        "reports/followup.html",
        post=post,
        report=report,
        form=form,
        weeks_so_far=followups.weeks_since_start(report, utcnow()),
        had_it_again=request.args.get("answered") == "again",
    ), status


@bp.post("/p/<int:post_id>/report/reminders")
@login_required
def reminders(post_id: int):
    """Turn a report's follow-up reminders on or off (its author, whatever a sanction)."""
    post = services.get_report_post_or_404(post_id)
    if not policy.may_see_post(current_user, post):
        abort(404)
    if not policy.may_follow_up_report(current_user, post, sanctions_aside=True):
        raise NotAllowed("Only its author can change a report's reminders.")
    form = RemindersForm()
    if not form.validate_on_submit():
        abort(400, "Choose whether the reminders are on or off.")
    on = form.reminders.data == "on"
    followups.set_followup_reminders(current_user, post.report, on)
    flash(
        "Reminders are on: you will be asked whether it is still working."
        if on
        else "No more reminders for this report. You can still update it at any time.",
        "success",
    )
    return redirect(safe_next(form.next.data) if form.next.data else post_url(post))


@bp.post("/p/<int:post_id>/report/appeal")
@login_required
def appeal_exclusion(post_id: int):
    """The author appeals their report's exclusion from the figures; to anyone else
    there is nothing here."""
    post = services.get_report_post_or_404(post_id)
    report = post.report
    exclusion = integrity.standing_exclusion(report.id)
    owner = report_policy.owns_report(current_user, report)
    if exclusion is None or not owner or not policy.may_see_post(current_user, post):
        abort(404)
    form = ExclusionAppealForm()
    appealed, status = submit_form(
        form, lambda: integrity.appeal_exclusion(current_user, report, form.text.data)
    )
    if appealed:
        flash("Your appeal is sent. Another moderator will decide it.", "success")
        return redirect_to(post)
    return render_template("reports/appeal.html", post=post, exclusion=exclusion, form=form), status


@bp.get("/p/<int:post_id>/report/history")
def history(post_id: int):
    post = services.get_report_post_or_404(post_id)
    if (response := history_refused(post, "report")) is not None:
        return response
    return not_for_crawlers(
        make_response(
            render_template(
                "reports/history.html",
                post=post,
                versions=services.list_report_versions(post.report),
            )
        ),
        post.thread,
    )


def redirect_to(post, endpoint: str | None = None):
    return redirect(url_for(endpoint, post_id=post.id) if endpoint else post_url(post))


# -- outcomes --------------------------------------------------------------------------


def _treatment_or_404(slug: str) -> Board:
    board = get_board_or_404(slug)
    if not board.takes_reports:
        abort(404)
    return board


@bp.get("/b/<slug>/outcomes")
def outcomes(slug: str):
    board = _treatment_or_404(slug)
    form = OutcomeFilterForm(request.args)
    if not form.validate():
        return render_template(
            "reports/outcomes.html", board=board, form=form, release=None, outcomes=None
        ), 400
    filters = form.filters()
    release = releases.current_release(board)

    def render() -> str:
        return render_template(
            "reports/outcomes.html",
            board=board,
            form=form,
            release=release,
            outcomes=release.view(filters),
        )

    return for_visitors(render, lambda: (board.row_version, outcomes_version([release])))


def outcomes_version(published: list) -> tuple:
    """What pages built from these releases depend on, for visitors' ETags (the filters
    are in the address)."""
    return tuple(release.version for release in published)


def _open_data(slug: str):
    """The board, its release and the filters asked for, or an error response."""
    board = _treatment_or_404(slug)
    form = OutcomeFilterForm(request.args)
    if not form.validate():
        return board, None, None, form.first_error()
    return board, releases.current_release(board), form.filters(), None


WITHHELD_VIEW = (
    "These filters are withheld in the current release: the reports they select, or the "
    "rest, number fewer than 5, or they differ from another published view by fewer than 5."
)


@bp.get("/b/<slug>/outcomes.json")
def outcomes_json(slug: str):
    board, release, filters, error = _open_data(slug)
    if error:
        return jsonify(error=error), 400

    def render() -> str:
        summary = release.view(filters)
        with_ties = release.with_ties if not filters.active else None
        body = {
            "treatment": {"slug": board.slug, "name": board.name},
            "filters": filters.as_dict(),
            "release": {
                "made_at": release.made_at.isoformat() if release.made_at else None,
                "pending_changes": release.pending,
                "waiting_reports": release.waiting,
            },
            "withheld": summary is None,
            "reports": None if summary is None else summary.n,
            "suppressed": summary is None or summary.suppressed,
            "minimum_reports": MIN_N,
            "note": WITHHELD_VIEW if summary is None else stats.NOTE,
            "licence": stats.LICENCE,
            "licence_url": stats.LICENCE_URL,
            "source": absolute_url("reports.outcomes", slug=board.slug),
            "cells": [] if summary is None else stats.cells(summary),
        }
        if not filters.active:
            # Reports whose authors declared a tie to the treatment are left out above.
            body["declared_ties"] = {
                "reports": release.ties,
                "cells_including_them": None if with_ties is None else stats.cells(with_ties),
            }
        return current_app.json.dumps(body) + "\n"  # as jsonify ends it

    response = for_visitors(render, lambda: outcomes_version([release]))
    response.content_type = "application/json"
    return response


@bp.get("/b/<slug>/outcomes.csv")
def outcomes_csv(slug: str):
    board, release, filters, error = _open_data(slug)
    if error:
        return error, 400, {"Content-Type": "text/plain; charset=utf-8"}

    def render() -> str:
        summary = release.view(filters)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=stats.CELL_FIELDS, lineterminator="\n")
        writer.writeheader()
        for cell in [] if summary is None else stats.cells(summary):
            writer.writerow({**cell, "suppressed": str(cell["suppressed"]).lower()})
        return buffer.getvalue()

    response = for_visitors(render, lambda: outcomes_version([release]))
    response.content_type = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="firsthand-{board.slug}-outcomes.csv"'
    )
    # The licence travels with the file's response; docs/outcomes.md documents the columns.
    response.headers["Link"] = f'<{stats.LICENCE_URL}>; rel="license"'
    return response


@bp.get("/outcomes")
def compare():
    """Up to three treatments side by side: /outcomes?boards=a,b (or boards=a&boards=b)."""
    treatments = services.list_treatments()
    slugs = [s for value in request.args.getlist("boards") for s in value.split(",") if s]
    form = OutcomeFilterForm(request.args)
    context = {"treatments": treatments, "slugs": slugs, "form": form, "summaries": None}
    if not slugs:
        return render_template("reports/compare.html", **context)
    try:
        chosen = services.choose_for_comparison(treatments, slugs)
    except DomainError as error:
        return render_template("reports/compare.html", error=error.message, **context), 400
    if not form.validate():
        return render_template("reports/compare.html", **context), 400
    filters = form.filters()
    published = releases.current_releases(chosen)

    def render() -> str:
        summaries = [(board, published[board.id].view(filters)) for board in chosen]
        return render_template("reports/compare.html", **{**context, "summaries": summaries})

    # The picker names every treatment.
    return for_visitors(
        render,
        lambda: (
            tuple(board.row_version for board in treatments),
            outcomes_version(list(published.values())),
        ),
    )
