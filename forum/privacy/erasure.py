"""Erasing an account (GDPR art. 17), at once and in one transaction.

The user row stays as an anonymous tombstone ("former member") so that kept posts, threads,
flags, sanctions and the moderation log still point somewhere; everything that names or
reaches the person goes. Others' words stay as they wrote them, quotes and @mentions of the
member included."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import pseudonym_key
from forum.audit import SecurityEvent
from forum.auth.models import Identity, MemberSession, RecoveryCode, SecondFactor
from forum.blocks.models import Block
from forum.bookmarks.models import Bookmark
from forum.drafts.models import Draft
from forum.errors import DomainError, NotAllowed
from forum.export.models import DataExport
from forum.extensions import db, utcnow
from forum.member_notes.models import MemberNote
from forum.messages.models import Conversation, ConversationMember, Message, MessageReport
from forum.messages.services import delete_abandoned
from forum.moderation.models import Appeal, Flag, Sanction
from forum.moderation_log import log_action
from forum.notifications.models import Notification, OutgoingMail, Subscription
from forum.privacy.models import Consent
from forum.reactions.models import Reaction, ReactionKind
from forum.reading.models import BoardRead, ThreadRead
from forum.reports.models import ExperienceReport, ReportExclusion, ReportRevision
from forum.search.schema import FTS_TABLE, RECENT_FTS_TABLE
from forum.threads.models import Post, PostRevision, Thread

FORMER_MEMBER = "former member"
DELETED_THREAD = "Deleted thread"
DELETED_CONVERSATION = "A conversation with a former member"
POST_CHOICES = ("delete", "keep")
REPORT_CHOICES = ("delete", "keep")


@dataclass(frozen=True)
class Erasure:
    """What the member chose: their posts deleted or kept under "former member"; their
    experience reports deleted or kept as anonymous figures."""

    posts: str
    reports: str


def tombstone_key(user_id: int) -> str:
    # "~" never appears in a pseudonym, so no member can hold or later take this key.
    return f"~deleted-{user_id}"


def is_fresh_sign_in(signed_in_at: float | None, max_age: int, now: datetime | None = None) -> bool:
    """Whether the member proved who they are within the last max_age seconds."""
    if signed_in_at is None:
        return False
    age = (now or utcnow()).timestamp() - signed_in_at
    return 0 <= age <= max_age


def erase_account(
    user: User,
    choice: Erasure,
    confirmation: str,
    signed_in_at: float | None,
    max_age: int,
) -> User:
    """Erase the member's account now and return its tombstone. Needs a sign-in younger
    than max_age seconds and the pseudonym typed again. Withdrawing consent to process
    health information is this same use case."""
    if not is_fresh_sign_in(signed_in_at, max_age):
        raise NotAllowed("For your safety, please sign in again before deleting your account.")
    if choice.posts not in POST_CHOICES:
        raise DomainError("Please choose what happens to your posts.", "posts")
    if choice.reports not in REPORT_CHOICES:
        raise DomainError("Please choose what happens to your experience reports.", "reports")
    if pseudonym_key(confirmation or "") != user.display_name_key:
        raise DomainError("Type your pseudonym exactly as it is shown, to confirm.", "confirmation")
    now = utcnow()
    uid = user.id
    own_posts = sa.select(Post.id).where(Post.author_id == uid)

    if choice.posts == "delete":
        _delete_posts(uid, own_posts)
    _erase_reports(uid, keep=choice.reports == "keep")
    _forget_reactions(uid)
    _leave_conversations(uid, now, delete_messages=choice.posts == "delete")

    # What reaches or describes the person. Without its session rows, every session and
    # remember-me cookie of the member ends.
    for model, column in (
        (Identity, Identity.user_id),
        (MemberSession, MemberSession.user_id),
        (SecondFactor, SecondFactor.user_id),
        (RecoveryCode, RecoveryCode.user_id),
        (Consent, Consent.user_id),
        (Subscription, Subscription.user_id),
        (OutgoingMail, OutgoingMail.user_id),
        # Built exports hold everything the member wrote: their archives go with them
        # (the database cascades to data_export_chunks).
        (DataExport, DataExport.user_id),
        # Drafts hold words not yet posted: the tombstone row stays, so its cascade never runs.
        (Draft, Draft.author_id),
        # Bookmarks and their notes say what the member read and what worried them.
        (Bookmark, Bookmark.user_id),
        # Which threads someone read says what they live with.
        (ThreadRead, ThreadRead.user_id),
        (BoardRead, BoardRead.user_id),
        # Moderators' notes about the member are about the person: they go with the account.
        # Notes the member wrote as a moderator stay, under the tombstone (the record is
        # about others), as their sanctions and log lines do.
        (MemberNote, MemberNote.member_id),
    ):
        db.session.execute(sa.delete(model).where(column == uid))
    # Blocks, both ways: whom the member kept away, and who kept the member away (a
    # tombstone reaches nobody, and the choice says something about both).
    db.session.execute(
        sa.delete(Block).where(sa.or_(Block.blocker_id == uid, Block.blocked_id == uid))
    )
    notifications = sa.or_(Notification.user_id == uid, Notification.actor_id == uid)
    if choice.posts == "delete":
        notifications = sa.or_(notifications, Notification.post_id.in_(own_posts))
    db.session.execute(sa.delete(Notification).where(notifications))
    # Moderation records stay (they point at the tombstone); the member's own words in them go.
    db.session.execute(sa.update(Flag).where(Flag.flagger_id == uid).values(note=""))
    db.session.execute(
        sa.update(MessageReport).where(MessageReport.reporter_id == uid).values(note="")
    )
    db.session.execute(
        sa.update(Appeal)
        .where(Appeal.sanction_id.in_(sa.select(Sanction.id).where(Sanction.user_id == uid)))
        .values(text="")
    )
    # Security events are kept for their retention period, but no longer name the member.
    db.session.execute(
        sa.update(SecurityEvent).where(SecurityEvent.actor_id == uid).values(actor_id=None)
    )

    db.session.execute(
        sa.update(User)
        .where(User.id == uid)
        .values(
            display_name=FORMER_MEMBER,
            display_name_key=tombstone_key(uid),
            role="member",
            deleted_at=now,
            last_seen_at=None,
            guidelines_accepted_at=None,
            health_consent_at=None,
            renamed_at=None,
            declared_interest=None,
            hide_history=False,
            auto_watch=False,
            notify_email=None,
            notify_email_confirmed_at=None,
            email_frequency="none",
            accept_messages="nobody",
        )
        .execution_options(synchronize_session=False)
    )
    # Moderators see why posts turned into "former member" or vanished: the member's own
    # choice, not a moderator's. The tombstone's id and the choices only, nothing personal.
    tombstone = db.session.get(User, uid)  # the row itself, not a proxy for it
    log_action(
        tombstone,
        "account_deleted",
        tombstone,
        subject_user_id=uid,
        posts=choice.posts,
        reports=choice.reports,
    )
    db.session.commit()
    db.session.expire_all()
    return tombstone


def _leave_conversations(uid: int, now: datetime, delete_messages: bool) -> None:
    """The member leaves every conversation. Their messages go, or stay under "former
    member" for the members they wrote to, as they chose for their posts; a conversation
    nobody is left in (and no moderator needs) goes whole."""
    mine = sa.select(ConversationMember.conversation_id).where(ConversationMember.user_id == uid)
    if delete_messages:
        db.session.execute(sa.delete(Message).where(Message.author_id == uid))
        db.session.execute(
            sa.update(Conversation)
            .where(Conversation.id.in_(mine))
            .values(
                message_count=sa.select(sa.func.count(Message.id))
                .where(Message.conversation_id == Conversation.id)
                .scalar_subquery()
            )
            .execution_options(synchronize_session=False)
        )
        # The subject is the starter's words too, as a thread's title is.
        db.session.execute(
            sa.update(Conversation)
            .where(Conversation.starter_id == uid)
            .values(subject=DELETED_CONVERSATION)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.update(ConversationMember)
        .where(ConversationMember.user_id == uid, ConversationMember.left_at.is_(None))
        .values(left_at=now)
    )
    delete_abandoned(mine)


def _forget_reactions(uid: int) -> None:
    """The member's "Helpful" and "Me too" go, and the posts' counts with them: a "me too"
    says one shares a condition, which is the person's health data, not the post's."""
    for kind in ReactionKind:
        counter = getattr(Post, kind.counter)
        theirs = sa.select(Reaction.post_id).where(
            Reaction.user_id == uid, Reaction.kind == kind.value
        )
        db.session.execute(
            sa.update(Post)
            .where(Post.id.in_(theirs))
            .values({counter: counter - 1})
            .execution_options(synchronize_session=False)
        )
    db.session.execute(sa.delete(Reaction).where(Reaction.user_id == uid))


def _delete_posts(uid: int, own_posts) -> None:
    """The member's posts become "deleted by its author" placeholders with no text left, in
    the same state a member's own deletion gives (deleted posts keep their place, so no
    counter changes). A thread they started keeps others' replies under a neutral title:
    the title was the member's words."""
    db.session.execute(
        sa.update(Thread)
        .where(Thread.author_id == uid)
        .values(title=DELETED_THREAD)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(PostRevision).where(PostRevision.post_id.in_(own_posts)))
    db.session.execute(
        sa.update(Post)
        .where(Post.author_id == uid)
        .values(
            state="deleted",
            deleted_by_id=uid,
            body_source="",
            body_html="",
            moderation_reason=None,
            submission_key=None,
            version=Post.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    forget_blanked_words()


def forget_blanked_words() -> None:
    """After posts' text was blanked: make the search index forget their words too."""
    if db.session.get_bind().dialect.name == "sqlite":
        # The search triggers re-index the blanked posts, but FTS5 only marks old entries
        # deleted: the words stay in its segments until they are merged. Merge now, in
        # the full index and the newest posts' one.
        for table in (FTS_TABLE, RECENT_FTS_TABLE):  # our constant names, not input
            merge = f"INSERT INTO {table} ({table}) VALUES ('optimize')"  # nosec B608
            db.session.execute(sa.text(merge))
    # PostgreSQL's triggers rebuilt the blanked posts' vectors and terms in their rows.


def _erase_reports(uid: int, keep: bool) -> None:
    """Reports go, or stay as bare answers: their history and the free-text disclosure go."""
    reports = sa.select(ExperienceReport.id).where(ExperienceReport.author_id == uid)
    db.session.execute(sa.delete(ReportRevision).where(ReportRevision.report_id.in_(reports)))
    exclusions = ReportExclusion.report_id.in_(reports)
    if keep:
        # A kept report that a moderator left out stays out of the figures; the member's
        # own words in their appeal go.
        db.session.execute(
            sa.update(ReportExclusion)
            .where(exclusions)
            .values(appeal_text=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.update(ExperienceReport)
            .where(ExperienceReport.author_id == uid)
            # Detached: no post shows the card again, nothing leads back to the member.
            .values(post_id=None, author_id=None, conflict_disclosure=None)
            .execution_options(synchronize_session=False)
        )
    else:
        db.session.execute(
            sa.delete(ReportExclusion)
            .where(exclusions)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(ExperienceReport)
            .where(ExperienceReport.author_id == uid)
            .execution_options(synchronize_session=False)
        )

