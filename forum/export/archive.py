"""What goes into a member's export, and the ZIP it is written to.

Everything is read with one query per table, whatever the member's size: a member with
thousands of posts costs the same number of statements as a member with three. Other
members appear only where the member saw them (the text of a notification); never their
posts, pseudonyms as authors, or anything else about them. Nothing secret is exported:
no session version, no keyed hashes, no links that carry tokens."""

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

import sqlalchemy as sa
from flask import render_template

from forum.accounts.models import User
from forum.audit import SecurityEvent
from forum.auth.models import Identity, MemberSession
from forum.blocks.models import Block
from forum.boards.models import Board
from forum.bookmarks.models import Bookmark
from forum.drafts.models import Draft
from forum.extensions import db
from forum.member_notes.models import MemberNote
from forum.messages.models import (
    REPORT_REASONS,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
)
from forum.moderation.models import FLAG_REASONS, Appeal, Flag, Sanction
from forum.moderation_log import ModerationAction
from forum.notifications.models import Notification, OutgoingMail, Subscription
from forum.notifications.services import describe, notification_options, target_path
from forum.policy.trust import trust_level
from forum.privacy.models import Consent
from forum.reactions.models import Reaction
from forum.reading.models import BoardRead, ThreadRead
from forum.reports import vocab
from forum.reports.models import ExperienceReport, ReportExclusion, ReportRevision
from forum.threads.models import Post, PostRevision, Thread

FORMAT_VERSION = 1
JSON_NAME = "firsthand-export.json"
HTML_NAME = "posts.html"
README_NAME = "README.txt"


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second ("2026-11-25T19:55:49Z")."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ThreadPosts:
    """The member's posts in one thread, for posts.html."""

    title: str
    board: str
    members_only: bool
    posts: list[dict] = field(default_factory=list)


@dataclass
class MemberData:
    """Everything the export holds: the JSON document, and the posts grouped for the page."""

    generated_at: datetime
    pseudonym: str
    document: dict
    threads: list[ThreadPosts]


def collect_member_data(user_id: int, now: datetime) -> MemberData:
    """Read everything we hold about a member (a fixed number of queries)."""
    user = db.session.execute(sa.select(User).where(User.id == user_id)).scalar_one()
    uid = user.id
    boards = {board.id: board for board in db.session.scalars(sa.select(Board))}
    post_rows = db.session.execute(
        sa.select(Post, Thread)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == uid)
        .order_by(Post.created_at, Post.id)
    ).all()
    revisions = db.session.scalars(
        sa.select(PostRevision)
        .join(Post, Post.id == PostRevision.post_id)
        .where(Post.author_id == uid)
        .order_by(PostRevision.id)
    ).all()
    revisions_by_post: dict[int, list[PostRevision]] = {}
    for revision in revisions:
        revisions_by_post.setdefault(revision.post_id, []).append(revision)

    document = {
        "format": "firsthand-export",
        "format_version": FORMAT_VERSION,
        "generated_at": iso(now),
        "profile": _profile(user),
        "identities": _identities(uid),
        "posts": [
            _post(post, thread, boards, revisions_by_post.get(post.id, []), uid)
            for post, thread in post_rows
        ],
        "experience_reports": _reports(uid, boards),
        "drafts": _drafts(uid, boards),
        "bookmarks": _bookmarks(uid),
        "blocks": _blocks(uid),
        "private_messages": _conversations(uid),
        "message_reports": _message_reports(uid),
        "reactions": _reactions(uid),
        "flags": _flags(uid),
        "sanctions": _sanctions(uid),
        "moderation_log": _moderation_log(uid),
        "moderator_notes": _moderator_notes(uid),
        "notifications": _notifications(uid),
        "subscriptions": _subscriptions(uid, boards),
        "reading": _reading(uid, boards),
        "consents": _consents(uid),
        "notification_mail": _mail(uid),
        "security_events": _security_events(uid),
        "sessions": _sessions(uid),
    }
    return MemberData(
        generated_at=now,
        pseudonym=user.display_name,
        document=document,
        threads=_group_by_thread(post_rows, boards),
    )


def _profile(user: User) -> dict:
    return {
        "id": user.id,
        "pseudonym": user.display_name,
        "role": user.role,
        "created_at": iso(user.created_at),
        "last_seen_at": iso(user.last_seen_at),
        "guidelines_accepted_at": iso(user.guidelines_accepted_at),
        "health_data_consent_at": iso(user.health_consent_at),
        "pseudonym_changed_at": iso(user.renamed_at),
        "declared_interest": user.declared_interest,
        "hide_history": user.hide_history,
        "post_count": user.post_count,
        "restrictions": {
            "silenced_until": iso(user.silenced_until),
            "suspended_until": iso(user.suspended_until),
            "banned_at": iso(user.banned_at),
        },
        # What the forum lets them do follows from it (forum/policy/trust.py).
        "trust": {
            "level": trust_level(user).value,
            "set_by_a_moderator": user.trust_level_override is not None,
            "last_upheld_flag_or_sanction_at": iso(user.last_strike_at),
        },
        "private_messages_accepted_from": user.accept_messages,
        "notification_preferences": {
            "watch_threads_i_post_in": user.auto_watch,
            "hear_of_reactions": user.notify_reactions,
            "email_address": user.notify_email,
            "email_confirmed_at": iso(user.notify_email_confirmed_at),
            "email_frequency": user.email_frequency,
        },
    }


def _identities(uid: int) -> list[dict]:
    # No tokens are stored with an identity; its e-mail digest is a keyed hash used only to
    # recognise a returning member, so the export says it exists without giving it out.
    identities = db.session.scalars(
        sa.select(Identity).where(Identity.user_id == uid).order_by(Identity.id)
    )
    return [
        {
            "provider": identity.provider,
            "issuer": identity.issuer,
            "subject": identity.subject,
            "created_at": iso(identity.created_at),
            "last_used_at": iso(identity.last_used_at),
            "holds_email_digest": identity.email_digest is not None,
        }
        for identity in identities
    ]


def _deleted_by(post: Post, uid: int) -> str | None:
    if post.state != "deleted":
        return None
    return "you" if post.deleted_by_id in (None, uid) else "a moderator"


def _post(post: Post, thread: Thread, boards: dict, revisions: list, uid: int) -> dict:
    board = boards.get(thread.board_id)
    thread_info = {
        "id": thread.id,
        "title": thread.title,
        "board": board and board.name,
        "visibility": thread.visibility,  # public, or signed-in members only
    }
    return {
        "id": post.id,
        "thread": thread_info,
        "starts_thread": post.position == 1,
        "position": post.position,
        "state": post.state,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "edited_by_moderator": post.edited_by_id not in (None, uid),
        "deleted_by": _deleted_by(post, uid),
        "moderation_reason": post.moderation_reason,
        "body_markdown": post.body_source,
        "body_html": post.body_html,
        # Earlier versions, oldest first; each was replaced by the next, or by the post.
        "revisions": [
            {
                "written_at": iso(revision.created_at),
                "replaced_by_moderator": revision.replaced_by_moderator,
                "body_markdown": revision.body_source,
                "body_html": revision.body_html,
            }
            for revision in revisions
        ],
    }


def answer_labels(answers: dict, boards: dict) -> dict:
    """The report answers as the form showed them, for the codes that have labels."""
    board = boards.get(answers.get("board_id"))
    labels: dict = {"treatment": board.name if board else None}
    simple = {"pgic": vocab.PGIC, **vocab.OPTIONAL_CHOICES}
    for name, choices in simple.items():
        code = answers.get(name)
        if code is not None:
            labels[name] = choices.get(code, str(code))
    labels["side_effects"] = {
        code: f"{vocab.SIDE_EFFECTS.get(code, code)} ({vocab.SEVERITIES.get(severity, severity)})"
        for code, severity in (answers.get("side_effects") or {}).items()
    }
    labels["complications"] = [
        vocab.COMPLICATIONS.get(code, code) for code in answers.get("complications") or []
    ]
    return labels


def _reports(uid: int, boards: dict) -> list[dict]:
    reports = db.session.scalars(
        sa.select(ExperienceReport)
        .where(ExperienceReport.author_id == uid)
        .order_by(ExperienceReport.id)
    ).all()
    revisions = db.session.scalars(
        sa.select(ReportRevision)
        .join(ExperienceReport, ExperienceReport.id == ReportRevision.report_id)
        .where(ExperienceReport.author_id == uid)
        .order_by(ReportRevision.id)
    ).all()
    by_report: dict[int, list[ReportRevision]] = {}
    for revision in revisions:
        by_report.setdefault(revision.report_id, []).append(revision)
    exclusions = db.session.scalars(
        sa.select(ReportExclusion)
        .join(ExperienceReport, ExperienceReport.id == ReportExclusion.report_id)
        .where(ExperienceReport.author_id == uid)
        .order_by(ReportExclusion.id)
    ).all()
    excluded: dict[int, list[ReportExclusion]] = {}
    for exclusion in exclusions:
        excluded.setdefault(exclusion.report_id, []).append(exclusion)
    return [
        {
            "id": report.id,
            "post_id": report.post_id,
            "created_at": iso(report.created_at),
            "updated_at": iso(report.updated_at),
            "answers": report.answers(),
            "labels": answer_labels(report.answers(), boards),
            # The "Is it still working?" reminders: how many were sent, and whether the
            # member turned them off for this report.
            "followups_sent": report.followups_sent,
            "reminders_off": report.reminders_off,
            # The answers before each update, oldest first.
            "revisions": [
                {
                    "written_at": iso(revision.written_at),
                    "answers": revision.answers,
                    "labels": answer_labels(revision.answers, boards),
                }
                for revision in by_report.get(report.id, [])
            ],
            # Moderators' decisions to leave it out of the figures, and the member's
            # appeals of them, oldest first; not which moderator.
            "exclusions": [
                {
                    "created_at": iso(exclusion.created_at),
                    "reason": exclusion.reason,
                    "stands": exclusion.stands,
                    "appeal": None
                    if exclusion.appealed_at is None
                    else {
                        "text": exclusion.appeal_text,
                        "created_at": iso(exclusion.appealed_at),
                        "decision": exclusion.decision,
                        "decision_reason": exclusion.decision_reason,
                        "decided_at": iso(exclusion.decided_at),
                    },
                }
                for exclusion in excluded.get(report.id, [])
            ],
        }
        for report in reports
    ]


def _flags(uid: int) -> list[dict]:
    # Which post was flagged and what was decided; not whose post, nor which moderator.
    rows = db.session.execute(
        sa.select(Flag, Post.thread_id, Thread.title)
        .join(Post, Post.id == Flag.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Flag.flagger_id == uid)
        .order_by(Flag.id)
    ).all()
    return [
        {
            "post_id": flag.post_id,
            "thread": {"id": thread_id, "title": title},
            "reason": flag.reason,
            "reason_label": FLAG_REASONS.get(flag.reason, flag.reason),
            "note": flag.note,
            "created_at": iso(flag.created_at),
            "outcome": flag.outcome,
            "outcome_reason": flag.outcome_reason,
            "decided_at": iso(flag.resolved_at),
        }
        for flag, thread_id, title in rows
    ]


def _sanctions(uid: int) -> list[dict]:
    rows = db.session.execute(
        sa.select(Sanction, Appeal)
        .outerjoin(Appeal, Appeal.sanction_id == Sanction.id)
        .where(Sanction.user_id == uid)
        .order_by(Sanction.id)
    ).all()
    return [
        {
            "kind": sanction.kind,
            "reason": sanction.reason,
            "starts_at": iso(sanction.starts_at),
            "ends_at": iso(sanction.ends_at),
            "overturned_at": iso(sanction.overturned_at),
            "appeal": None
            if appeal is None
            else {
                "text": appeal.text,
                "created_at": iso(appeal.created_at),
                "decision": appeal.decision,
                "decision_reason": appeal.decision_reason,
                "decided_at": iso(appeal.decided_at),
            },
        }
        for sanction, appeal in rows
    ]


def _moderation_log(uid: int) -> list[dict]:
    # What moderators did about the member's posts and account; who did it, and the
    # details (which may hold other members' text), stay with the moderators.
    actions = db.session.scalars(
        sa.select(ModerationAction)
        .where(ModerationAction.subject_user_id == uid)
        .order_by(ModerationAction.id)
    )
    return [
        {
            "action": action.action,
            "target_type": action.target_type,
            "target_id": action.target_id,
            "reason": action.reason,
            "at": iso(action.created_at),
        }
        for action in actions
    ]


def _moderator_notes(uid: int) -> list[dict]:
    """What moderators noted about the member: the law gives them what is kept about them.
    As with sanctions, "a moderator" wrote it, never which one (moderators stay anonymous to
    members). Notes the member wrote about others, as a moderator, are those members'."""
    notes = db.session.scalars(
        sa.select(MemberNote).where(MemberNote.member_id == uid).order_by(MemberNote.id)
    )
    return [
        {
            "text": note.body,
            "written_by": "a moderator",
            "written_at": iso(note.created_at),
            "edited_at": iso(note.edited_at),
        }
        for note in notes
    ]


def _notifications(uid: int) -> list[dict]:
    notifications = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == uid)
        .options(*notification_options())
        .order_by(Notification.id)
    )
    return [
        {
            "kind": notification.kind,
            # As the member saw it, which may name the member who replied or mentioned.
            "text_shown": describe(notification),
            "link": target_path(notification),
            "count": notification.count,
            "created_at": iso(notification.created_at),
            "updated_at": iso(notification.updated_at),
            "read_at": iso(notification.read_at),
            "emailed_at": iso(notification.mailed_at),
        }
        for notification in notifications
    ]


def _reactions(uid: int) -> list[dict]:
    """The member's "Helpful" and "Me too", with the post each was given to."""
    reactions = db.session.scalars(
        sa.select(Reaction).where(Reaction.user_id == uid).order_by(Reaction.id)
    )
    return [
        {
            "kind": reaction.kind,
            "post_id": reaction.post_id,
            "link": f"/p/{reaction.post_id}",
            "created_at": iso(reaction.created_at),
        }
        for reaction in reactions
    ]


def _drafts(uid: int, boards: dict) -> list[dict]:
    """Reports, threads and replies being written: the fields as the form sent them,
    unchecked. Every one of them, even a reply's to a thread the member may no longer
    read: what they wrote is theirs (the thread is named by its id only)."""
    drafts = db.session.scalars(sa.select(Draft).where(Draft.author_id == uid).order_by(Draft.id))
    return [
        {
            "kind": draft.kind,
            "thread_id": draft.thread_id,
            "board": {
                "id": draft.board_id,
                "name": getattr(boards.get(draft.board_id), "name", None),
            },
            "step": draft.step,
            "answers": draft.answers,
            "created_at": iso(draft.created_at),
            "updated_at": iso(draft.updated_at),
        }
        for draft in drafts
    ]


def _bookmarks(uid: int) -> list[dict]:
    """Posts the member kept, with their private notes. Only where the post lives (its
    thread's title and address), never its text or author: those are someone else's."""
    rows = db.session.execute(
        sa.select(Bookmark, Thread.id, Thread.title)
        .join(Post, Post.id == Bookmark.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Bookmark.user_id == uid)
        .order_by(Bookmark.id)
    )
    return [
        {
            "post_id": bookmark.post_id,
            "thread": {"id": thread_id, "title": title},
            "note": bookmark.note,
            "created_at": iso(bookmark.created_at),
            "updated_at": iso(bookmark.updated_at),
        }
        for bookmark, thread_id, title in rows
    ]


def _blocks(uid: int) -> list[dict]:
    """The members the member blocked (their pseudonym now) and when. Never who blocked
    the member: that is the other member's private choice."""
    rows = db.session.execute(
        sa.select(Block.created_at, User.display_name)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == uid)
        .order_by(Block.id)
    )
    return [{"member": name, "created_at": iso(created_at)} for created_at, name in rows]


def _conversations(uid: int) -> list[dict]:
    """The member's private conversations, left ones included, each with its messages:
    all of theirs, and the others' written while they were in it (to them). Two
    statements, however many there are."""
    memberships = db.session.execute(
        sa.select(ConversationMember, Conversation)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .where(ConversationMember.user_id == uid)
        .order_by(Conversation.id)
    ).all()
    left = {membership.conversation_id: membership.left_at for membership, _ in memberships}
    messages: dict[int, list[dict]] = {}
    rows = db.session.execute(
        sa.select(Message, User.display_name)
        .join(User, User.id == Message.author_id)
        .where(Message.conversation_id.in_(list(left)))
        .order_by(Message.id)
    )
    for message, author in rows:
        left_at = left[message.conversation_id]
        if message.author_id != uid and left_at is not None and message.created_at > left_at:
            continue
        messages.setdefault(message.conversation_id, []).append(
            {
                "author": "you" if message.author_id == uid else author,
                "written_at": iso(message.created_at),
                "text": None if message.removed_at else message.body_source,
                "removed_by_a_moderator_at": iso(message.removed_at),
            }
        )
    return [
        {
            "subject": conversation.subject,
            "started_at": iso(conversation.created_at),
            "started_by_you": conversation.starter_id == uid,
            "you_left_at": iso(membership.left_at),
            "messages": messages.get(conversation.id, []),
        }
        for membership, conversation in memberships
    ]


def _message_reports(uid: int) -> list[dict]:
    """The messages the member reported to the moderators, and what was decided."""
    reports = db.session.scalars(
        sa.select(MessageReport).where(MessageReport.reporter_id == uid).order_by(MessageReport.id)
    )
    return [
        {
            "reason": REPORT_REASONS.get(report.reason, report.reason),
            "note": report.note,
            "reported_at": iso(report.created_at),
            "outcome": report.outcome,
            "decided_at": iso(report.resolved_at),
        }
        for report in reports
    ]


def _subscriptions(uid: int, boards: dict) -> list[dict]:
    rows = db.session.execute(
        sa.select(Subscription, Thread.title)
        .outerjoin(Thread, Thread.id == Subscription.thread_id)
        .where(Subscription.user_id == uid)
        .order_by(Subscription.id)
    ).all()
    watched = []
    for subscription, title in rows:
        if subscription.thread_id is not None:
            target = {"thread": {"id": subscription.thread_id, "title": title}}
        else:
            board = boards.get(subscription.board_id)
            target = {"board": {"id": subscription.board_id, "name": board and board.name}}
        watched.append({**target, "since": iso(subscription.created_at)})
    return watched


def _reading(uid: int, boards: dict) -> dict:
    """How far the member read each thread they opened, and when they marked boards read."""
    threads = db.session.execute(
        sa.select(ThreadRead, Thread.title)
        .join(Thread, Thread.id == ThreadRead.thread_id)
        .where(ThreadRead.user_id == uid)
        .order_by(ThreadRead.thread_id)
    ).all()
    marked = db.session.scalars(
        sa.select(BoardRead).where(BoardRead.user_id == uid).order_by(BoardRead.board_id)
    ).all()
    return {
        "threads": [
            {
                "thread": {"id": read.thread_id, "title": title},
                "read_up_to_post_number": read.last_read_position,
                "at": iso(read.updated_at),
            }
            for read, title in threads
        ],
        "boards_marked_read": [
            {
                "board": {"id": read.board_id, "name": _board_name(boards, read.board_id)},
                "at": iso(read.read_at),
            }
            for read in marked
        ],
    }


def _board_name(boards: dict, board_id: int) -> str | None:
    board = boards.get(board_id)
    return board.name if board is not None else None


def _consents(uid: int) -> list[dict]:
    consents = db.session.scalars(
        sa.select(Consent).where(Consent.user_id == uid).order_by(Consent.id)
    )
    return [
        {
            "purpose": consent.purpose,
            "text_version": consent.text_version,
            "given_at": iso(consent.given_at),
            "withdrawn_at": iso(consent.withdrawn_at),
        }
        for consent in consents
    ]


def _mail(uid: int) -> list[dict]:
    # Not the bodies: they carry confirmation and unsubscribe links, which work as keys.
    rows = db.session.execute(
        sa.select(
            OutgoingMail.to_address,
            OutgoingMail.kind,
            OutgoingMail.subject,
            OutgoingMail.created_at,
            OutgoingMail.sent_at,
        )
        .where(OutgoingMail.user_id == uid)
        .order_by(OutgoingMail.id)
    ).all()
    return [
        {
            "to": row.to_address,
            "kind": row.kind,
            "subject": row.subject,
            "queued_at": iso(row.created_at),
            "sent_at": iso(row.sent_at),
        }
        for row in rows
    ]


def _security_events(uid: int) -> list[dict]:
    """Sign-ins and refusals recorded for the member, with the network they came from."""
    rows = db.session.scalars(
        sa.select(SecurityEvent).where(SecurityEvent.actor_id == uid).order_by(SecurityEvent.id)
    )
    return [
        {
            "event": event.event,
            "status": event.status,
            "network": event.network,
            "method": event.method,
            "path": event.path,
            "reason": event.reason,
            "at": iso(event.at),
        }
        for event in rows
    ]


def _sessions(uid: int) -> list[dict]:
    """The devices the member is signed in on. Not the token's digest: a key, not data."""
    rows = db.session.scalars(
        sa.select(MemberSession).where(MemberSession.user_id == uid).order_by(MemberSession.id)
    )
    return [
        {
            "device": row.device,
            "network": row.network,
            "signed_in_at": iso(row.created_at),
            "last_seen_at": iso(row.last_seen_at),
            "ends_at": iso(row.expires_at),
            "keep_me_signed_in": row.remember,
        }
        for row in rows
    ]


STATE_LABELS = {
    "pending": "waiting for a moderator's approval",
    "hidden": "hidden by a moderator",
    "deleted": "deleted",
}


def _label(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%d %B %Y, %H:%M UTC") if moment else None


def _group_by_thread(post_rows, boards: dict) -> list[ThreadPosts]:
    """The member's posts by thread (threads in the order they first wrote in them), as
    plain values: the page is written after the reading transaction has ended."""
    groups: dict[int, ThreadPosts] = {}
    for post, thread in post_rows:
        if thread.id not in groups:
            board = boards.get(thread.board_id)
            groups[thread.id] = ThreadPosts(
                thread.title, board.name if board else "", thread.visibility == "members"
            )
        groups[thread.id].posts.append(
            {
                "created_at": iso(post.created_at),
                "created_label": _label(post.created_at),
                "edited_label": _label(post.edited_at),
                "state_label": STATE_LABELS.get(post.state),
                "body_html": post.body_html,
            }
        )
    return list(groups.values())


# -- the ZIP ----------------------------------------------------------------------------


def write_archive(data: MemberData, out: IO[bytes]) -> None:
    """Write the export's three files into a ZIP on `out`."""
    stamp = data.generated_at.astimezone(UTC).timetuple()[:6]
    files = {
        JSON_NAME: json.dumps(data.document, ensure_ascii=False, indent=2),
        HTML_NAME: render_template(
            "export/posts.html",
            pseudonym=data.pseudonym,
            threads=data.threads,
            generated_at=iso(data.generated_at),
            generated_label=_label(data.generated_at),
        ),
        README_NAME: render_template(
            "export/readme.txt",
            pseudonym=data.pseudonym,
            generated_at=iso(data.generated_at),
            json_name=JSON_NAME,
            html_name=HTML_NAME,
            format_version=FORMAT_VERSION,
        ),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
