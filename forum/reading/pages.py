"""What the board and home pages take from reading: views of other features call this, so
their own code grows by a line (forum/reading/services.py does the work; a thread's page
reads its place with the member's other marks, forum/threads/marks.py)."""

from forum.forms import EmptyForm
from forum.policy.reading import may_keep_reading_place
from forum.reading import services


def reading_marks(viewer, threads: list) -> dict:
    """The template values a list of threads needs: each thread's marker (by id) and the
    "Mark all read" form, for a member; nothing for a visitor, whose page stays the same
    for everyone (and builds no form: a CSRF token would start a session)."""
    if not may_keep_reading_place(viewer):
        return {"markers": {}, "mark_read": None}
    return {"markers": services.list_markers(viewer, threads), "mark_read": EmptyForm()}
