"""Private conversations: start one, reply, read, leave, report a message; a member's
list and the header's count; and the moderators' side, which opens only a reported
conversation. Each use case is one transaction; forum/policy/messages.py decides."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from forum.accounts.models import User
from forum.accounts.services import pseudonym_key
from forum.blocks.services import blocked_either_way
from forum.content import clean_text, render_markdown
from forum.errors import DomainError, NotAllowed, NotVisible
from forum.extensions import db, utcnow
from forum.messages.models import (
    BODY_MAX,
    MAX_RECIPIENTS,
    REPORT_REASONS,
    SUBJECT_MAX,
    AcceptMessages,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
)
from forum.moderation.trust import record_strike
from forum.moderation_log import log_action
from forum.notifications.fanout import notify_message
from forum.notifications.models import UNREAD_CAP, Notification
from forum.pagination import Page, check_page
from forum.policy import messages as policy

_NAME_SEPARATORS = re.compile(r"[,;\s]+")


# -- starting and writing ------------------------------------------------------------------


def _clean_subject(subject: str | None) -> str:
    subject = (clean_text(subject, multiline=False) or "").strip()
    if not subject:
        raise DomainError("Please give the conversation a subject.", "subject")
    if len(subject) > SUBJECT_MAX:
        raise DomainError(f"A subject is at most {SUBJECT_MAX} characters long.", "subject")
    return subject


def _render(author: User, body: str | None) -> tuple[str, str]:
    """The message's Markdown and its sanitised HTML, through the one renderer posts use.
    @names stay text here: a private message notifies nobody it names."""
    body = (clean_text(body, multiline=True) or "").strip()
    if not body:
        raise DomainError("Please write something.", "body")
    if len(body) > BODY_MAX:
        raise DomainError(
            f"A message is at most {BODY_MAX:,} characters long (yours is {len(body):,}).",
            "body",
        )
    html = render_markdown(body)
    if "<a " in html and not policy.may_post_links(author):
        raise DomainError(policy.LINKS_REFUSAL, "body")
    return body, html


def find_recipients(names: str | None) -> list[User]:
    """The members named in the "To" field (pseudonyms separated by commas or spaces), in
    one statement; a clear refusal for a name nobody has, for too many, or for none."""
    wanted = []
    for name in _NAME_SEPARATORS.split((names or "").strip()):
        key = pseudonym_key(name.lstrip("@"))
        if key and key not in wanted:
            wanted.append(key)
    if not wanted:
        raise DomainError("Please name the member you are writing to.", "to")
    if len(wanted) > MAX_RECIPIENTS:
        raise DomainError(
            f"A conversation is between you and at most {MAX_RECIPIENTS} other members.", "to"
        )
    found = {
        user.display_name_key: user
        for user in db.session.scalars(
            sa.select(User).where(User.display_name_key.in_(wanted), User.deleted_at.is_(None))
        )
    }
    missing = [key for key in wanted if key not in found]
    if missing:
        raise DomainError(f"There is no member called “{missing[0]}”.", "to")
    return [found[key] for key in wanted]


def _talked(a_id: int, b_id: int) -> sa.ColumnElement[bool]:
    """Both members are (or were) in one conversation."""
    mine, theirs = aliased(ConversationMember), aliased(ConversationMember)
    return (
        sa.select(mine.conversation_id)
        .join(theirs, theirs.conversation_id == mine.conversation_id)
        .where(mine.user_id == a_id, theirs.user_id == b_id)
        .exists()
    )


def start_refusal(sender: User, recipient: User) -> str | None:
    """The policy's answer, with the facts it needs read in one statement."""
    blocked, talked = db.session.execute(
        sa.select(
            blocked_either_way(sender.id, recipient.id),
            _talked(sender.id, recipient.id),
        )
    ).one()
    return policy.start_refusal(sender, recipient, blocked=bool(blocked), talked=bool(talked))


def start_conversation(
    sender: User, recipient_names: str | None, subject: str | None, body: str | None
) -> Message:
    """Start a conversation with one or two members and send its first message."""
    recipients = find_recipients(recipient_names)
    for recipient in recipients:
        if refusal := start_refusal(sender, recipient):
            raise NotAllowed(refusal, "to")
    subject = _clean_subject(subject)
    source, html = _render(sender, body)
    now = utcnow()
    conversation = Conversation(
        subject=subject, starter_id=sender.id, created_at=now, last_message_at=now
    )
    conversation.members = [
        ConversationMember(user_id=member.id, joined_at=now) for member in [sender, *recipients]
    ]
    db.session.add(conversation)
    db.session.flush()
    message = _add_message(conversation, sender, source, html, now)
    db.session.commit()
    return message


def _add_message(conversation: Conversation, author: User, source, html, now) -> Message:
    message = Message(
        conversation_id=conversation.id,
        author_id=author.id,
        body_source=source,
        body_html=html,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(message_count=Conversation.message_count + 1, last_message_at=now)
        .execution_options(synchronize_session=False)
    )
    # The writer has read their own message; the others hear of it.
    db.session.execute(
        sa.update(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.user_id == author.id,
        )
        .values(read_up_to=message.id)
    )
    others = db.session.scalars(
        sa.select(ConversationMember.user_id).where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.user_id != author.id,
            ConversationMember.left_at.is_(None),
        )
    ).all()
    notify_message(conversation.id, author, list(others))
    return message


def reply_refusal(viewer, conversation: Conversation, membership) -> str | None:
    """The policy's answer for writing in this conversation, with its facts in one
    statement: whether anyone else is still in it, and whether a block stands between the
    viewer and one of them."""
    if membership is None:
        return policy.reply_refusal(viewer, None, blocked=False, others_here=False)
    others = (
        sa.select(ConversationMember.user_id)
        .join(User, User.id == ConversationMember.user_id)
        .where(
            ConversationMember.conversation_id == conversation.id,
            ConversationMember.user_id != viewer.id,
            ConversationMember.left_at.is_(None),
            User.deleted_at.is_(None),
        )
        .subquery()
    )
    others_here, blocked = db.session.execute(
        sa.select(
            sa.exists(sa.select(others.c.user_id)),
            sa.exists(
                sa.select(others.c.user_id).where(blocked_either_way(viewer.id, others.c.user_id))
            ),
        )
    ).one()
    return policy.reply_refusal(
        viewer, membership, blocked=bool(blocked), others_here=bool(others_here)
    )


def reply(author: User, conversation: Conversation, membership, body: str | None) -> Message:
    if refusal := reply_refusal(author, conversation, membership):
        raise NotAllowed(refusal)
    source, html = _render(author, body)
    message = _add_message(conversation, author, source, html, utcnow())
    db.session.commit()
    return message


# -- reading --------------------------------------------------------------------------------


def get_membership(user: User, conversation_id: int) -> ConversationMember | None:
    """The member's place in the conversation, with the conversation and everyone in it
    (their pseudonyms): two statements, whatever its size."""
    return db.session.scalar(
        sa.select(ConversationMember)
        .where(
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.user_id == user.id,
        )
        .options(
            joinedload(ConversationMember.conversation)
            .selectinload(Conversation.members)
            .joinedload(ConversationMember.user)
        )
    )


def get_readable_or_404(viewer, conversation_id: int) -> ConversationMember:
    """The viewer's membership of a conversation they may read; 404 otherwise (a
    moderator's included: ids reveal nothing)."""
    membership = get_membership(viewer, conversation_id)
    if not policy.may_read(viewer, membership):
        raise NotVisible("There is no such conversation.")
    return membership


PER_PAGE = 50


def last_page(conversation: Conversation) -> int:
    return max(1, -(-conversation.message_count // PER_PAGE))


def list_messages(conversation: Conversation, page: int) -> Page:
    """A page of the conversation, oldest first, with each author's pseudonym: one
    statement (the count is kept on the conversation)."""
    check_page(page, conversation.message_count, PER_PAGE)
    items = db.session.scalars(
        sa.select(Message)
        .where(Message.conversation_id == conversation.id)
        .options(joinedload(Message.author))
        .order_by(Message.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Page(list(items), page, PER_PAGE, conversation.message_count)


def mark_read(membership: ConversationMember, shown: list[Message]) -> bool:
    """The member saw `shown`: the conversation's "new" count and its notification go up
    to the newest of them. After the page was rendered, in one short transaction of its
    own (as a thread's reading place, forum/reading/services.py), so a page that only reads
    stays a read; nothing is written when nothing new was shown. Returns whether it wrote."""
    up_to = max((message.id for message in shown), default=0)
    if up_to <= membership.read_up_to:
        return False
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(ConversationMember)
            .where(
                ConversationMember.conversation_id == membership.conversation_id,
                ConversationMember.user_id == membership.user_id,
                # Another tab may have read further meanwhile: never back.
                ConversationMember.read_up_to < up_to,
            )
            .values(read_up_to=up_to)
        )
        connection.execute(
            sa.update(Notification)
            .where(
                Notification.user_id == membership.user_id,
                Notification.conversation_id == membership.conversation_id,
                Notification.read_at.is_(None),
            )
            .values(read_at=utcnow())
        )
    return True


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    unread: int


def _unread_in(conversation_id, user_id, read_up_to) -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count(Message.id))
        .where(
            Message.conversation_id == conversation_id,
            Message.id > read_up_to,
            Message.author_id != user_id,
        )
        .scalar_subquery()
    )


def list_conversations(user: User, page: int, per_page: int) -> Page:
    """The member's conversations (not those they left), newest activity first, each with
    how many messages are new to them and who is in it: three statements, whatever the
    page holds."""
    mine = (ConversationMember.user_id == user.id, ConversationMember.left_at.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).where(*mine)) or 0
    check_page(page, total, per_page)
    rows = db.session.execute(
        sa.select(
            Conversation,
            _unread_in(Conversation.id, user.id, ConversationMember.read_up_to),
        )
        .join(ConversationMember, ConversationMember.conversation_id == Conversation.id)
        .where(*mine)
        .options(selectinload(Conversation.members).joinedload(ConversationMember.user))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page([InboxRow(c, unread or 0) for c, unread in rows], page, per_page, total)


def unread_conversations_query(user_id, reading=None) -> sa.ScalarSelect:
    """How many of the member's conversations have a message new to them (at most
    UNREAD_CAP), as a scalar subquery the header folds into the query it runs anyway.
    `reading`: the conversation the page shows, which is read by the time they see it.
    Either may be a value or a bound parameter (the header builds its query once)."""
    unread = (
        sa.select(sa.literal(1))
        .select_from(ConversationMember)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .where(
            ConversationMember.user_id == user_id,
            ConversationMember.left_at.is_(None),
            ConversationMember.conversation_id != (0 if reading is None else reading),
            sa.exists().where(
                Message.conversation_id == Conversation.id,
                Message.id > ConversationMember.read_up_to,
                Message.author_id != user_id,
            ),
        )
        .limit(UNREAD_CAP)
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(unread).scalar_subquery()


# -- leaving and settings -------------------------------------------------------------------


def leave(membership: ConversationMember) -> None:
    """The member leaves: the conversation is gone from their list and their header, and
    they hear of it no more. Once everyone has left, and no report waits, it is deleted."""
    now = utcnow()
    membership.left_at = now
    db.session.execute(
        sa.delete(Notification).where(
            Notification.user_id == membership.user_id,
            Notification.conversation_id == membership.conversation_id,
            Notification.read_at.is_(None),
        )
    )
    db.session.flush()
    delete_abandoned([membership.conversation_id])
    db.session.commit()


def delete_abandoned(conversation_ids) -> None:
    """Delete those of the conversations (ids, or a select of them) that nobody is left
    in and no moderator needs (no report waits): nobody keeps them. In the caller's
    transaction."""
    someone_here = sa.exists().where(
        ConversationMember.conversation_id == Conversation.id,
        ConversationMember.left_at.is_(None),
    )
    open_report = sa.exists().where(
        MessageReport.conversation_id == Conversation.id, MessageReport.outcome.is_(None)
    )
    db.session.execute(
        sa.delete(Conversation)
        .where(Conversation.id.in_(conversation_ids), ~someone_here, ~open_report)
        .execution_options(synchronize_session=False)
    )


def set_accept_messages(user: User, accept: str) -> None:
    try:
        user.accept_messages = AcceptMessages(accept).value
    except ValueError:
        raise DomainError("Please choose who may write to you.", "accept") from None
    db.session.commit()


# -- reports and moderators -----------------------------------------------------------------


def get_message_or_404(conversation: Conversation, message_id: int) -> Message:
    """A message of this conversation, with its author's pseudonym."""
    message = db.session.get(Message, message_id, options=[joinedload(Message.author)])
    if message is None or message.conversation_id != conversation.id:
        raise NotVisible("There is no such message.")
    return message


def report_message(
    reporter: User, membership, message: Message, reason: str | None, note: str | None
) -> MessageReport:
    """Either side reports a message: the conversation, and only it, goes to the
    moderators' queue, and from now on they may read it. Reporting it twice while the
    first report waits changes nothing."""
    if refusal := policy.report_refusal(reporter, membership, message):
        raise NotAllowed(refusal)
    if reason not in REPORT_REASONS:
        raise DomainError("Please choose a reason.", "reason")
    note = (clean_text(note, multiline=False) or "").strip()[:500]
    now = utcnow()
    report = MessageReport(
        message_id=message.id,
        conversation_id=message.conversation_id,
        reporter_id=reporter.id,
        reason=reason,
        note=note,
        created_at=now,
    )
    db.session.add(report)
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id == message.conversation_id, Conversation.reported_at.is_(None))
        .values(reported_at=now)
        .execution_options(synchronize_session=False)
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # already reported by them, and waiting
        report = db.session.scalar(
            sa.select(MessageReport).where(
                MessageReport.message_id == message.id,
                MessageReport.reporter_id == reporter.id,
                MessageReport.outcome.is_(None),
            )
        )
    return report


@dataclass(frozen=True)
class ReportedConversation:
    conversation: Conversation
    reports: list[MessageReport]

    @property
    def is_urgent(self) -> bool:
        return any(report.reason == "self_harm" for report in self.reports)


def list_reported() -> list[ReportedConversation]:
    """The queue's conversations with reports waiting, the most urgent, then the oldest,
    first. Only the reports show here (who, why, when): the messages open on the
    conversation's own page. Two statements."""
    reports = db.session.scalars(
        sa.select(MessageReport)
        .where(MessageReport.outcome.is_(None))
        .options(joinedload(MessageReport.reporter))
        .order_by(MessageReport.created_at, MessageReport.id)
    ).all()
    by_conversation: dict[int, list[MessageReport]] = {}
    for report in reports:
        by_conversation.setdefault(report.conversation_id, []).append(report)
    conversations = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Conversation).where(Conversation.id.in_(list(by_conversation)))
        )
    }
    items = [
        ReportedConversation(conversations[cid], found)
        for cid, found in by_conversation.items()
        if cid in conversations
    ]
    return sorted(items, key=lambda item: not item.is_urgent)


def get_reported_or_404(viewer, conversation_id: int) -> Conversation:
    """A conversation a moderator may read: one a member reported. Any other is 404, so a
    moderator learns nothing about conversations nobody reported, not even that they
    exist."""
    conversation = db.session.scalar(
        sa.select(Conversation)
        .where(Conversation.id == conversation_id)
        .options(selectinload(Conversation.members).joinedload(ConversationMember.user))
    )
    if conversation is None or not policy.may_moderate(viewer, conversation):
        raise NotVisible("There is no such conversation.")
    return conversation


def list_reports(conversation: Conversation) -> list[MessageReport]:
    """Every report made in the conversation, open and decided, oldest first."""
    return list(
        db.session.scalars(
            sa.select(MessageReport)
            .where(MessageReport.conversation_id == conversation.id)
            .options(joinedload(MessageReport.reporter))
            .order_by(MessageReport.created_at, MessageReport.id)
        )
    )


DECISIONS = ("kept", "removed")


def decide_reports(moderator: User, conversation: Conversation, decision: str, reason: str) -> int:
    """A moderator decides the conversation's open reports: "kept" (nothing against the
    rules), or "removed": each reported message's text is gone for everyone, and its
    writer gets a strike (forum/moderation/trust.py). Logged; returns how many reports."""
    if not policy.may_moderate(moderator, conversation):
        raise NotAllowed("Moderators act only on a conversation a member reported.")
    if decision not in DECISIONS:
        raise DomainError("Please choose a decision.")
    reason = (clean_text(reason, multiline=False) or "").strip()[:500]
    now = utcnow()
    reports = db.session.scalars(
        sa.select(MessageReport)
        .where(MessageReport.conversation_id == conversation.id, MessageReport.outcome.is_(None))
        .options(joinedload(MessageReport.message))
    ).all()
    if not reports:
        raise DomainError("No report in this conversation is waiting for a decision.")
    removed: dict[int, Message] = {}
    for report in reports:
        report.outcome, report.resolved_by_id, report.resolved_at = decision, moderator.id, now
        if decision == "removed" and report.message.removed_at is None:
            removed[report.message_id] = report.message
    for message in removed.values():
        message.removed_at = now
        record_strike(message.author_id, now)
        log_action(
            moderator,
            "message_removed",
            message,
            subject_user_id=message.author_id,
            reason=reason,
            conversation=conversation.id,
        )
    if decision == "kept":
        log_action(
            moderator, "message_report_kept", conversation, reason=reason, reports=len(reports)
        )
    db.session.commit()
    return len(reports)
