"""Sessions kept as rows: one per device a member signed in on (MemberSession).

The session cookie and the remember-me cookie carry the session's random token only, so
deleting its row signs that device out at once, wherever the cookies were copied to.
Nothing here touches the request: views pass in the user agent and the address."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa

from forum.accounts.models import User
from forum.audit import truncate_address
from forum.auth.models import MemberSession
from forum.extensions import db, utcnow

# How long a session lasts from sign-in, whatever happens: without and with "keep me
# signed in on this device".
LIFETIME = timedelta(hours=12)
REMEMBERED_LIFETIME = timedelta(days=30)
# A session not used for this long ends.
IDLE_LIMIT = timedelta(days=7)
# last_seen_at is written at most this often per session, not on every page.
SEEN_EVERY = timedelta(minutes=5)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    user: User, remember: bool, user_agent: str | None, address: str | None
) -> tuple[str, MemberSession]:
    """Start a session for the member on this device; returns its token (for the cookie,
    never stored) and its row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = MemberSession(
        token_digest=token_digest(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + (REMEMBERED_LIFETIME if remember else LIFETIME),
        remember=remember,
        device=describe_device(user_agent),
        network=truncate_address(address),
    )
    db.session.add(row)
    db.session.commit()
    return token, row


def live(now: datetime) -> sa.ColumnElement[bool]:
    """A session that has neither reached its end nor been left idle too long."""
    return _live(now, now - IDLE_LIMIT)


def _live(now, seen_after) -> sa.ColumnElement[bool]:
    return sa.and_(MemberSession.expires_at > now, MemberSession.last_seen_at > seen_after)


def find_session_user(token: str, now: datetime) -> tuple[User, MemberSession] | None:
    """The member signed in with this token and their live session, in one statement."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        _session_user_statement(),
        {"digest": token_digest(token), "now": now, "seen_after": now - IDLE_LIMIT},
    ).first()
    return None if row is None else (row[0], row[1])


@cache
def _session_user_statement() -> sa.Select:
    # Built once: it runs on every signed-in request, and building it cost more than
    # running it.
    return (
        sa.select(User, MemberSession)
        .join(MemberSession, MemberSession.user_id == User.id)
        .where(
            MemberSession.token_digest == sa.bindparam("digest"),
            _live(sa.bindparam("now"), sa.bindparam("seen_after")),
            User.deleted_at.is_(None),
        )
    )


def note_session_seen(member_session: MemberSession, now: datetime) -> None:
    """Record that the session was used, at most once per SEEN_EVERY. Called after a page
    that only reads: the write goes in a short transaction of its own, so a read stays a
    read (and on PostgreSQL runs outside a transaction, see forum/extensions.py). The loaded
    row is left as it is, so nothing else in the request flushes it."""
    if now - member_session.last_seen_at < SEEN_EVERY:
        return
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(MemberSession)
            .where(MemberSession.id == member_session.id)
            .values(last_seen_at=now)
        )


def end_session(token: str) -> None:
    """Sign this session out (its device's cookies stop working)."""
    db.session.execute(
        sa.delete(MemberSession).where(MemberSession.token_digest == token_digest(token))
    )
    db.session.commit()


def end_member_session(user: User, session_id: int) -> bool:
    """Sign out one of the member's own sessions; False when they have none with that id."""
    result = db.session.execute(
        sa.delete(MemberSession).where(
            MemberSession.id == session_id, MemberSession.user_id == user.id
        )
    )
    db.session.commit()
    return bool(result.rowcount)


def delete_member_sessions(user_id: int) -> None:
    """Every session of the member, inside the caller's transaction (sign out everywhere,
    a suspension or ban, erasure)."""
    db.session.execute(sa.delete(MemberSession).where(MemberSession.user_id == user_id))


def list_member_sessions(
    user: User, now: datetime, current_id: int | None = None
) -> list[MemberSession]:
    """The member's live sessions: the one they are using first (so "this device" is where
    they look first), then the most recently used."""
    rows = db.session.scalars(
        sa.select(MemberSession)
        .where(MemberSession.user_id == user.id, live(now))
        .order_by(MemberSession.last_seen_at.desc(), MemberSession.id.desc())
    )
    return sorted(rows, key=lambda row: row.id != current_id)


def purge_sessions(now: datetime) -> int:
    """Delete sessions past their end or idle too long, inside the caller's transaction."""
    result = db.session.execute(sa.delete(MemberSession).where(sa.not_(live(now))))
    return result.rowcount or 0


def _families(*pairs: tuple[str, str]) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((name, re.compile(pattern)) for name, pattern in pairs)


# First match wins: browsers built on Chrome say "Chrome" and "Safari" too, Chrome says
# "Safari", and iPhones say "like Mac OS X", so the specific ones come first.
_BROWSERS = _families(
    ("Edge", r"\bEdg(e|A|iOS)?/"),
    ("Opera", r"\bOPR/|\bOpera\b"),
    ("Samsung Internet", r"\bSamsungBrowser/"),
    ("Firefox", r"\bFirefox/|\bFxiOS/"),
    ("Chrome", r"\bChrome/|\bCriOS/|\bChromium/"),
    ("Safari", r"\bVersion/[\d.]+.*\bSafari/"),
)
_SYSTEMS = _families(
    ("Android", r"\bAndroid\b"),
    ("iOS", r"\b(iPhone|iPad|iPod)\b"),
    ("Windows", r"\bWindows\b"),
    ("ChromeOS", r"\bCrOS\b"),
    ("macOS", r"\bMacintosh\b|\bMac OS X\b"),
    ("Linux", r"\bLinux\b"),
)


def describe_device(user_agent: str | None) -> str:
    """A coarse name for a device from its User-Agent, "Firefox on Android": enough for the
    member to recognise it, too little to single them out."""
    agent = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if pattern.search(agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "Unknown device")
