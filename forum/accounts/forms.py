from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from forum.accounts.services import INTEREST_MAX, PSEUDONYM_MAX


class RenameForm(FlaskForm):
    pseudonym = StringField(
        "New pseudonym",
        validators=[DataRequired("Please choose a pseudonym.")],
        render_kw={"maxlength": PSEUDONYM_MAX, "autocomplete": "off", "spellcheck": "false"},
    )


class InterestForm(FlaskForm):
    # Empty withdraws the declaration; the service checks the length.
    interest = StringField(
        "Declared interest",
        render_kw={"maxlength": INTEREST_MAX, "autocomplete": "off"},
    )


class HistoryPrivacyForm(FlaskForm):
    hide_history = BooleanField("Show my recent posts on my profile to signed-in members only")
