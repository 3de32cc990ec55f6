from wtforms import EmailField, RadioField, SelectChoice
from wtforms.validators import DataRequired, Length

from forum.forms import ForumForm
from forum.mail.services import ADDRESS_MAX

FREQUENCIES = {
    "instant": "As it happens: one e-mail for each notification",
    "daily": "A daily digest: at most one e-mail a day",
    "none": "None: notifications only on the site",
}


class EmailSettingsForm(ForumForm):
    # The address is checked by the service (forum.mail.services.normalise_address), so the
    # form and the rules cannot drift apart.
    address = EmailField(
        "E-mail address for notifications",
        validators=[
            DataRequired("Please enter an e-mail address."),
            Length(max=ADDRESS_MAX, message="That address is too long."),
        ],
        render_kw={"maxlength": ADDRESS_MAX, "autocomplete": "email", "spellcheck": "false"},
    )
    frequency = RadioField(
        "How often",
        choices=[SelectChoice(value, label) for value, label in FREQUENCIES.items()],
        validators=[DataRequired("Please choose how often.")],
    )
