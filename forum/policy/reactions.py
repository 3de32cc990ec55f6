"""Who may say "Helpful" or "Me too" of a post, and who sees who did.

Reactions are support, not votes: a member who may publish (silenced, suspended and banned
members may not) reacts to someone else's visible post in an approved thread they may
read. Counts are shown wherever the post's text is; the names behind them only to
signed-in members (a visitor sees the counts)."""

from forum.errors import NotAllowed
from forum.policy.threads import _thread, may_read_posts, may_see_post
from forum.policy.viewer import check_can_participate, is_self, is_signed_in
from forum.threads.models import Post, PostState


def reaction_refusal(viewer, post: Post) -> str | None:
    """Why the viewer may not react to the post, in words for them; None if they may.
    (A post the viewer may not read at all answers 404 before this is asked.)"""
    if not is_signed_in(viewer):
        return "Please sign in first."
    if not may_see_post(viewer, post) or not may_read_posts(viewer, _thread(post)):
        return "This post is not here."
    if post.state != PostState.VISIBLE or _thread(post).is_hidden:
        return "Only a post everyone can read takes reactions: this one is hidden or deleted."
    if is_self(viewer, post.author_id):
        return "You cannot react to your own post."
    try:
        check_can_participate(viewer)
    except NotAllowed as refusal:
        return refusal.message
    return None


def may_react(viewer, post: Post) -> bool:
    """Offer the Helpful and Me too buttons (reaction_refusal says why not)."""
    return reaction_refusal(viewer, post) is None


def may_see_reactors(viewer) -> bool:
    """The pseudonyms of who reacted: members only; visitors see the counts."""
    return is_signed_in(viewer)
