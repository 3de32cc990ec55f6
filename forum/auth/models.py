from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow


class Identity(db.Model):
    """A sign-in method: who the provider says this is. A member may link several.

    The person is (provider, issuer, subject) and nothing else: never the e-mail address."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(40))
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    # A keyed hash of the provider's verified e-mail, never the address itself: enough to
    # notice that a new sign-in method probably belongs to an existing member.
    email_digest: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (sa.UniqueConstraint("provider", "issuer", "subject"),)

    def __repr__(self) -> str:
        return f"<Identity {self.provider} for user {self.user_id}>"



class MemberSession(db.Model):
    """A device a member is signed in on. The cookie carries a random token; only its
    SHA-256 digest is kept, so a copy of this table signs no one in. Deleting the row signs
    that device out, remember-me cookie included."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Absolute: the session ends then however busy it is (forum/auth/sessions.py LIFETIME).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Coarse on purpose, for the member to recognise their devices: "Firefox on Android".
    device: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    network: Mapped[str | None] = mapped_column(sa.String(49))  # e.g. "203.0.113.0/24"

    def __repr__(self) -> str:
        return f"<MemberSession {self.id} for user {self.user_id}>"


class SecondFactor(db.Model):
    """A moderator's or admin's authenticator app (TOTP, RFC 6238): one per person.

    Enrolment writes the row with confirmed_at empty; the first correct code confirms it."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Kept as is, not hashed: checking a code means computing it from the secret, which a
    # hash cannot give back. Whoever can read this column can read every post and session
    # anyway; what the factor guards against is a taken-over sign-in account.
    secret: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: a code seen once (over a shoulder,
    # in a phishing proxy) is refused the second time, even within its validity.
    last_step: Mapped[int | None]


class RecoveryCode(db.Model):
    """One of the ten single-use codes shown once at enrolment, for a lost phone.

    Only a SHA-256 digest is kept: the codes are random and long, so a plain hash is enough
    (no salt or slow hash needed, unlike a password someone chose)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("user_id", "code_digest"),)
