"""Trust levels: what a member may do follows from how long they have been here and their
record, never from anything bought. Computed from columns already loaded with the member
(no query), or set by a moderator with a reason (forum/moderation/trust.py).

| level        | who                                                                  |
|--------------|----------------------------------------------------------------------|
| new          | joined less than 7 days ago, or no post approved yet                 |
| member       | everyone else                                                        |
| established  | joined 60+ days ago, 10+ approved posts, no upheld flag or sanction  |
|              | in the last 60 days                                                  |

What each level allows is the ALLOWANCES table below, and docs/moderation.md shows it.
Moderators and admins count as established."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_login import current_user

from forum.accounts.models import TrustLevel
from forum.extensions import utcnow
from forum.policy.viewer import is_moderator, is_signed_in

NEW_FOR = timedelta(days=7)
ESTABLISHED_AFTER = timedelta(days=60)
ESTABLISHED_POSTS = 10
CLEAN_FOR = timedelta(days=60)  # no upheld flag or sanction for this long


@dataclass(frozen=True)
class Allowance:
    """What one level allows. Limits that operators tune are named settings
    (forum/config.py); the table says which one applies."""

    link_limit: str | None  # the setting capping links in a post; None: no cap
    starts_conversations: bool  # may start a private conversation
    flag_weight: int  # what a flag counts towards hiding a post
    posts_limit: str  # the rate-limit setting for replies
    threads_limit: str  # the rate-limit setting for new threads


ALLOWANCES = {
    TrustLevel.NEW: Allowance(
        link_limit="NEW_MEMBER_LINK_LIMIT",
        starts_conversations=False,
        flag_weight=1,
        posts_limit="RATELIMIT_POSTS_NEW",
        threads_limit="RATELIMIT_THREADS_NEW",
    ),
    TrustLevel.MEMBER: Allowance(
        link_limit=None,
        starts_conversations=True,
        flag_weight=1,
        posts_limit="RATELIMIT_POSTS",
        threads_limit="RATELIMIT_THREADS",
    ),
    TrustLevel.ESTABLISHED: Allowance(
        link_limit=None,
        starts_conversations=True,
        flag_weight=2,
        posts_limit="RATELIMIT_POSTS",
        threads_limit="RATELIMIT_THREADS",
    ),
}


def computed_level(member, now: datetime | None = None) -> TrustLevel:
    """The level the member's time here and record give, whatever a moderator set."""
    if is_moderator(member):
        return TrustLevel.ESTABLISHED
    now = now or utcnow()
    here_for = now - (member.created_at or now)  # not saved yet: just joined
    approved = member.post_count or 0
    if here_for < NEW_FOR or approved == 0:
        return TrustLevel.NEW
    clean = member.last_strike_at is None or now - member.last_strike_at >= CLEAN_FOR
    if here_for >= ESTABLISHED_AFTER and approved >= ESTABLISHED_POSTS and clean:
        return TrustLevel.ESTABLISHED
    return TrustLevel.MEMBER


def trust_level(member, now: datetime | None = None) -> TrustLevel:
    """The member's level: the one a moderator set, or else the computed one."""
    if member.trust_level_override is not None:
        return TrustLevel(member.trust_level_override)
    return computed_level(member, now)


def allowance(member, now: datetime | None = None) -> Allowance:
    return ALLOWANCES[trust_level(member, now)]


def link_limit(author) -> int | None:
    """How many links a post by `author` may carry (None: no cap)."""
    setting = allowance(author).link_limit
    return None if setting is None else current_app.config[setting]


def flag_weight(flagger) -> int:
    return allowance(flagger).flag_weight


def may_start_conversations(member) -> bool:
    return is_signed_in(member) and allowance(member).starts_conversations


def may_set_trust_level(actor, member) -> bool:
    """Moderators set members' levels by hand; a moderator's own level is not theirs to
    set (it is always established)."""
    return is_moderator(actor) and not is_moderator(member)


def limit_for_level(kind: str):
    """For Flask-Limiter: the limit on `kind` ("posts" or "threads") for the signed-in
    member's level, read when the request comes (a visitor's request is refused anyway)."""

    def limit() -> str:
        level = trust_level(current_user) if is_signed_in(current_user) else TrustLevel.MEMBER
        return current_app.config[getattr(ALLOWANCES[level], f"{kind}_limit")]

    return limit


WHO = {
    TrustLevel.NEW: "Joined less than 7 days ago, or no post approved yet",
    TrustLevel.MEMBER: "Everyone else",
    TrustLevel.ESTABLISHED: (
        "Here 60 days or more, with 10 posts approved and no upheld flag or sanction in the "
        "last 60 days"
    ),
}


@dataclass(frozen=True)
class LevelRow:
    """One level as the guidelines page shows it, read from ALLOWANCES and the settings."""

    level: TrustLevel
    who: str
    links: str
    conversations: str
    flags: str
    replies: str
    threads: str


def _per(limit: str) -> str:
    """ "6 per minute;200 per day" -> "6 a minute, 200 a day"."""
    return ", ".join(part.strip().replace(" per ", " a ") for part in limit.split(";"))


def describe_levels() -> list[LevelRow]:
    config = current_app.config
    rows = []
    for level, allows in ALLOWANCES.items():
        links = allows.link_limit
        rows.append(
            LevelRow(
                level=level,
                who=WHO[level],
                links=f"At most {config[links]} a post" if links else "No limit",
                conversations=(
                    "Start them"
                    if allows.starts_conversations
                    else "Reply, or write to a moderator"
                ),
                flags="Counts twice" if allows.flag_weight == 2 else "Counts once",
                replies=_per(config[allows.posts_limit]),
                threads=_per(config[allows.threads_limit]),
            )
        )
    return rows
