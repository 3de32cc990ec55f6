"""What the forum forgets on schedule (`purge-expired`, run daily by `flask forum jobs`):
security events, which hold truncated addresses, e-mail that was sent or given up on,
sessions that ended or were left idle, drafts (of reports, threads and replies) left
unsaved for DRAFT_DAYS, the record of the periodic jobs' runs, and the text of posts
their authors deleted once they can no longer undo it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from forum.audit import purge_security_events
from forum.auth.sessions import purge_sessions
from forum.drafts.services import purge_expired_drafts
from forum.extensions import db
from forum.jobs.services import purge_job_runs
from forum.notifications.models import OutgoingMail
from forum.policy.moderation import UNDO_DELETE_DAYS, UNDO_DELETE_PERIOD, posts_deleted_by_author
from forum.privacy.erasure import forget_blanked_words
from forum.reports.models import ExperienceReport, ReportExclusion, ReportRevision
from forum.threads.models import Post, PostRevision


@dataclass
class Purged:
    security_events: int
    mail: int
    exports: int
    sessions: int
    deleted_posts: int = 0
    drafts: int = 0
    job_runs: int = 0

    def line(self) -> str:
        return (
            f"Purged {self.security_events} security events, {self.mail} sent or abandoned "
            f"mails, {self.exports} data exports and {self.sessions} ended sessions.\n"
            f"Erased the text of {self.deleted_posts} posts deleted by their authors more "
            f"than {UNDO_DELETE_DAYS} days ago.\n"
            f"Deleted {self.drafts} drafts left unsaved too long and {self.job_runs} records"
            " of job runs."
        )


def purge_expired(now: datetime) -> Purged:
    """Delete everything past its retention period, in one transaction."""
    from forum.export.services import purge_expired_exports

    config = current_app.config
    purged = Purged(
        security_events=purge_security_events(
            now - timedelta(days=config["SECURITY_LOG_RETENTION_DAYS"])
        ),
        mail=_purge_mail(now - timedelta(days=config["MAIL_RETENTION_DAYS"])),
        exports=purge_expired_exports(now),
        sessions=purge_sessions(now),
        deleted_posts=_erase_deleted_posts(now - UNDO_DELETE_PERIOD),
        drafts=purge_expired_drafts(now - timedelta(days=config["DRAFT_DAYS"])),
        job_runs=purge_job_runs(now - timedelta(days=config["JOB_RUNS_KEEP_DAYS"])),
    )
    db.session.commit()
    return purged


def _purge_mail(before: datetime) -> int:
    """Sent mails, and mails given up on, older than `before`. A notification records that
    it was mailed, so a deleted row can never be queued and sent again."""
    finished = sa.or_(
        OutgoingMail.sent_at.is_not(None),
        OutgoingMail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"],
    )
    result = db.session.execute(
        sa.delete(OutgoingMail).where(finished, OutgoingMail.created_at < before)
    )
    return result.rowcount or 0


def _erase_deleted_posts(before: datetime) -> int:
    """Posts their authors deleted before `before`, which they can no longer undo: their
    text, earlier versions, search entry and the experience report they carried go. The
    placeholder keeps its place in the thread, as the author left it."""
    erased = list(
        db.session.scalars(
            sa.select(Post.id).where(
                posts_deleted_by_author(),
                Post.deleted_at < before,
                sa.or_(Post.body_source != "", Post.body_html != ""),
            )
        )
    )
    if not erased:
        return 0
    for chunk in (erased[i : i + 500] for i in range(0, len(erased), 500)):
        reports = sa.select(ExperienceReport.id).where(ExperienceReport.post_id.in_(chunk))
        db.session.execute(sa.delete(ReportRevision).where(ReportRevision.report_id.in_(reports)))
        db.session.execute(
            sa.delete(ReportExclusion)
            .where(ReportExclusion.report_id.in_(reports))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.delete(ExperienceReport)
            .where(ExperienceReport.post_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(sa.delete(PostRevision).where(PostRevision.post_id.in_(chunk)))
        db.session.execute(
            sa.update(Post)
            .where(Post.id.in_(chunk))
            .values(body_source="", body_html="", version=Post.version + 1)
            .execution_options(synchronize_session=False)
        )
    forget_blanked_words()
    return len(erased)
