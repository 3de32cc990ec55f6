from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from forum.accounts.services import PSEUDONYM_MAX


class DevLoginForm(FlaskForm):
    pseudonym = StringField(
        "Pseudonym",
        validators=[DataRequired("Please choose a pseudonym.")],
        render_kw={"maxlength": PSEUDONYM_MAX, "autocomplete": "username"},
    )
