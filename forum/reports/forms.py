from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, NumberInput

from forum.forms import FITS_COLUMN, ForumForm, SubmitOnceForm
from forum.reports import followups, vocab
from forum.reports.models import ANSWER_FIELDS
from forum.reports.outcomes import EPISODES, SINCE_YEARS, Filters
from forum.reports.services import DISCLOSURE_MAX
from forum.threads.forms import BODY_VALIDATORS, TITLE_VALIDATORS, unix_newlines, visibility_field

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _choices(options: dict, blank: str | None = "—") -> list[SelectChoice]:
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(str(code), label) for code, label in options.items()]


def _number(label: str, name: str, required: str | None = None) -> IntegerField:
    """A whole-number answer whose range (vocab.RANGES) is checked, never clamped."""
    low, high = vocab.RANGES[name]
    message = f"Please give a whole number from {low} to {high}."
    presence = InputRequired(required) if required else Optional()
    return IntegerField(
        label,
        validators=[presence, NumberRange(low, high, message)],
        widget=NumberInput(min=low, max=high),
    )


def _score(value) -> int | None:
    """A posted answer of a numbered scale: a number the scale offers is checked by the
    field; anything else (nothing chosen yet) is no answer, whose message says what to
    choose, never a coercion error."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _scale(label: str, required: str) -> RadioField:
    """A required 0-10 pain score as a row of radio buttons: tapped, not typed."""
    low, high = vocab.RANGES["pain_before"]
    return RadioField(
        label,
        choices=[SelectChoice(n, str(n)) for n in range(low, high + 1)],
        coerce=_score,
        invalid_choice_message=required,
    )


def _optional_choice(label: str, options: dict) -> SelectField:
    return SelectField(label, choices=_choices(options), validators=[Optional()])


class _CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportFields(ForumForm):
    """The questions of an experience report. `report_form()` adds one severity question
    per side effect of the treatment's family."""

    treatment = SelectField(
        "Treatment this report is about",
        invalid_choice_message="Please choose the treatment this report is about.",
    )
    # The family whose side effects the form showed: if the member picks a treatment of
    # another family, the form is shown again with that family's list.
    shown_family = HiddenField()
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), FITS_COLUMN])

    pain_before = _scale(
        "Pain before: a typical week before the treatment",
        "Pain before is required: choose a number from 0 to 10.",
    )
    pain_best = _scale(
        "Pain at the treatment's best effect",
        "Pain at best effect is required: choose a number from 0 to 10.",
    )
    pgic = RadioField(
        "Overall, since the treatment, your pain is…",
        choices=_choices(vocab.PGIC, blank=None),
        coerce=_score,
        invalid_choice_message="Please choose how your pain changed overall.",
    )
    times_had = _number(
        "How many times have you had this procedure, this one included?", "times_had"
    )
    procedure_month = SelectField(
        "Month of the procedure",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(str(n), month) for n, month in enumerate(MONTHS, start=1)],
        validators=[Optional()],
    )
    procedure_year = _number("Year", "procedure_year")
    body_region = _optional_choice("Where was the pain treated?", vocab.BODY_REGIONS)
    percent_relief = _number("Your own estimate of relief at best, percent", "percent_relief")
    onset_days = _number("Days until relief started (0 to 90)", "onset_days")
    relief_weeks = _number(
        "Weeks the relief lasted, or has lasted so far (0 to 520)", "relief_weeks"
    )
    relief_ongoing = BooleanField("The relief is still going on")
    complications = _CheckboxesField(
        "Serious complications", choices=_choices(vocab.COMPLICATIONS, blank=None)
    )
    recovery_days = _number("Days to recover from the procedure itself (0 to 365)", "recovery_days")
    sedation = _optional_choice("Sedation", vocab.SEDATION)
    imaging = _optional_choice("Imaging guidance", vocab.IMAGING)
    trial_result = _optional_choice("Trial result (implants)", vocab.TRIAL_RESULTS)
    cost_bracket = _optional_choice("What you paid yourself", vocab.COST_BRACKETS)
    currency = _optional_choice("Currency", vocab.CURRENCIES)
    stop_reason = _optional_choice("Why did you stop (or are you still going)?", vocab.STOP_REASONS)
    would_repeat = _optional_choice("Would you have it again?", vocab.YES_NO_UNSURE)
    would_recommend = _optional_choice(
        "Would you recommend it to someone like you?", vocab.YES_NO_UNSURE
    )
    has_conflict = RadioField(
        "Do you have any tie to a clinic, device maker or drug company?",
        choices=[SelectChoice("no", "No"), SelectChoice("yes", "Yes")],
        default="no",
        invalid_choice_message="Please answer the conflict of interest question.",
    )
    conflict_disclosure = StringField(
        "If yes, describe it (shown with your report)",
        validators=[Optional(), Length(max=DISCLOSURE_MAX)],
    )

    # Shown only once the service found the estimate far from the pain scores' change
    # (services.EstimateDiffers), or when it was ticked; nothing about it is stored.
    confirm_estimate = BooleanField(
        "Yes, both are right: my pain scores and my own estimate of relief"
    )
    # Set by the view when the service refused the answers: whether to show the box above,
    # and the post whose report already tells this episode (services.DuplicateReport).
    asks_confirmation = False
    duplicate_post_id: int | None = None

    # Filled in by report_form(): [(code, label)] of the side effects shown.
    side_effect_codes: list[tuple[str, str]] = []

    @property
    def shows_confirmation(self) -> bool:
        return self.asks_confirmation or bool(self.confirm_estimate.data)

    def side_effect_fields(self):
        return [self[f"effect_{code}"] for code, _label in self.side_effect_codes]

    def answers(self, treatment) -> dict:
        """The answers, shaped for the service (which checks them again)."""
        data = {name: self[name].data for name in ANSWER_NAMES}
        data["procedure_month"] = (
            int(self.procedure_month.data) if (self.procedure_month.data) else None
        )
        data["has_conflict"] = self.has_conflict.data == "yes"
        data["side_effects"] = {
            code: self[f"effect_{code}"].data
            for code, _label in self.side_effect_codes
            if self[f"effect_{code}"].data
        }
        data["treatment"] = treatment
        return data

    def fill(self, report) -> None:
        """Show a stored report's answers (for updating it)."""
        for name in ANSWER_NAMES:
            self[name].data = getattr(report, name)
        self.procedure_month.data = str(report.procedure_month or "")
        self.has_conflict.data = "yes" if report.has_conflict else "no"
        for code, _label in self.side_effect_codes:
            self[f"effect_{code}"].data = report.side_effects.get(code, "")
        self.version.data = report.version


# The answers the form holds just as the service takes them; the others are shaped by
# answers() and fill() (the treatment, the month select, side effects, the yes/no radio).
_SHAPED = {"board_id", "procedure_month", "side_effects", "has_conflict"}
ANSWER_NAMES = tuple(name for name in ANSWER_FIELDS if name not in _SHAPED)


class _ThreadReportForm(SubmitOnceForm, ReportFields):
    title = StringField("Title", validators=TITLE_VALIDATORS)
    body = TextAreaField(
        "Your story, in your own words", validators=BODY_VALIDATORS, filters=[unix_newlines]
    )
    # The report starts a thread: its author chooses who may read it, as for any thread.
    visibility = visibility_field()


def report_form(family: str | None, with_thread: bool = False, **kwargs) -> ReportFields:
    """The report form for a treatment family: one severity question per side effect that
    family offers. With `with_thread`, it also asks for the thread's title and story."""
    base = _ThreadReportForm if with_thread else ReportFields
    effects = vocab.side_effects_for(family)
    attrs = {
        # One row of radios per side effect; "None" stays chosen until one is tapped.
        f"effect_{code}": RadioField(
            label,
            choices=_choices(vocab.SEVERITIES, blank="None"),
            default="",
            invalid_choice_message="Please choose none, mild, moderate or severe.",
        )
        for code, label in effects.items()
    }
    attrs["side_effect_codes"] = list(effects.items())
    form_class = type(f"{base.__name__}_{family or 'none'}", (base,), attrs)
    return form_class(**kwargs)


class OutcomeFilterForm(Form):
    """The filters of an outcomes page: a GET form, so no CSRF token."""

    since = SelectField(
        "Procedure within",
        choices=[SelectChoice("", "Any time")]
        + [SelectChoice(str(n), f"the last {n} year{'s' if n > 1 else ''}") for n in SINCE_YEARS],
        default="",
        invalid_choice_message="Choose the last 1, 3 or 5 years, or any time.",
    )
    episode = SelectField(
        "Which procedure",
        choices=[SelectChoice("", "First and repeat")]
        + [SelectChoice(key, label) for key, label in EPISODES.items()],
        default="",
        invalid_choice_message="Choose first procedures, repeat procedures, or both.",
    )

    def filters(self) -> Filters:
        return Filters(int(self.since.data) if self.since.data else None, self.episode.data or None)

    def first_error(self) -> str:
        return next(iter(self.errors.values()))[0]


class FollowupForm(ForumForm):
    """The one-step answer to "Is it still working?" (forum/reports/followups.py)."""

    choice = RadioField(
        "Is it still working?",
        choices=[SelectChoice(code, label) for code, label in followups.CHOICES.items()],
        invalid_choice_message="Please choose one of the three answers.",
    )
    week = IntegerField(
        "Around which week? (for the last two answers, 0 to 520)",
        validators=[
            Optional(),
            NumberRange(
                followups.WEEKS_LOW,
                followups.WEEKS_HIGH,
                f"Please give a whole number from {followups.WEEKS_LOW} to {followups.WEEKS_HIGH}.",
            ),
        ],
        widget=NumberInput(min=followups.WEEKS_LOW, max=followups.WEEKS_HIGH),
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), FITS_COLUMN])


class RemindersForm(ForumForm):
    """The switch of a report's follow-up reminders: the state it asks for, so sending it
    twice changes nothing."""

    reminders = RadioField(
        "Reminders",
        choices=[SelectChoice("on", "On"), SelectChoice("off", "Off")],
        invalid_choice_message="Choose whether the reminders are on or off.",
    )
    next = HiddenField()


class ExclusionAppealForm(ForumForm):
    """The author's appeal of their report's exclusion from the figures."""

    text = TextAreaField(
        "Why should your report count?",
        validators=[
            DataRequired("Please explain why your report should count."),
            Length(min=10, max=2000, message="Please explain in 10 to 2,000 characters."),
        ],
    )
