"""Who may see a draft: its author alone, and a reply's draft only while its author may
still read the thread (a thread hidden since keeps its draft out of sight).

Every function is pure: it reads the objects it is given (a reply draft with its thread)."""

from forum.policy.threads import may_read_posts
from forum.policy.viewer import is_self


def may_use_draft(viewer, draft) -> bool:
    """A draft is its author's alone: to anyone else it does not exist (404). A reply's
    draft also needs its thread to be readable by its author."""
    if not is_self(viewer, draft.author_id):
        return False
    return draft.thread_id is None or may_draft_reply(viewer, draft.thread)


def may_draft_reply(viewer, thread) -> bool:
    """Whether the viewer may keep (and see) a draft of a reply to `thread`: while they
    may read it, even locked, so nothing they wrote is lost."""
    return may_read_posts(viewer, thread)
