"""Who the forum remembers reading: signed-in members only. A visitor's pages are the same
for every visitor (and cached, forum/caching.py), so they carry no unread markers."""

from forum.policy.viewer import is_signed_in


def may_keep_reading_place(viewer) -> bool:
    """Whether threads remember how far `viewer` read, show them what is new since, and
    let them mark boards read."""
    return is_signed_in(viewer)
