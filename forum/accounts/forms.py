from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from forum.accounts.services import PSEUDONYM_MAX


class RenameForm(FlaskForm):
    pseudonym = StringField(
        "New pseudonym",
        validators=[DataRequired("Please choose a pseudonym.")],
        render_kw={"maxlength": PSEUDONYM_MAX, "autocomplete": "off", "spellcheck": "false"},
    )
