from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import HiddenInput

from forum.forms import SubmitOnceForm
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


class ThreadForm(SubmitOnceForm):
    title = StringField("Title", validators=TITLE_VALIDATORS)
    body = TextAreaField("Your post", validators=BODY_VALIDATORS, filters=[unix_newlines])


class ReplyForm(SubmitOnceForm):
    body = TextAreaField("Your reply", validators=BODY_VALIDATORS, filters=[unix_newlines])


class EditPostForm(FlaskForm):
    title = StringField("Thread title", validators=TITLE_VALIDATORS)
    body = TextAreaField("Post", validators=BODY_VALIDATORS, filters=[unix_newlines])
    version = IntegerField(widget=HiddenInput())
    # Only when a moderator edits someone else's post: the author sees it.
    reason = StringField("Reason for the edit (the author sees it)", validators=[Length(max=500)])
