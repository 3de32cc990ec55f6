from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import RowVersion, UTCDateTime, db, utcnow

ROLES = ("member", "moderator", "admin")


class TrustLevel(StrEnum):
    """How far the forum trusts a member, computed from their time here and their record
    (forum/policy/trust.py says how, and what each level allows), or set by a moderator."""

    NEW = "new"
    MEMBER = "member"
    ESTABLISHED = "established"

    @property
    def label(self) -> str:
        return {"new": "New member", "member": "Member", "established": "Established member"}[
            self.value
        ]


_TRUST_LEVELS_SQL = ", ".join(f"'{level}'" for level in TrustLevel)


class User(UserMixin, RowVersion, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(30))
    # Pseudonyms are unique regardless of case: "Alex" and "alex" are one name.
    display_name_key: Mapped[str] = mapped_column(sa.String(30), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16), default="member", server_default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No longer read: sessions are rows of member_sessions since migration 0019, and
    # deleting them signs a member out. Kept until a migration rebuilds this table anyway.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the member accepted the community guidelines and medical disclaimer (onboarding).
    guidelines_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the member gave their active consent to processing health information (a Consent
    # row says which text); None until given. Read on every request with no extra query.
    health_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time the pseudonym changed: renaming is rate-limited.
    renamed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the member's active sanctions impose now (kept by forum/moderation/sanctions.py).
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Trust: the latest flag upheld on one of their posts or sanction imposed on them (a
    # level is computed from it without a query), and a level a moderator set by hand.
    last_strike_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trust_level_override: Mapped[str | None] = mapped_column(sa.String(16))
    # Who may start a private conversation with the member (forum/messages/models.py
    # AcceptMessages): anyone, only members they have talked with, or nobody.
    accept_messages: Mapped[str] = mapped_column(
        sa.String(10), default="anyone", server_default="anyone"
    )
    # A tie to a clinic, device maker or drug company the member declared: shown on posts.
    declared_interest: Mapped[str | None] = mapped_column(sa.String(200))
    # Notifications: watch threads one starts or replies to; an optional e-mail address
    # (never shown to anyone) once confirmed, and how often to send to it.
    # Privacy: the profile's list of recent posts is shown to signed-in members only.
    hide_history: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    auto_watch: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Hear when members find one's posts helpful or say "me too" (one batched notice a post).
    notify_reactions: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notify_email: Mapped[str | None] = mapped_column(sa.String(320))
    notify_email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_frequency: Mapped[str] = mapped_column(
        sa.String(10), default="none", server_default="none"
    )

    __table_args__ = (
        sa.CheckConstraint("role IN ('member', 'moderator', 'admin')", name="role"),
        sa.CheckConstraint(
            "email_frequency IN ('instant', 'daily', 'none')", name="email_frequency"
        ),
        sa.CheckConstraint(
            f"trust_level_override IN ({_TRUST_LEVELS_SQL})", name="trust_level_override"
        ),
        sa.CheckConstraint(
            "accept_messages IN ('anyone', 'talked', 'nobody')", name="accept_messages"
        ),
    )

    # The session this request is signed in with (forum/auth/sessions.py): its token, which
    # Flask-Login keeps in the session and remember-me cookies, and its row. Set when the
    # member signs in or is loaded for a request; never stored on this table.
    session_token = None
    member_session = None

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("A member is signed in through forum.auth.sessions.open_session.")
        return self.session_token

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def __repr__(self) -> str:
        return f"<User {self.display_name}>"
