from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from forum.forms import FITS_COLUMN, ForumForm, id_list
from forum.moderation.models import FLAG_REASONS

_reason = StringField("Reason (the member sees it)", validators=[Optional(), Length(max=500)])


class FlagForm(ForumForm):
    reason = RadioField(
        "Why should moderators look at this post?",
        choices=[SelectChoice(value, label) for value, label in FLAG_REASONS.items()],
        validators=[DataRequired("Please choose a reason.")],
    )
    note = TextAreaField(
        "Anything moderators should know (required for “Other”)",
        validators=[Optional(), Length(max=500)],
    )


class DecisionForm(ForumForm):
    decision = HiddenField(validators=[DataRequired()])
    flag_ids = HiddenField(validators=[id_list])
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), FITS_COLUMN])
    reason = _reason


class ReasonForm(ForumForm):
    reason = _reason


class MoveForm(ForumForm):
    board = SelectField("Move to board", validators=[DataRequired()])
    reason = _reason


class RenameThreadForm(ForumForm):
    title = StringField("New title", validators=[DataRequired(), Length(min=5, max=150)])
    reason = _reason


class SanctionForm(ForumForm):
    kind = SelectField(
        "Sanction",
        choices=[
            SelectChoice("warning", "Warning (a message, no restriction)"),
            SelectChoice("silence", "Silence (can read, cannot post, edit or flag)"),
            SelectChoice("suspension", "Suspension (cannot sign in)"),
            SelectChoice("ban", "Ban (permanent suspension)"),
        ],
    )
    reason = TextAreaField(
        "Reason (the member sees it)", validators=[DataRequired("Please give a reason.")]
    )
    ends_at = DateTimeLocalField(
        "Ends (UTC; for silence and suspension)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )


class TrustLevelForm(ForumForm):
    """A member's trust level set by hand (forum/policy/trust.py); "auto" gives it back to
    the computation. Shown with the prefix "trust", beside the sanction form's fields."""

    level = SelectField(
        "Trust level",
        choices=[
            SelectChoice("auto", "As computed"),
            SelectChoice("new", "New member"),
            SelectChoice("member", "Member"),
            SelectChoice("established", "Established member"),
        ],
    )
    reason = TextAreaField(
        "Why (for the moderation log; the member does not see it)",
        validators=[DataRequired("Please say why."), Length(max=500)],
    )


class AppealForm(ForumForm):
    text = TextAreaField(
        "Why should this sanction be lifted?",
        validators=[DataRequired("Please explain."), Length(min=10, max=2000)],
    )


class AppealDecisionForm(ForumForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = _reason


class ExcludeReportForm(ForumForm):
    """Leave an experience report out of its treatment's figures."""

    reason = StringField(
        "Reason (the author sees it)",
        validators=[DataRequired("Please give a reason (the author sees it)."), Length(max=500)],
    )


class ExclusionDecisionForm(ForumForm):
    """Decide a member's appeal of a report's exclusion."""

    decision = RadioField(
        "Decision",
        choices=[
            SelectChoice("upheld", "Uphold: the report stays out of the figures"),
            SelectChoice("overturned", "Overturn: the report counts again"),
        ],
        validators=[DataRequired("Please choose uphold or overturn.")],
    )
    reason = StringField(
        "Reason (the author sees it)",
        validators=[DataRequired("Please give a reason (the author sees it)."), Length(max=500)],
    )
