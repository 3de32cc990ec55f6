from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import ForumForm
from forum.messages.models import BODY_MAX, REPORT_REASONS, SUBJECT_MAX, AcceptMessages
from forum.threads.forms import unix_newlines

_BODY = TextAreaField(
    "Message",
    validators=[
        DataRequired("Please write something."),
        Length(max=BODY_MAX, message=f"A message is at most {BODY_MAX:,} characters long."),
    ],
    filters=[unix_newlines],
)


class NewConversationForm(ForumForm):
    to = StringField(
        "To",
        validators=[
            DataRequired("Please name the member you are writing to."),
            Length(max=100, message="Name one or two members."),
        ],
    )
    subject = StringField(
        "Subject",
        validators=[
            DataRequired("Please give the conversation a subject."),
            Length(max=SUBJECT_MAX, message=f"A subject is at most {SUBJECT_MAX} characters."),
        ],
    )
    body = _BODY


class MessageForm(ForumForm):
    body = _BODY


class ReportMessageForm(ForumForm):
    reason = RadioField(
        "Why should a moderator read this conversation?",
        choices=[SelectChoice(value, label) for value, label in REPORT_REASONS.items()],
        validators=[DataRequired("Please choose a reason.")],
    )
    note = TextAreaField(
        "Anything the moderator should know", validators=[Optional(), Length(max=500)]
    )


class AcceptMessagesForm(ForumForm):
    accept = RadioField(
        "Accept new conversations from",
        choices=[SelectChoice(choice.value, choice.label) for choice in AcceptMessages],
        validators=[DataRequired("Please choose who may write to you.")],
    )


class DecideReportsForm(ForumForm):
    reason = StringField("Reason (for the log)", validators=[Optional(), Length(max=500)])
    decision = RadioField(
        "Decision",
        choices=[
            SelectChoice("kept", "Keep: nothing against the guidelines"),
            SelectChoice("removed", "Remove the reported messages (a strike for their writer)"),
        ],
        validators=[DataRequired("Please choose a decision.")],
    )
