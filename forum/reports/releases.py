"""Releases: the outcome figures a treatment publishes, made only when enough changed.

Live figures would move with every report, so reading a page before and after one new,
edited or removed report would give that report's answers away. Instead every page, file
and headline reads the treatment's latest release, and a new release is made only once at
least RELEASE_CHANGES counted reports were added, changed or removed since the last one:
the difference between two releases is always several members' answers together.

A report counts once its post is approved (and in a thread that is not hidden), its
author's account is at least MIN_ACCOUNT_AGE old, and no moderator has excluded it
(integrity.py). Reports from members who declared a tie to the treatment are kept apart:
the main figures leave them out; the figures with them are published beside, when they
differ by at least MIN_N reports.

Within a release, a filtered view (`since`, `episode`) is published only when it and the
rest each hold 0 or at least MIN_N reports and it differs from every view already
published by 0 or at least MIN_N reports, so no two published views can be subtracted to
isolate fewer than MIN_N reports.

`refresh_boards` runs after every write to a report and from `flask forum
release-outcomes` (a periodic job: accounts come of age and posts are approved without a
write to the report)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.reports import opendata
from forum.reports import outcomes as figures
from forum.reports.models import ExperienceReport, OutcomeRelease, ReportExclusion
from forum.reports.outcomes import MIN_N, Count, Filters, Outcomes, is_safe
from forum.threads.models import Post, PostState, Thread

RELEASE_CHANGES = 5
MIN_ACCOUNT_AGE = timedelta(days=7)


# -- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """A treatment's figures in one line, for board and home pages."""

    reports: int
    reduction_30: Count | None
    improved: Count | None


@dataclass
class Release:
    """A stored release, read for one board."""

    board: Board
    id: int | None
    made_at: datetime | None
    reports: int
    pending: int
    waiting: int
    data: dict

    @property
    def version(self) -> tuple:
        """What a visitor's cached copy of a page built from this release depends on."""
        return self.id, self.pending, self.waiting

    def view(self, filters: Filters) -> Outcomes | None:
        """The figures for these filters, or None where the release withholds the view."""
        stored = self.data.get("views", {}).get(filters.key)
        if stored is None:
            if filters.active:
                return None
            return Outcomes(board=self.board, n=0)
        return opendata.from_json(self.board, stored)

    @property
    def with_ties(self) -> Outcomes | None:
        """All reports, those with a declared tie included, when published."""
        stored = self.data.get("with_ties")
        return None if stored is None else opendata.from_json(self.board, stored)

    @property
    def ties(self) -> int | None:
        """Reports left out for a declared tie; None when 1 to 4 (not said exactly)."""
        return self.data.get("ties", 0)

    @property
    def filters_published(self) -> list[str]:
        return [key for key, view in self.data.get("views", {}).items() if view is not None]

    @property
    def headline(self) -> Headline:
        main = self.view(Filters())
        if main.suppressed:
            return Headline(main.n, None, None)
        return Headline(main.n, main.reduction_30, main.improved)


_COLUMNS = (
    OutcomeRelease.id,
    OutcomeRelease.board_id,
    OutcomeRelease.made_at,
    OutcomeRelease.reports,
    OutcomeRelease.pending,
    OutcomeRelease.waiting,
    OutcomeRelease.figures,
)


def _latest_ids():
    return sa.select(sa.func.max(OutcomeRelease.id)).group_by(OutcomeRelease.board_id)


def current_releases(boards: list[Board]) -> dict[int, Release]:
    """The latest release of each board: one statement, whatever the number of boards."""
    by_id = {board.id: board for board in boards}
    rows = db.session.execute(
        sa.select(*_COLUMNS).where(
            OutcomeRelease.board_id.in_(list(by_id)), OutcomeRelease.id.in_(_latest_ids())
        )
    )
    found = {
        row.board_id: Release(
            by_id[row.board_id],
            row.id,
            row.made_at,
            row.reports,
            row.pending,
            row.waiting,
            row.figures,
        )
        for row in rows
    }
    return {board.id: found.get(board.id) or _nothing_yet(board) for board in boards}


def current_release(board: Board) -> Release:
    """The latest release of one board: one statement."""
    row = db.session.execute(
        sa.select(*_COLUMNS)
        .where(OutcomeRelease.board_id == board.id)
        .order_by(OutcomeRelease.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return _nothing_yet(board)
    return Release(board, row.id, row.made_at, row.reports, row.pending, row.waiting, row.figures)


def _nothing_yet(board: Board) -> Release:
    return Release(board, None, None, 0, 0, 0, {})


# -- making -----------------------------------------------------------------------------


def _report_rows(board_ids: list[int], now: datetime, columns):
    """Every report on these boards that counts or waits: `columns` of each, and whether
    it counts. One statement."""
    standing = (
        sa.select(ReportExclusion.id)
        .where(
            ReportExclusion.report_id == ExperienceReport.id,
            sa.or_(ReportExclusion.decision.is_(None), ReportExclusion.decision == "upheld"),
        )
        .exists()
    )
    shown = sa.or_(
        ExperienceReport.post_id.is_(None),
        sa.and_(Post.state == PostState.VISIBLE, ~Thread.is_hidden),
    )
    of_age = sa.or_(User.id.is_(None), User.created_at <= now - MIN_ACCOUNT_AGE)
    # A report waiting for approval starts a thread that stays hidden until then.
    waits = sa.or_(
        Post.state == PostState.PENDING,
        sa.and_(Post.state == PostState.VISIBLE, ~Thread.is_hidden, ~of_age),
    )
    query = (
        sa.select(*columns, sa.and_(shown, of_age).label("counts"))
        .outerjoin(Post, Post.id == ExperienceReport.post_id)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .outerjoin(User, User.id == ExperienceReport.author_id)
        .where(
            ExperienceReport.board_id.in_(board_ids),
            ~standing,
            sa.or_(sa.and_(shown, of_age), waits),
        )
        .order_by(ExperienceReport.board_id, ExperienceReport.id)
    )
    return db.session.execute(query).all()


def refresh_boards(board_ids, now: datetime | None = None, force: bool = False) -> list[int]:
    """Bring these boards' releases up to date: a new release where at least
    RELEASE_CHANGES counted reports changed since the last (or where there is none yet,
    or when `force`d), else the pending and waiting counts of the current one. Commits.
    Returns the ids of the boards that got a new release."""
    board_ids = sorted(set(board_ids))
    if not board_ids:
        return []
    now = now or utcnow()
    boards = {
        b.id: b
        for b in db.session.scalars(
            sa.select(Board).where(Board.id.in_(board_ids), Board.family.is_not(None))
        )
    }
    latest = {
        r.board_id: r
        for r in db.session.scalars(
            sa.select(OutcomeRelease)
            .where(OutcomeRelease.board_id.in_(list(boards)), OutcomeRelease.id.in_(_latest_ids()))
            .options(undefer(OutcomeRelease.snapshot))
        )
    }
    # First only what tells a change: most refreshes end here, at a few milliseconds.
    snapshots: dict[int, dict] = {board_id: {} for board_id in boards}
    waiting: dict[int, int] = dict.fromkeys(boards, 0)
    marks = (ExperienceReport.id, ExperienceReport.board_id, ExperienceReport.version)
    for report in _report_rows(list(boards), now, marks):
        if report.counts:
            snapshots[report.board_id][str(report.id)] = report.version
        else:
            waiting[report.board_id] += 1
    due = []
    for board_id in boards:
        release = latest.get(board_id)
        changes = _changes(release.snapshot if release else {}, snapshots[board_id])
        if release is None or changes >= RELEASE_CHANGES or (force and changes):
            due.append(board_id)
        elif (release.pending, release.waiting) != (changes, waiting[board_id]):
            release.pending, release.waiting, release.checked_at = changes, waiting[board_id], now
    # Then every answer of the reports of the boards due a release, as plain rows (not
    # entities: thousands of them).
    counted: dict[int, list] = {board_id: [] for board_id in due}
    if due:
        for report in _report_rows(due, now, ExperienceReport.__table__.c):
            if report.counts:
                counted[report.board_id].append(report)
    for board_id in due:
        reports = counted[board_id]
        db.session.add(
            OutcomeRelease(
                board_id=board_id,
                made_at=now,
                reports=sum(1 for r in reports if not r.has_conflict),
                figures=make_figures(boards[board_id], reports, now.date()),
                snapshot={str(r.id): r.version for r in reports},
                pending=0,
                waiting=waiting[board_id],
                checked_at=now,
            )
        )
    released = due
    if released:
        # Board and home pages show each treatment's headline: their cached copies depend
        # on the board's row version.
        db.session.execute(
            sa.update(Board).where(Board.id.in_(released)).values(row_version=Board.row_version + 1)
        )
    db.session.commit()
    return released


def refresh_all(now: datetime | None = None) -> list[int]:
    """Every treatment board (the periodic job)."""
    ids = db.session.scalars(sa.select(Board.id).where(Board.family.is_not(None))).all()
    return refresh_boards(ids, now)


def _changes(before: dict, after: dict) -> int:
    """Reports added, removed, or whose answers changed (a new version) between two
    snapshots of {report id: version}."""
    added_or_removed = len(before.keys() ^ after.keys())
    changed = sum(1 for key in before.keys() & after.keys() if before[key] != after[key])
    return added_or_removed + changed


def make_figures(board: Board, reports: list, today: date) -> dict:
    """Every view a release publishes, as plain JSON (see the module's docstring)."""
    main = [r for r in reports if not r.has_conflict]
    views: dict[str, dict | None] = {}
    published: list[frozenset] = []
    for filters in figures.all_filters():
        subset = [r for r in main if filters.admits(r, today)]
        ids = frozenset(r.id for r in subset)
        if filters.active and not _may_publish(ids, len(main), published):
            views[filters.key] = None
            continue
        views[filters.key] = opendata.to_json(figures.summarise(board, subset, today))
        published.append(ids)
    ties = len(reports) - len(main)
    all_ids = frozenset(r.id for r in reports)
    with_ties = None
    if ties and len(reports) >= MIN_N and _may_publish(all_ids, len(reports), published):
        with_ties = opendata.to_json(figures.summarise(board, reports, today))
    return {"views": views, "with_ties": with_ties, "ties": ties if is_safe(ties) else None}


def _may_publish(ids: frozenset, total: int, published: list[frozenset]) -> bool:
    """A filtered view: at least MIN_N reports, a rest of 0 or at least MIN_N, and a
    difference of 0 or at least MIN_N reports from every view already published."""
    if len(ids) < MIN_N or not is_safe(total - len(ids)):
        return False
    return all(is_safe(len(ids ^ other)) for other in published)
