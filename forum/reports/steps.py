"""The report form in steps (issue 22): 1. the story and its title, 2. the essentials,
3. the details, 4. a preview and who can read it. Each step is a page and a POST; every
POST first keeps what was sent in the member's draft (forum/reports/drafts.py), so going
back, leaving, or another device never loses an answer.

What the steps share with the views: which fields each step holds, the form rebuilt from a
draft's answers, and the checks of one step or of the whole report."""

from dataclasses import dataclass

from flask import render_template
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from forum.boards.models import Board
from forum.content import render_markdown
from forum.drafts.models import Draft
from forum.errors import DomainError
from forum.forms import show_domain_error
from forum.policy.viewer import needs_approval
from forum.reports import drafts, services, vocab
from forum.reports.forms import report_form

STEPS = {
    1: "Your story",
    2: "The essentials",
    3: "Details",
    4: "Preview and who can read it",
}
FIRST, LAST = 1, 4

# The fields each step shows and saves. The side effects (effect_<code>) are step 3's too;
# their codes depend on the treatment (vocab.FAMILY_SIDE_EFFECTS).
STEP_FIELDS = {
    1: ("title", "body"),
    2: ("treatment", "pain_before", "pain_best", "pgic"),
    3: (
        "percent_relief",
        "confirm_estimate",
        "onset_days",
        "relief_weeks",
        "relief_ongoing",
        "times_had",
        "procedure_month",
        "procedure_year",
        "body_region",
        "sedation",
        "imaging",
        "trial_result",
        "cost_bracket",
        "currency",
        "complications",
        "recovery_days",
        "stop_reason",
        "would_repeat",
        "would_recommend",
        "has_conflict",
        "conflict_disclosure",
        # A service's refusal of the side effects as a whole (services.clean_answers).
        "side_effects",
    ),
    4: ("visibility",),
}
# Checkbox groups: posted as several values, or none at all when nothing is ticked.
LISTS = frozenset({"complications"})
# Fields of every step: the thread's key (one thread however often "Post report" is sent)
# and the treatment, shown on step 2 and carried by the others.
CARRIED = ("submission_key", "treatment")


def step_of(name: str | None) -> int:
    """The step that holds a field (a refusal about the whole form: the last step)."""
    if name and name.startswith("effect_"):
        return 3
    return next((step for step, names in STEP_FIELDS.items() if name in names), LAST)


def step_arg(value: str | None, draft: Draft) -> int:
    """The step asked for in the address, else where the member left off."""
    try:
        step = int(value) if value else draft.step or FIRST
    except ValueError:
        step = FIRST
    return min(max(step, FIRST), LAST)


def posted_answers(form: MultiDict, step: int) -> dict:
    """What a step's POST (or the autosave, which sends the step's form as it is) gives
    the draft: that step's fields, a box left unticked as empty. Step 3's side effects are
    the ones its form showed (the treatment decides which)."""
    effects = (
        [
            name
            for name in form
            if name.startswith("effect_") and name.removeprefix("effect_") in vocab.SIDE_EFFECTS
        ]
        if step == 3
        else []
    )
    names = [*STEP_FIELDS[step], *effects]
    answers = {name: form.getlist(name) if name in LISTS else form.get(name, "") for name in names}
    for name in CARRIED:
        if form.get(name):
            answers[name] = form[name]
    return answers


@dataclass
class StepForm:
    """The whole report form, filled with a draft's answers, and its treatment."""

    form: object
    treatment: Board | None


def draft_form(answers: dict | None, board: Board, wanted: str | None = None) -> StepForm:
    """The report form holding a draft's `answers`. The treatment is `wanted` (a link or
    the community boards' picker names it), else the draft's, else a treatment board's."""
    treatments = services.list_treatments()
    answers = answers or {}
    default = board.slug if board.takes_reports else ""
    slug = wanted or answers.get("treatment") or default
    treatment = next((t for t in treatments if t.slug == slug), None)
    formdata = MultiDict()
    for name, value in answers.items():
        formdata.setlist(name, value if isinstance(value, list) else [value])
    formdata["treatment"] = treatment.slug if treatment else ""
    formdata["shown_family"] = treatment.family if treatment else ""
    # The CSRF token was checked on the request that saved these answers.
    form = report_form(
        treatment.family if treatment else None,
        with_thread=True,
        formdata=formdata,
        meta={"csrf": False},
    )
    form.treatment.choices = [SelectChoice("", "Choose a treatment…")] + [
        SelectChoice(t.slug, t.name) for t in treatments
    ]
    return StepForm(form, treatment)


def step_errors(form, step: int) -> bool:
    """Check the whole form but keep only the messages of `step`'s fields, to show on
    that step. Returns whether there were any."""
    form.validate()
    for field in form:
        if field.errors and step_of(field.name) != step:
            field.errors = []
    return any(field.errors for field in form)


def first_step_in_error(form) -> int | None:
    """Check the whole report; the first step holding an error (whose messages alone are
    then kept), or None when every answer passes the form's checks."""
    if form.validate():
        return None
    step = min(step_of(field.name) for field in form if field.errors)
    step_errors(form, step)
    return step


def post_draft_form(board: Board, draft: Draft, shown: StepForm):
    """The last step's "Post report": the whole draft checked as one report, by the form,
    then by the service (drafts.post_draft). Returns (the new post, None, 302), or (None, the step
    holding what stopped it, the status), with the message on the form."""
    form = shown.form
    step = first_step_in_error(form)
    if step is not None:
        return None, step, 422
    try:
        post = drafts.post_draft(
            current_user,
            board,
            draft,
            form.title.data,
            form.body.data,
            form.answers(shown.treatment),
            form.submission_key.data,
            visibility=form.visibility.data,
            confirmed_estimate=form.confirm_estimate.data,
        )
    except DomainError as error:
        if isinstance(error, services.EstimateDiffers):
            form.asks_confirmation = True  # the box to confirm both answers
        if isinstance(error, services.DuplicateReport):
            form.duplicate_post_id = error.post_id  # the link to update that report
        show_domain_error(form, error)
        return None, step_of(error.field), error.status_code
    return post, None, 302


def preview(shown: StepForm) -> dict:
    """The last step's preview: the report card and the story as they will appear (the
    story through the one sanitiser, not stored), or what is still missing, each with the
    step to fix it on. Nothing is marked on the page's own fields: a choice not yet made
    there is not an error until "Post report"."""
    form = shown.form
    missing = []
    if not form.validate():
        missing = sorted(
            (
                (message, step_of(field.name), field.id)
                for field in form
                if step_of(field.name) != LAST
                for message in field.errors
            ),
            key=lambda item: item[1],
        )
        for field in form:
            field.errors = []
    if missing or shown.treatment is None:
        return {"missing": missing}
    try:
        # The estimate's check waits for "Post report", which asks on step 3 if need be.
        answers = services.clean_answers(form.answers(shown.treatment), confirmed_estimate=True)
    except DomainError as error:
        return {"missing": [(error.message, step_of(error.field), error.field or "")]}
    return {"missing": [], "answers": answers, "story_html": render_markdown(form.body.data)}


def render_step(board: Board, draft: Draft, shown: StepForm, step: int, status: int = 200):
    """A step's page: its fields, the steps around it and, last, the preview."""
    context = preview(shown) if step == LAST and status == 200 else {}
    return render_template(
        "reports/create.html",
        board=board,
        draft=draft,
        form=shown.form,
        treatment=shown.treatment,
        step=step,
        steps=STEPS,
        waits=needs_approval(current_user),
        **context,
    ), status


DRAFT_SAVED = (
    "Draft saved. Continue here or from any device: “Share your experience” on this board, "
    "or Drafts in your menu."
)
