"""Signing in. Social providers arrive later; the development sign-in is here now."""

import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from forum.accounts.models import User
from forum.accounts.services import create_member, get_user_by_name, validate_pseudonym
from forum.extensions import db


def sign_in_dev(pseudonym: str) -> User:
    """The member with this pseudonym, created on first use (development sign-in only)."""
    name = validate_pseudonym(pseudonym)
    return get_user_by_name(name) or create_member(name)


def load_session_user(session_user_id: str) -> User | None:
    """The signed-in member, unless the session was revoked (session_version bumped)."""
    user_id, _, version = session_user_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.scalar(
        sa.select(User).where(
            User.id == int(user_id),
            User.session_version == int(version),
            User.deleted_at.is_(None),
        )
    )
    return user


class Visitor(AnonymousUserMixin):
    role = "visitor"
    is_moderator = False
