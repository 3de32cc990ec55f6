from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from forum.forms import ForumForm
from forum.member_notes.models import NOTE_MAX


class NoteForm(ForumForm):
    body = TextAreaField(
        "Note (only moderators see it)",
        validators=[
            DataRequired("Write the note first."),
            Length(max=NOTE_MAX, message=f"A note holds at most {NOTE_MAX:,} characters."),
        ],
    )
