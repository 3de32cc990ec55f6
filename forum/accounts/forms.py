from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from forum.accounts.services import INTEREST_MAX, PSEUDONYM_MAX
from forum.forms import ForumForm


class RenameForm(ForumForm):
    pseudonym = StringField(
        "New pseudonym",
        validators=[DataRequired("Please choose a pseudonym.")],
        render_kw={"maxlength": PSEUDONYM_MAX, "autocomplete": "off", "spellcheck": "false"},
    )


class InterestForm(ForumForm):
    # Empty withdraws the declaration; the service checks the length.
    interest = StringField(
        "Declared interest",
        render_kw={"maxlength": INTEREST_MAX, "autocomplete": "off"},
    )


class HistoryPrivacyForm(ForumForm):
    hide_history = BooleanField("Show my recent posts on my profile to signed-in members only")
