from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from forum.forms import FITS_COLUMN, ForumForm, SubmitOnceForm
from forum.threads.models import VISIBILITIES
from forum.threads.services import BODY_MAX, TITLE_MAX, TITLE_MIN


def unix_newlines(text: str | None) -> str | None:
    """Browsers send CRLF; count a line break as one character, as the user sees it."""
    return text.replace("\r\n", "\n") if text else text


BODY_VALIDATORS = [
    DataRequired("Please write something."),
    Length(max=BODY_MAX, message=f"A post is at most {BODY_MAX:,} characters long."),
]
TITLE_VALIDATORS = [
    DataRequired("Please give the thread a title."),
    Length(
        min=TITLE_MIN,
        max=TITLE_MAX,
        message=f"A title is {TITLE_MIN} to {TITLE_MAX} characters long.",
    ),
]


def visibility_field() -> RadioField:
    """Who may read a new thread. Neither answer is preselected: being seen on a treatment
    board is itself health data, so the member decides, every time."""
    return RadioField(
        "Who can read this thread?",
        choices=[
            SelectChoice("public", "Public: anyone can read it, and search engines may list it"),
            SelectChoice(
                "members",
                "Members only: visitors see just the title and the board, signed-in "
                "members read it",
            ),
        ],
        invalid_choice_message="Please choose who can read this thread: public, or members only.",
    )


class ThreadForm(SubmitOnceForm):
    title = StringField("Title", validators=TITLE_VALIDATORS)
    body = TextAreaField("Your post", validators=BODY_VALIDATORS, filters=[unix_newlines])
    visibility = visibility_field()


class VisibilityForm(ForumForm):
    """One button that names the thread's new visibility: sending it twice changes nothing."""

    visibility = HiddenField(validators=[AnyOf(VISIBILITIES)])


class ReplyForm(SubmitOnceForm):
    body = TextAreaField("Your reply", validators=BODY_VALIDATORS, filters=[unix_newlines])


class EditPostForm(ForumForm):
    title = StringField("Thread title", validators=TITLE_VALIDATORS)
    body = TextAreaField("Post", validators=BODY_VALIDATORS, filters=[unix_newlines])
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), FITS_COLUMN])
    # Only when a moderator edits someone else's post: the author sees it.
    reason = StringField("Reason for the edit (the author sees it)", validators=[Length(max=500)])
