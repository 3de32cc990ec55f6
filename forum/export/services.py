"""A member's data export (GDPR articles 15 and 20): built within the request for most
accounts; for large ones queued as a DataExport and built by the `build-exports` job.

Built archives are kept in the database, in pieces (DataExportChunk), so any host serves
what any host built; they are served to their owner only, and deleted
EXPORT_RETENTION_DAYS after they were built (purge_expired_exports). Every step of the
builder is safe to run twice at once: a job is claimed by an UPDATE only one run wins."""

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from forum.accounts.models import User
from forum.errors import Conflict
from forum.export.archive import collect_member_data, write_archive
from forum.export.models import CHUNK_BYTES, IN_PROGRESS, DataExport, DataExportChunk
from forum.extensions import db, utcnow
from forum.threads.models import Post

log = logging.getLogger(__name__)

# A build still "building" after this long died with its worker: another run takes it over.
STALE_BUILD = timedelta(hours=1)
BATCH = 50


def download_name(moment: datetime) -> str:
    return f"firsthand-export-{moment:%Y-%m-%d}.zip"


def expires_at(export: DataExport) -> datetime | None:
    """When a built export stops being downloadable (None until it is built)."""
    if export.status != "ready" or export.finished_at is None:
        return None
    return export.finished_at + timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])


# -- asking for an export -----------------------------------------------------------------


def _in_progress(user_id: int) -> DataExport | None:
    return db.session.scalar(
        sa.select(DataExport).where(
            DataExport.user_id == user_id, DataExport.status.in_(IN_PROGRESS)
        )
    )


def request_export(user: User) -> DataExport | None:
    """Start the member's export. None: the account is small enough to build now (see
    build_export_now); otherwise the queued job, or the one already in progress."""
    current = _in_progress(user.id)
    if current is not None:
        return current
    posts = db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.author_id == user.id))
    if posts <= current_app.config["EXPORT_INLINE_MAX_POSTS"]:
        return None
    export = DataExport(user_id=user.id, status="queued", created_at=utcnow())
    db.session.add(export)
    try:
        db.session.commit()
    except IntegrityError:
        # A second click raced this one to the unique index: its job is the member's export.
        db.session.rollback()
        current = _in_progress(user.id)
        if current is None:
            raise Conflict(
                "Your export changed while you asked for it; please try again."
            ) from None
        return current
    return export


def build_export_now(user: User) -> tuple[IO[bytes], str]:
    """The member's export as a ZIP in a temporary file (rewound), and its download name."""
    now = utcnow()
    data = collect_member_data(user.id, now)
    # End the read before compressing: on SQLite a POST's transaction holds the write lock.
    db.session.commit()
    archive = tempfile.TemporaryFile()
    try:
        write_archive(data, archive)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    return archive, download_name(now)


# -- reading the member's exports ---------------------------------------------------------


def get_export_or_404(user: User, export_id: int) -> DataExport:
    """The member's own export; anyone else's is 404, as if it did not exist."""
    return db.first_or_404(
        sa.select(DataExport).where(DataExport.id == export_id, DataExport.user_id == user.id)
    )


def latest_export(user: User) -> DataExport | None:
    """The member's newest export job, if any (the export page shows its state)."""
    return db.session.scalar(
        sa.select(DataExport)
        .where(DataExport.user_id == user.id)
        .order_by(DataExport.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Download:
    export_id: int
    size_bytes: int
    name: str


def get_download_or_404(user: User, export_id: int, now: datetime) -> Download:
    """The member's built export: what to stream (archive_chunks) and its download name."""
    export = get_export_or_404(user, export_id)
    if export.in_progress:
        raise Conflict("This export is not ready yet.")
    until = expires_at(export)
    if until is None or until <= now or export.size_bytes is None:
        raise NotFound("This export has expired or could not be built. You can ask for a new one.")
    return Download(export.id, export.size_bytes, download_name(export.finished_at))


def archive_chunks(download: Download) -> Iterator[bytes]:
    """The archive's bytes, one stored piece at a time, each read on its own."""
    for position in range(-(-download.size_bytes // CHUNK_BYTES)):
        yield db.session.scalar(
            sa.select(DataExportChunk.data).where(
                DataExportChunk.export_id == download.export_id,
                DataExportChunk.position == position,
            )
        )


# -- building queued exports (`flask forum build-exports`) --------------------------------


@dataclass
class BuildSummary:
    built: int = 0
    failed: int = 0

    def line(self) -> str:
        return f"Exports: {self.built} built, {self.failed} failed."


def _claimable(now: datetime):
    return sa.or_(
        DataExport.status == "queued",
        sa.and_(DataExport.status == "building", DataExport.started_at < now - STALE_BUILD),
    )


def _claim(export_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        sa.update(DataExport)
        .where(DataExport.id == export_id, _claimable(now))
        .values(status="building", started_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _finish(export_id: int, **values) -> bool:
    """Record a build's end, unless the job was deleted meanwhile (account erased)."""
    result = db.session.execute(
        sa.update(DataExport)
        .where(DataExport.id == export_id, DataExport.status == "building")
        .values(finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def build_exports() -> BuildSummary:
    """Build every queued export (and any whose build died), oldest first."""
    summary = BuildSummary()
    after = 0
    while True:
        ids = db.session.scalars(
            sa.select(DataExport.id)
            .where(_claimable(utcnow()), DataExport.id > after)
            .order_by(DataExport.id)
            .limit(BATCH)
        ).all()
        db.session.commit()
        if not ids:
            return summary
        for export_id in ids:
            after = export_id
            if not _claim(export_id):
                continue  # another run took it
            try:
                _build(export_id)
            except Exception as error:
                # The member sees "failed" and can ask again, instead of waiting for ever.
                db.session.rollback()
                log.exception("Building data export %s failed", export_id)
                _finish(export_id, status="failed", error=type(error).__name__[:500])
                summary.failed += 1
            else:
                summary.built += 1


def _build(export_id: int) -> None:
    user_id = db.session.scalar(sa.select(DataExport.user_id).where(DataExport.id == export_id))
    data = collect_member_data(user_id, utcnow())
    db.session.commit()  # end the read; the archive takes a while to write
    with tempfile.TemporaryFile() as archive:
        write_archive(data, archive)
        size = archive.tell()
        archive.seek(0)
        # One transaction: the export is ready with all its pieces, or not at all. Its
        # first statement takes the write lock on SQLite (forum/jobs/services.py says why).
        finished = db.session.execute(
            sa.update(DataExport)
            .where(DataExport.id == export_id, DataExport.status == "building")
            .values(finished_at=utcnow(), status="ready", size_bytes=size, error=None)
            .execution_options(synchronize_session=False)
        )
        if finished.rowcount != 1:  # the job was deleted meanwhile (account erased)
            db.session.rollback()
            return
        for position, piece in enumerate(iter(lambda: archive.read(CHUNK_BYTES), b"")):
            db.session.execute(
                sa.insert(DataExportChunk).values(
                    export_id=export_id, position=position, data=piece
                )
            )
        db.session.commit()


# -- deleting expired exports (`flask forum purge-expired`) --------------------------------


def purge_expired_exports(now: datetime) -> int:
    """Delete exports built (or failed) more than EXPORT_RETENTION_DAYS before `now`, with
    their archives (the database cascades), in the caller's transaction; returns how many."""
    cutoff = now - timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])
    expired = sa.and_(DataExport.status.in_(("ready", "failed")), DataExport.finished_at < cutoff)
    deleted = db.session.execute(
        sa.delete(DataExport).where(expired).execution_options(synchronize_session=False)
    )
    return deleted.rowcount or 0
