from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from forum.bookmarks.models import NOTE_MAX
from forum.forms import EmptyForm, ForumForm


class NoteForm(ForumForm):
    note = TextAreaField(
        "Your private note",
        validators=[Length(max=NOTE_MAX, message=f"A note holds at most {NOTE_MAX} characters.")],
    )


class BookmarkForm(EmptyForm):
    """The Bookmark / Bookmarked button: `keep` says what the member asked for ("y" keep,
    "n" let go), so pressing it twice changes nothing the second time; without it the
    button toggles."""

    keep = HiddenField(validators=[Optional(), AnyOf(("y", "n"))])
