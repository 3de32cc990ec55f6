"""What the board, home and thread pages take from reading: views of other features call
these, so their own code grows by a line (forum/reading/services.py does the work)."""

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


class ThreadReading:
    """A member's place in a thread whose page is being shown: loaded before the page
    (for the "New" divider), recorded after it is rendered (at most one short write, none
    when the page showed nothing new). For a visitor it does nothing at all."""

    def __init__(self, viewer, thread_id: int):
        self.viewer = viewer
        self.thread_id = thread_id
        self.kept = may_keep_reading_place(viewer)
        self.place = services.get_reading_place(viewer, thread_id) if self.kept else None

    def first_unread(self, posts: list):
        """The post the "New" divider goes before, if this page has one."""
        return services.first_unread(posts, self.place.position) if self.place else None

    def record(self, posts: list, last_page: bool) -> None:
        if self.place:
            services.record_reading(self.viewer, self.thread_id, posts, self.place, last_page)
