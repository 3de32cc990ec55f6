"""Private messages: who may write to whom, who may read a conversation, and what
moderators may see of them.

- A member or established member may start a conversation (forum/policy/trust.py), with a
  member who accepts messages from them (users.accept_messages) and with whom no block
  stands, either way. New members may reply to a conversation someone else started, and
  may write to a moderator (to ask about a post that waits, say), but start nothing else.
- Members must always be able to reach the moderators, and moderators every member (as
  blocks, forum/policy/blocks.py): a moderator's setting and blocks do not stop either.
- Links are refused in messages from members here less than 30 days: a private message
  with a link is what clinic touts and scams are made of.
- Moderators read a conversation only once one of its members reported a message in it;
  otherwise nobody but its members can read it, whatever their role.

The facts that need the database (a block, having talked before) are asked by the
services, in SQL, and passed in here."""

from datetime import timedelta

from forum.accounts.models import User
from forum.errors import NotAllowed
from forum.extensions import utcnow
from forum.messages.models import AcceptMessages
from forum.policy.trust import may_start_conversations
from forum.policy.viewer import check_can_participate, is_moderator, is_self, is_signed_in

LINKS_AFTER = timedelta(days=30)

NEW_MEMBER_REFUSAL = (
    "New members can reply when someone writes to them, and can write to a moderator, but "
    "cannot start a conversation until they have been here a week and had a post approved. "
    "It keeps unsolicited messages out of members' inboxes."
)
# One refusal for "accepts no messages", "only from members they talked with" and a block
# either way: a blocked member is never told they were blocked.
NOT_ACCEPTING = "{name} does not accept new conversations from you."
LINKS_REFUSAL = (
    "Links are not allowed in private messages from members who joined less than 30 days "
    "ago: unsolicited links are how scams and clinic advertising reach patients. Please "
    "take the link out (you can name the site instead); the rest of your text is kept."
)


def _participation(viewer) -> str | None:
    try:
        check_can_participate(viewer)
    except NotAllowed as refused:
        return str(refused)
    return None


def starts_conversations(viewer) -> bool:
    """Whether the viewer may start conversations with members at large (new members
    write only to moderators)."""
    return is_moderator(viewer) or may_start_conversations(viewer)


def start_refusal(sender, recipient: User, *, blocked: bool, talked: bool) -> str | None:
    """Why `sender` may not start a conversation with `recipient`, in words for them; None
    if they may. `blocked`: a block stands between them, either way; `talked`: they share
    a conversation already."""
    if not is_signed_in(sender):
        return "Please sign in first."
    if refusal := _participation(sender):
        return refusal
    if is_self(sender, recipient.id):
        return "You cannot start a conversation with yourself."
    if recipient.deleted_at is not None:
        return "This member's account was deleted."
    if is_moderator(sender) or is_moderator(recipient):
        return None
    if not may_start_conversations(sender):
        return NEW_MEMBER_REFUSAL
    accepts = AcceptMessages(recipient.accept_messages)
    if (
        blocked
        or accepts is AcceptMessages.NOBODY
        or (accepts is AcceptMessages.TALKED and not talked)
    ):
        return NOT_ACCEPTING.format(name=recipient.display_name)
    return None


def offers_message_button(viewer, member: User) -> bool:
    """The profile's "Send a message" link: to members who may start conversations, on
    someone else's profile. Whether this member accepts them is said on the form, so the
    profile tells nobody about a block."""
    if not is_signed_in(viewer) or is_self(viewer, member.id) or member.deleted_at:
        return False
    return is_moderator(member) or starts_conversations(viewer)


def may_read(viewer, membership) -> bool:
    """A member of the conversation who has not left it reads it (`membership`: their
    ConversationMember row, or None)."""
    return is_signed_in(viewer) and membership is not None and membership.left_at is None


def reply_refusal(viewer, membership, *, blocked: bool, others_here: bool) -> str | None:
    """Why the viewer may not write in the conversation; None if they may. `blocked`: a
    block stands between them and another member still in it; `others_here`: someone
    besides them is still in it."""
    if not may_read(viewer, membership):
        return "You are not in this conversation."
    if refusal := _participation(viewer):
        return refusal
    if not others_here:
        return "Everyone else has left this conversation: it takes no more messages."
    if blocked and not is_moderator(viewer):
        return "You can no longer write in this conversation."
    return None


def may_post_links(author) -> bool:
    """Links in a message: from members here 30 days or more, and moderators."""
    if is_moderator(author):
        return True
    return utcnow() - (author.created_at or utcnow()) >= LINKS_AFTER


def report_refusal(viewer, membership, message) -> str | None:
    """Either side may report a message written by someone else in a conversation they
    are in."""
    if not may_read(viewer, membership):
        return "You are not in this conversation."
    if message.author_id == viewer.id:
        return "You cannot report your own message."
    if message.removed_at is not None:
        return "A moderator has already removed this message."
    return None


def may_moderate(viewer, conversation) -> bool:
    """Moderators read a conversation once a member reported a message in it, never
    before: that report is the member's consent to show it."""
    return is_moderator(viewer) and conversation.reported_at is not None
