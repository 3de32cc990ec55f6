from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired

from forum.accounts.services import PSEUDONYM_MAX
from forum.forms import ForumForm


class ConsentForm(ForumForm):
    # Never pre-ticked: consent is an act of the member, not a default.
    accept_health_data = BooleanField(
        "I consent to Firsthand processing the health information in what I post, as "
        "described above.",
        validators=[
            DataRequired("Please tick the box to consent, or delete your account if you do not.")
        ],
    )


class DeleteAccountForm(ForumForm):
    # No default on either question: the member chooses each outcome themselves.
    posts = RadioField(
        "Your posts and private messages",
        choices=[
            SelectChoice(
                "delete",
                "Delete my posts and messages: their text is erased; a placeholder "
                "keeps others' replies in order, and threads I started are renamed "
                "“Deleted thread”.",
            ),
            SelectChoice(
                "keep",
                "Keep my posts for other patients, and my messages for the members I wrote "
                "to, shown as written by “former member”, with my pseudonym removed.",
            ),
        ],
        validators=[DataRequired("Please choose what happens to your posts.")],
    )
    reports = RadioField(
        "Your experience reports",
        choices=[
            SelectChoice("delete", "Delete my experience reports."),
            SelectChoice(
                "keep",
                "Keep my answers only as anonymous figures in the treatments' "
                "outcomes, without their history or my disclosure text.",
            ),
        ],
        validators=[DataRequired("Please choose what happens to your experience reports.")],
    )
    confirmation = StringField(
        "Type your pseudonym to confirm",
        validators=[DataRequired("Type your pseudonym to confirm.")],
        render_kw={"maxlength": PSEUDONYM_MAX, "autocomplete": "off", "spellcheck": "false"},
    )
