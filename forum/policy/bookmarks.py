"""Who may keep a post as a bookmark, and whose bookmarks are whose.

Bookmarks are private: a member's own, never shown to anyone else (not to moderators
either), and anything about another member's bookmark answers 404."""

from forum.policy.threads import may_see_post_body
from forum.policy.viewer import is_self, is_signed_in


def offers_bookmarks(viewer) -> bool:
    """Whether a page shows Bookmark buttons at all: to signed-in members. A sanction does
    not stop a member keeping what they read (a bookmark publishes nothing)."""
    return is_signed_in(viewer)


def may_bookmark_post(viewer, post) -> bool:
    """A member keeps, or writes a note on, a post whose text they may read now."""
    return offers_bookmarks(viewer) and may_see_post_body(viewer, post)


def may_see_bookmarked_post(viewer, post) -> bool:
    """Whether the member's bookmarks list shows the post (its thread, author and words),
    or only that it is "no longer available": it was hidden, deleted, or its thread left
    their reach since they kept it."""
    return may_bookmark_post(viewer, post)


def owns_bookmark(viewer, bookmark) -> bool:
    """Only the member who kept it may see, change or remove a bookmark."""
    return is_self(viewer, bookmark.user_id)
