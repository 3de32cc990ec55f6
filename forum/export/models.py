from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import UTCDateTime, db, utcnow

EXPORT_STATES = ("queued", "building", "ready", "failed")
IN_PROGRESS = ("queued", "building")


class DataExport(db.Model):
    """A member's export too large to build within a request: queued by the export page,
    built by the `build-exports` job, downloadable by its owner until it expires. The built
    archive is kept in the database (DataExportChunk), so whichever host built it, every
    host can serve it."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a builder claimed it: a build that died half-way is claimed again after a while.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size_bytes: Mapped[int | None]  # of the built archive
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


# An archive is stored in pieces of this size, so serving it never holds more in memory.
CHUNK_BYTES = 1024 * 1024


class DataExportChunk(db.Model):
    """One piece of a built export's ZIP archive, in order. Deleted with its export (the
    database cascades), so purging or erasing an export leaves nothing of it behind."""

    __tablename__ = "data_export_chunks"

    export_id: Mapped[int] = mapped_column(
        sa.ForeignKey("data_exports.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
