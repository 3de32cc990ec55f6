"""Signing in: social identities, onboarding, linking, and the development sign-in.

Nothing here touches the request or the session: views pass in what the provider said
(a ProviderIdentity) and decide what to do with the member that comes back."""

import hashlib
import hmac
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.accounts.services import (
    create_member,
    get_user_by_name,
    pseudonym_key,
    validate_pseudonym,
)
from forum.auth.models import Identity
from forum.auth.sessions import delete_member_sessions, find_session_user
from forum.errors import Conflict, DomainError, NotAllowed, NotVisible
from forum.extensions import db, utcnow
from forum.moderation.sanctions import is_locked_out, refuse_locked_out
from forum.privacy.services import record_consent


@dataclass(frozen=True)
class ProviderIdentity:
    """Who a provider says the person is. Only digests of the e-mail and name are kept."""

    provider: str
    issuer: str
    subject: str
    email_digest: str | None = None
    # The provider's names for the person (display name, handle): a pseudonym may not be one.
    name_digests: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ProviderIdentity":
        """Back from the session (JSON: the tuple comes back as a list)."""
        fields = {key: data.get(key) for key in cls.__dataclass_fields__}
        fields["name_digests"] = tuple(fields["name_digests"] or ())
        return cls(**fields)


def digest(secret: str, value: str | None) -> str | None:
    """A keyed hash of a normalised e-mail: comparable, not reversible."""
    if not value:
        return None
    return hmac.new(secret.encode(), value.strip().casefold().encode(), hashlib.sha256).hexdigest()


def name_digest(secret: str, name: str | None) -> str | None:
    """Names compared by letters and digits only: "Alice.Smith" is "Alice Smith"."""
    letters = "".join(ch for ch in (name or "") if ch.isalnum())
    return digest(secret, letters)


def _find_identity(identity: ProviderIdentity) -> Identity | None:
    return db.session.scalar(
        sa.select(Identity).where(
            Identity.provider == identity.provider,
            Identity.issuer == identity.issuer,
            Identity.subject == identity.subject,
        )
    )


def sign_in_with(identity: ProviderIdentity) -> User | None:
    """The member this identity belongs to, or None for a newcomer who must onboard.

    A newcomer whose verified e-mail matches a member's other sign-in method is refused:
    e-mail never identifies anyone, so they must sign in as usual and link from settings."""
    known = _find_identity(identity)
    if known is not None:
        user = db.session.get(User, known.user_id)
        if user is None or user.deleted_at is not None:
            raise NotAllowed("This account no longer exists.")
        refuse_locked_out(user)
        known.last_used_at = utcnow()
        db.session.commit()
        return user
    if identity.email_digest and db.session.scalar(
        sa.select(Identity.id).where(Identity.email_digest == identity.email_digest).limit(1)
    ):
        raise Conflict(
            "A member already signs in with another method that uses this e-mail address. "
            "Sign in the way you usually do, then link this one from your settings."
        )
    return None


def complete_onboarding(identity: ProviderIdentity, pseudonym: str, secret: str) -> User:
    """Create the member, their first sign-in method and their consent to process health
    information together, once onboarding (which asks for that consent) is done."""
    name = validate_pseudonym(pseudonym)
    if name_digest(secret, name) in identity.name_digests:
        raise DomainError(
            "Please choose a pseudonym that is not the name on your sign-in account.", "pseudonym"
        )
    if _find_identity(identity) is not None:
        raise Conflict("This sign-in method already belongs to a member. Please sign in again.")
    now = utcnow()
    user = User(display_name=name, display_name_key=pseudonym_key(name), guidelines_accepted_at=now)
    db.session.add(user)
    record_consent(user, now)
    db.session.add(
        Identity(
            user=user,
            provider=identity.provider,
            issuer=identity.issuer,
            subject=identity.subject,
            email_digest=identity.email_digest,
            created_at=now,
            last_used_at=now,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if _find_identity(identity) is not None:
            raise Conflict("This sign-in method already belongs to a member.") from None
        raise DomainError("That pseudonym is taken. Please choose another.", "pseudonym") from None
    return user


def link_identity(user: User, identity: ProviderIdentity) -> Identity:
    """Add a sign-in method to a signed-in member; one that is someone else's is refused."""
    known = _find_identity(identity)
    if known is not None:
        if known.user_id != user.id:
            raise NotAllowed("That sign-in method belongs to another member.")
        return known
    linked = Identity(
        user_id=user.id,
        provider=identity.provider,
        issuer=identity.issuer,
        subject=identity.subject,
        email_digest=identity.email_digest,
        last_used_at=utcnow(),
    )
    db.session.add(linked)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise NotAllowed("That sign-in method belongs to another member.") from None
    return linked


def list_identities(user: User) -> list[Identity]:
    return list(
        db.session.scalars(
            sa.select(Identity).where(Identity.user_id == user.id).order_by(Identity.id)
        )
    )


def unlink_identity(user: User, identity_id: int) -> None:
    """Remove one of the member's sign-in methods, never the last."""
    identities = list_identities(user)
    target = next((i for i in identities if i.id == identity_id), None)
    if target is None:
        raise NotVisible("There is no such sign-in method.")
    if len(identities) == 1:
        raise DomainError("This is your only way to sign in: link another before removing it.")
    db.session.delete(target)
    db.session.commit()


def sign_out_everywhere(user: User) -> None:
    """End every session and remember-me cookie of the member, on every device."""
    delete_member_sessions(user.id)
    db.session.commit()



def sign_in_dev(pseudonym: str) -> User:
    """The member with this pseudonym, created on first use (development sign-in only).
    A member it creates has consented, as onboarding would have asked."""
    name = validate_pseudonym(pseudonym)
    user = get_user_by_name(name)
    if user is not None:
        refuse_locked_out(user)
    return user or create_member(name, consent=True)


def load_session_user(token: str) -> User | None:
    """The member signed in with this session token, unless the session was signed out,
    has ended or was left idle (forum/auth/sessions.py). One statement loads both."""
    now = utcnow()
    found = find_session_user(token, now)
    if found is None:
        return None
    user, member_session = found
    # A suspension or ban that starts, or is still running, ends the session.
    if is_locked_out(user, now):
        return None
    user.session_token, user.member_session = token, member_session
    return user


class Visitor(AnonymousUserMixin):
    role = "visitor"
    is_moderator = False
