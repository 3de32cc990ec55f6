from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from forum.accounts.services import PSEUDONYM_MAX
from forum.forms import ForumForm

_pseudonym = {
    "validators": [DataRequired("Please choose a pseudonym.")],
    "render_kw": {"maxlength": PSEUDONYM_MAX, "autocomplete": "off", "spellcheck": "false"},
}


class DevLoginForm(ForumForm):
    pseudonym = StringField("Pseudonym", **_pseudonym)
    remember = BooleanField("Keep me signed in on this device")


class OnboardingForm(ForumForm):
    pseudonym = StringField("Pseudonym", **_pseudonym)
    accept_guidelines = BooleanField(
        "I have read the community guidelines and the medical disclaimer, and I accept them.",
        validators=[DataRequired("Please read and accept the guidelines to join.")],
    )
    # Asked apart from the guidelines, never pre-ticked: explicit consent (GDPR art. 9(2)(a)).
    accept_health_data = BooleanField(
        "I consent to Firsthand processing the health information in what I post, as "
        "described above.",
        validators=[
            DataRequired(
                "Firsthand can only keep what you write about your health with your consent. "
                "Please tick the box to join; without it no account is created."
            )
        ],
    )
    remember = BooleanField("Keep me signed in on this device")


class SecondFactorForm(ForumForm):
    """A code from the authenticator app, or (to verify, not to enrol) a recovery code."""

    code = StringField(
        "Code",
        validators=[DataRequired("Please type the code."), Length(max=40)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "off",
            "spellcheck": "false",
            "maxlength": 40,
        },
    )
