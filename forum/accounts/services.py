"""Members: pseudonyms, lookup and public profiles."""

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.exceptions import NotFound

from forum.accounts.models import ROLES, User
from forum.blocks.services import blocking_column, reachable_by
from forum.content import find_references
from forum.errors import DomainError
from forum.extensions import db, utcnow
from forum.moderation_log import log_action
from forum.policy.accounts import check_may_change_name_or_interest, profile_posts_readable_by
from forum.privacy.services import record_consent
from forum.reports.models import ExperienceReport
from forum.threads.models import Post, Thread

PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 30
INTEREST_MAX = 200
_PSEUDONYM = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
# A profile's treatment path lists at most this many reports (a member files a few).
TREATMENT_PATH_MAX = 100
# Only the first @words of a post (alphabetically) are looked up at all.
MAX_MENTION_LOOKUP = 50


def pseudonym_key(name: str) -> str:
    return name.strip().casefold()


def validate_pseudonym(name: str) -> str:
    """The cleaned pseudonym, or a DomainError saying what is wrong with it."""
    name = name.strip()
    if not PSEUDONYM_MIN <= len(name) <= PSEUDONYM_MAX:
        raise DomainError(
            f"A pseudonym is {PSEUDONYM_MIN} to {PSEUDONYM_MAX} characters long.", "pseudonym"
        )
    if not _PSEUDONYM.fullmatch(name):
        raise DomainError(
            "Use letters, digits, and . _ - between them (no spaces), so @mentions work.",
            "pseudonym",
        )
    return name


def get_user_by_name(name: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(
            User.display_name_key == pseudonym_key(name), User.deleted_at.is_(None)
        )
    )


def get_user_by_name_or_404(name: str) -> User:
    return db.first_or_404(
        sa.select(User).where(
            User.display_name_key == pseudonym_key(name), User.deleted_at.is_(None)
        )
    )


def get_profile_or_404(name: str, viewer) -> tuple[User, bool]:
    """The member whose profile is at /u/<name>, and whether the viewer blocked them, in
    one statement."""
    row = db.session.execute(
        sa.select(User, blocking_column(viewer, User.id)).where(
            User.display_name_key == pseudonym_key(name), User.deleted_at.is_(None)
        )
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def create_member(pseudonym: str, role: str = "member", consent: bool = False) -> User:
    """A new member with a free pseudonym (case-insensitively unique). With consent=True
    their consent to process health information is recorded in the same transaction
    (without it they are asked for it when they first sign in)."""
    name = validate_pseudonym(pseudonym)
    user = User(display_name=name, display_name_key=pseudonym_key(name), role=role)
    db.session.add(user)
    if consent:
        record_consent(user)
    commit_pseudonym()
    return user


def commit_pseudonym() -> None:
    """Commit a new or changed pseudonym; the unique key turns a clash into a form error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError("That pseudonym is taken. Please choose another.", "pseudonym") from None


def set_role(pseudonym: str, role: str) -> User:
    """Give a member a role (member, moderator or admin)."""
    if role not in ROLES:
        raise DomainError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    user = get_user_by_name(pseudonym)
    if user is None:
        raise DomainError(f"No member is called {pseudonym!r}.")
    before, user.role = user.role, role
    if before != role:
        log_action(None, "role_change", user, subject_user_id=user.id, before=before, after=role)
    db.session.commit()
    return user


def list_recent_posts(
    user: User, limit: int, viewer: User | None = None
) -> tuple[list[Post], int]:
    """The member's latest posts that `viewer` may read (a visitor, without one: never in
    members-only threads), with their threads and boards; and how many such posts there
    are in all, counted in the same statement (before its LIMIT)."""
    rows = db.session.execute(
        sa.select(Post, sa.func.count().over())
        .join(Post.thread)
        .where(profile_posts_readable_by(viewer, user.id))
        .options(joinedload(Post.thread).joinedload(Thread.board))
        .order_by(Post.id.desc())
        .limit(limit)
    ).all()
    return [post for post, _ in rows], (rows[0][1] if rows else 0)


def list_treatment_path(user: User, viewer: User | None = None) -> list[Post]:
    """The member's posts that carry an experience report and that `viewer` may read, oldest
    first by the procedure's month (the filing date's for a report without one), each with
    its thread, report and treatment: their path through the treatments, in one statement."""
    report = ExperienceReport
    year = sa.func.coalesce(report.procedure_year, sa.extract("year", report.created_at))
    month = sa.func.coalesce(report.procedure_month, sa.extract("month", report.created_at))
    return list(
        db.session.scalars(
            sa.select(Post)
            .join(Post.thread)
            .join(Post.report)
            .join(report.board)
            .where(profile_posts_readable_by(viewer, user.id))
            .options(
                contains_eager(Post.thread),
                contains_eager(Post.report).contains_eager(report.board),
            )
            .order_by(year, month, report.created_at, report.id)
            .limit(TREATMENT_PATH_MAX)
        )
    )


def count_posts_readable_by(user: User, viewer: User | None = None) -> int:
    """How many of the member's posts `viewer` may read: what their profile counts."""
    return db.session.scalar(
        sa.select(sa.func.count(Post.id))
        .join(Post.thread)
        .where(profile_posts_readable_by(viewer, user.id))
    )


def change_pseudonym(user: User, pseudonym: str, min_interval: timedelta) -> User:
    """Change the member's pseudonym, at most once per interval, unless a restriction stops
    them publishing: the name is shown on every post they made."""
    check_may_change_name_or_interest(user)
    name = validate_pseudonym(pseudonym)
    now = utcnow()
    if user.renamed_at and now - user.renamed_at < min_interval:
        days = max(1, (min_interval - (now - user.renamed_at)).days)
        raise DomainError(
            f"You changed your pseudonym recently; you can change it again in {days} "
            f"day{'s' if days != 1 else ''}.",
            "pseudonym",
        )
    if name == user.display_name:
        return user
    user.display_name = name
    user.display_name_key = pseudonym_key(name)
    user.renamed_at = now
    commit_pseudonym()
    return user


def declare_interest(user: User, text: str | None) -> User:
    """Declare (or, with empty text, withdraw) a tie to a clinic, device maker or drug
    company; it is shown next to the member's pseudonym on every post, so a restriction
    stops changing it as it stops posting."""
    check_may_change_name_or_interest(user)
    text = " ".join((text or "").split())
    if len(text) > INTEREST_MAX:
        raise DomainError(
            f"Please keep it to {INTEREST_MAX} characters (yours is {len(text)}).", "interest"
        )
    user.declared_interest = text or None
    db.session.commit()
    return user


def set_history_hidden(user: User, hidden: bool) -> User:
    """Show the member's recent posts on their profile to signed-in members only (or to
    everyone again). The posts themselves stay where they are."""
    user.hide_history = hidden
    db.session.commit()
    return user


def mentionable_names(source: str, author_id: int | None = None) -> set[str]:
    """The casefolded @names in a post's Markdown that belong to members (one query, none
    when the post mentions nobody): the ones render_markdown links. With the author's id,
    not the members who blocked the author: their @name stays plain text."""
    mentions = sorted(find_references(source).mentions)[:MAX_MENTION_LOOKUP]
    if not mentions:
        return set()
    conditions = [User.display_name_key.in_(mentions), User.deleted_at.is_(None)]
    if author_id is not None:
        conditions.append(reachable_by(User.id, author_id))
    return set(db.session.scalars(sa.select(User.display_name_key).where(*conditions)))
