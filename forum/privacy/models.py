from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.extensions import UTCDateTime, db, utcnow

HEALTH_DATA = "health_data"
# The version of the consent text in templates/privacy/_health_data_consent.html. Change both
# together: every Consent row names the text the member was shown.
HEALTH_DATA_CONSENT_VERSION = "2026-11"


class Consent(db.Model):
    """A member's explicit consent to one purpose (GDPR art. 9(2)(a)), with the version of the
    text they were shown. Withdrawing keeps the row until the account is erased."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))  # "health_data"
    text_version: Mapped[str] = mapped_column(sa.String(20))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")
