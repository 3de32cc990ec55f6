from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import UTCDateTime, db, utcnow

EXPORT_STATES = ("queued", "building", "ready", "failed")
IN_PROGRESS = ("queued", "building")


class DataExport(db.Model):
    """A member's export too large to build within a request: queued by the export page,
    built by `flask forum build-exports`, downloadable by its owner until it expires."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a builder claimed it: a build that died half-way is claimed again after a while.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A random name in the exports folder, so a file is never found by guessing.
    file_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'building', 'ready', 'failed')", name="status"),
        # One export in progress per member: two quick clicks queue one job, not two.
        sa.Index(
            "uq_data_exports_in_progress",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'building')"),
            postgresql_where=sa.text("status IN ('queued', 'building')"),
        ),
    )

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    def __repr__(self) -> str:
        return f"<DataExport {self.id} {self.status} for user {self.user_id}>"
