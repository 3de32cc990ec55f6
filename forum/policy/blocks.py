"""Who may block whom, and whom a block concerns.

A member blocks another member to keep them out of their way: the blocked member may not
mention them, quote them into a reply or (once there are messages) write to them, and the
blocker sees their posts folded. Moderators and admins stand apart, both ways, as in
Discourse, which lets nobody ignore staff: members must be able to reach the people who
keep the forum, and a moderator must see every post as it is and reach every member. So a
moderator cannot be blocked, does not block, and a block made before either member became
one no longer applies (forum/blocks/services.py holds the same rule in SQL)."""

from forum.policy.viewer import is_moderator, is_self, is_signed_in

STAFF_REFUSAL = (
    "Moderators and admins cannot be blocked: every member must be able to reach them, "
    "and they must be able to reach every member. If one of them troubles you, write to "
    "another moderator or flag the post."
)
MODERATOR_BLOCKING_REFUSAL = (
    "Moderators do not block members: you need to see every post as it is and reach "
    "everyone. Use the moderation tools instead."
)


def offers_blocks(viewer) -> bool:
    """Whether a page offers blocking at all: to signed-in members who are not moderators.
    A sanction does not stop it (a block publishes nothing)."""
    return is_signed_in(viewer) and not is_moderator(viewer)


def block_refusal(viewer, member) -> str | None:
    """Why the viewer may not block `member`, in words for them; None if they may.
    Unblocking is never refused: see may_unblock."""
    if not is_signed_in(viewer):
        return "Please sign in first."
    if is_self(viewer, member.id):
        return "You cannot block yourself."
    if is_moderator(viewer):
        return MODERATOR_BLOCKING_REFUSAL
    if is_moderator_account(member):
        return STAFF_REFUSAL
    return None


def may_block(viewer, member) -> bool:
    """Offer the Block button on `member`'s profile (block_refusal says why not)."""
    return block_refusal(viewer, member) is None


def may_unblock(viewer) -> bool:
    """Any signed-in member takes back a block of theirs, whoever the other member has
    become since: a block made before a promotion is theirs to remove."""
    return is_signed_in(viewer)


def is_moderator_account(member) -> bool:
    """A member's role (not the viewer's): moderators and admins cannot be blocked."""
    return getattr(member, "role", None) in ("moderator", "admin")


def block_applies(viewer) -> bool:
    """Whether the viewer's own blocks change what they are shown: not for a moderator,
    who sees every post unfolded whatever they chose as a member."""
    return offers_blocks(viewer)
