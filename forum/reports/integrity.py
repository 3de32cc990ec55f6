"""Keeping the outcome figures hard to game: what the moderators' integrity page shows
(bursts of reports from new accounts, near-identical stories, members with several
reports on one treatment, the reports left out), and leaving a report out of its
treatment's figures, with the author's appeal decided by another moderator.

A report is left out while its latest exclusion stands (ReportExclusion.stands); the
published figures skip it (outcomes.py). An overturned exclusion no longer stands: the
report counts again, and a moderator may exclude it again, as a new row."""

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from forum.accounts.models import User
from forum.boards.models import Board
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.moderation_log import log_action
from forum.notifications.fanout import notify_member
from forum.policy import reports as policy
from forum.reports import releases
from forum.reports.models import ExperienceReport, ReportExclusion
from forum.threads.models import Post, Thread

# A burst: BURST_SIZE or more reports on one treatment within BURST_WINDOW, each filed by
# an account younger than NEW_ACCOUNT_AGE at the time.
BURST_SIZE = 3
BURST_WINDOW = timedelta(hours=24)
NEW_ACCOUNT_AGE = timedelta(days=30)
BURST_RULE = (
    f"{BURST_SIZE} or more on one treatment within {BURST_WINDOW.days * 24} hours, "
    f"from accounts younger than {NEW_ACCOUNT_AGE.days} days"
)
# Near-identical stories: word 3-shingles whose Jaccard similarity is at least this,
# among each treatment's RECENT_REPORTS latest reports; stories shorter than
# SIMILAR_MIN_WORDS are left out ("It worked." twice is no campaign).
SIMILARITY = 0.8
RECENT_REPORTS = 500
SIMILAR_MIN_WORDS = 12
SHINGLE_WORDS = 3
# One-permutation MinHash: BANDS x ROWS bins per story; two stories are compared exactly
# only when all bins of one band agree, so the work grows with the number of stories,
# not with its square. At a Jaccard of 0.8 a pair is a candidate 98.6% of the time.
BANDS, ROWS = 6, 3
# At most this many pairs per treatment are listed (a copied story posted 40 times is
# 780 pairs; the first ones make the point).
SIMILAR_PAIRS_MAX = 100
REPEATS_MAX = 500
EXCLUSIONS_MAX = 500
DECISIONS = ("upheld", "overturned")
APPEAL_MIN, APPEAL_MAX = 10, 2000
REASON_MAX = 500


# -- what the page lists ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """A report as the integrity page lists it."""

    report_id: int
    post_id: int
    board_id: int
    author_id: int | None
    author_name: str
    author_joined_at: datetime
    title: str
    created_at: datetime

    @property
    def account_age_at_filing(self) -> timedelta:
        return self.created_at - self.author_joined_at


@dataclass(frozen=True)
class Burst:
    reports: list[ReportRow]

    @property
    def starts_at(self) -> datetime:
        return self.reports[0].created_at

    @property
    def ends_at(self) -> datetime:
        return self.reports[-1].created_at


@dataclass(frozen=True)
class SimilarPair:
    first: ReportRow
    second: ReportRow
    similarity: float


@dataclass(frozen=True)
class RepeatReporter:
    author_name: str
    reports: list[ReportRow]


@dataclass(frozen=True)
class Excluded:
    """A standing exclusion, with the report it leaves out."""

    exclusion: ReportExclusion
    report: ReportRow
    moderator_name: str | None

    @property
    def appeal_state(self) -> str:
        if self.exclusion.decision == "upheld":
            return "appeal upheld"
        if self.exclusion.appealed_at is not None:
            return "appealed, waiting for a decision"
        return "not appealed"

    @property
    def appeal_open(self) -> bool:
        return self.exclusion.appealed_at is not None and self.exclusion.decision is None


@dataclass
class TreatmentIntegrity:
    treatment: Board
    bursts: list[Burst] = field(default_factory=list)
    similar: list[SimilarPair] = field(default_factory=list)
    repeats: list[RepeatReporter] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.bursts or self.similar or self.repeats or self.excluded)


@dataclass(frozen=True)
class IntegrityOverview:
    treatments: list[TreatmentIntegrity]
    # Report ids whose exclusion stands: no "Exclude" button for them.
    excluded_ids: frozenset[int]
    open_appeals: list[Excluded]


def _rows_query():
    return (
        sa.select(
            ExperienceReport.id,
            ExperienceReport.post_id,
            ExperienceReport.board_id,
            ExperienceReport.author_id,
            User.display_name,
            User.created_at,
            Thread.title,
            ExperienceReport.created_at,
        )
        .join(Post, Post.id == ExperienceReport.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .join(User, User.id == ExperienceReport.author_id)
    )


def _row(values) -> ReportRow:
    return ReportRow(*values)


def integrity_overview() -> IntegrityOverview:
    """Everything the moderators' integrity page lists, per treatment, in a fixed number
    of statements whatever the number of reports."""
    treatments = list(
        db.session.scalars(
            sa.select(Board).where(Board.family.is_not(None)).order_by(Board.position, Board.id)
        )
    )
    recent = _recent_reports()
    by_board: dict[int, list[tuple[ReportRow, str]]] = defaultdict(list)
    for row, body in recent:
        by_board[row.board_id].append((row, body))
    repeats = find_repeat_reporters()
    excluded = list_standing_exclusions()
    sections = []
    for treatment in treatments:
        rows = by_board.get(treatment.id, [])
        section = TreatmentIntegrity(
            treatment,
            bursts=find_bursts([row for row, _body in rows]),
            similar=find_similar_stories(rows),
            repeats=[r for r in repeats if r.reports[0].board_id == treatment.id],
            excluded=[e for e in excluded if e.report.board_id == treatment.id],
        )
        sections.append(section)
    return IntegrityOverview(
        treatments=sections,
        excluded_ids=frozenset(e.report.report_id for e in excluded),
        open_appeals=[e for e in excluded if e.appeal_open],
    )


def _recent_reports() -> list[tuple[ReportRow, str]]:
    """Each treatment's RECENT_REPORTS latest reports on posts, with their stories: one
    statement."""
    number = (
        sa.func.row_number()
        .over(
            partition_by=ExperienceReport.board_id,
            order_by=(ExperienceReport.created_at.desc(), ExperienceReport.id.desc()),
        )
        .label("number")
    )
    ranked = _rows_query().add_columns(Post.body_source, number).subquery()
    query = (
        sa.select(ranked)
        .where(ranked.c.number <= RECENT_REPORTS)
        .order_by(ranked.c.board_id, ranked.c.created_at, ranked.c.id)
    )
    return [(_row(values[:8]), values[8]) for values in db.session.execute(query)]


def find_bursts(rows: list[ReportRow]) -> list[Burst]:
    """Runs of BURST_SIZE or more reports (of one treatment) within BURST_WINDOW, each
    filed by an account younger than NEW_ACCOUNT_AGE then. Overlapping windows make one
    burst. `rows` in the order they were filed."""
    young = sorted(
        (r for r in rows if r.account_age_at_filing < NEW_ACCOUNT_AGE),
        key=lambda r: (r.created_at, r.report_id),
    )
    in_burst = [False] * len(young)
    end = 0
    for start in range(len(young)):
        end = max(end, start)
        while end < len(young) and young[end].created_at - young[start].created_at <= (
            BURST_WINDOW
        ):
            end += 1
        if end - start >= BURST_SIZE:
            for index in range(start, end):
                in_burst[index] = True
    bursts: list[list[ReportRow]] = []
    for index, row in enumerate(young):
        if not in_burst[index]:
            continue
        previous = bursts[-1][-1] if bursts else None
        joined = (
            previous is not None
            and in_burst[index - 1]
            and row.created_at - previous.created_at <= BURST_WINDOW
        )
        if joined:
            bursts[-1].append(row)
        else:
            bursts.append([row])
    return [Burst(reports) for reports in bursts]


_WORDS = re.compile(r"\w+")


def shingles(text: str) -> frozenset[str]:
    """A story's word 3-shingles, case and spacing aside; empty when it is too short to
    compare (SIMILAR_MIN_WORDS)."""
    words = _WORDS.findall((text or "").lower())
    if len(words) < SIMILAR_MIN_WORDS:
        return frozenset()
    return frozenset(
        " ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def _signature(grams: frozenset[str]) -> tuple[int | None, ...]:
    """One-permutation MinHash: each shingle's hash falls in one of BANDS x ROWS bins;
    a bin keeps its smallest hash."""
    bins: list[int | None] = [None] * (BANDS * ROWS)
    for gram in grams:
        value = zlib.crc32(gram.encode())
        slot, rank = value % len(bins), value // len(bins)
        if bins[slot] is None or rank < bins[slot]:
            bins[slot] = rank
    return tuple(bins)


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def find_similar_stories(rows: list[tuple[ReportRow, str]]) -> list[SimilarPair]:
    """Pairs of reports (of one treatment) whose stories are nearly the same: a Jaccard
    similarity of SIMILARITY or more between their word 3-shingles. Only pairs that agree
    on a whole band of their MinHash signatures are compared, so the cost grows with the
    number of stories; at most SIMILAR_PAIRS_MAX pairs, most similar first."""
    grams = [(row, shingles(body)) for row, body in rows]
    grams = [(row, g) for row, g in grams if g]
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for index, (_row, g) in enumerate(grams):
        signature = _signature(g)
        for band in range(BANDS):
            buckets[(band, signature[band * ROWS : (band + 1) * ROWS])].append(index)
    seen: set[tuple[int, int]] = set()
    pairs = []
    for members in buckets.values():
        if len(seen) >= SIMILAR_PAIRS_MAX * 20:
            break  # a story copied very many times: enough pairs to see it
        for i, j in combinations(members, 2):
            if (i, j) in seen:
                continue
            seen.add((i, j))
            similarity = jaccard(grams[i][1], grams[j][1])
            if similarity >= SIMILARITY:
                pairs.append(SimilarPair(grams[i][0], grams[j][0], round(similarity, 2)))
            if len(seen) >= SIMILAR_PAIRS_MAX * 20:
                break
    pairs.sort(key=lambda p: (-p.similarity, p.first.report_id, p.second.report_id))
    return pairs[:SIMILAR_PAIRS_MAX]


def find_repeat_reporters() -> list[RepeatReporter]:
    """Members with more than one report on one treatment (any treatment), with those
    reports: one statement."""
    repeated = (
        sa.select(ExperienceReport.author_id, ExperienceReport.board_id)
        .where(ExperienceReport.author_id.is_not(None), ExperienceReport.post_id.is_not(None))
        .group_by(ExperienceReport.author_id, ExperienceReport.board_id)
        .having(sa.func.count() > 1)
        .subquery()
    )
    query = (
        _rows_query()
        .join(
            repeated,
            sa.and_(
                repeated.c.author_id == ExperienceReport.author_id,
                repeated.c.board_id == ExperienceReport.board_id,
            ),
        )
        .order_by(ExperienceReport.board_id, ExperienceReport.author_id, ExperienceReport.id)
        .limit(REPEATS_MAX)
    )
    groups: dict[tuple[int, int], list[ReportRow]] = defaultdict(list)
    for values in db.session.execute(query):
        row = _row(values)
        groups[(row.board_id, row.author_id)].append(row)
    return [RepeatReporter(rows[0].author_name, rows) for rows in groups.values()]


def _latest_exclusion_ids():
    latest = aliased(ReportExclusion)
    return (
        sa.select(sa.func.max(latest.id)).where(latest.report_id == ReportExclusion.report_id)
    ).scalar_subquery()


def _standing():
    """SQL: the exclusion is its report's latest, and stands (not overturned)."""
    return sa.and_(
        ReportExclusion.id == _latest_exclusion_ids(),
        sa.or_(ReportExclusion.decision.is_(None), ReportExclusion.decision != "overturned"),
    )


def list_standing_exclusions() -> list[Excluded]:
    """The reports left out of the figures, newest decision first, with who left them
    out and the state of the author's appeal: one statement."""
    moderator = aliased(User)
    query = (
        _rows_query()
        .add_columns(ReportExclusion, moderator.display_name)
        .join(ReportExclusion, ReportExclusion.report_id == ExperienceReport.id)
        .outerjoin(moderator, moderator.id == ReportExclusion.moderator_id)
        .where(_standing())
        .order_by(ReportExclusion.id.desc())
        .limit(EXCLUSIONS_MAX)
    )
    return [
        Excluded(exclusion, _row(values[:8]), moderator_name)
        for *values, exclusion, moderator_name in db.session.execute(query)
    ]


# -- one report's exclusion ---------------------------------------------------------------


def standing_exclusion(report_id: int) -> ReportExclusion | None:
    """The report's exclusion that stands (its latest, unless overturned), if any."""
    return db.session.scalar(
        sa.select(ReportExclusion).where(ReportExclusion.report_id == report_id, _standing())
    )


def standing_exclusions(report_ids: list[int]) -> dict[int, ReportExclusion]:
    """standing_exclusion for several reports: {report id: exclusion}, one statement."""
    if not report_ids:
        return {}
    query = sa.select(ReportExclusion).where(ReportExclusion.report_id.in_(report_ids), _standing())
    return {exclusion.report_id: exclusion for exclusion in db.session.scalars(query)}


@dataclass(frozen=True)
class ExclusionNote:
    """What a report's author (and the moderators) see under its card on the thread page."""

    exclusion: ReportExclusion
    may_appeal: bool


def exclusion_notes(viewer, posts: list[Post]) -> dict[int, ExclusionNote]:
    """{post id: note} for the reports on `posts` left out of the figures that `viewer`
    may see (their author, the moderators). No statement unless the viewer may see one;
    then one. The posts come with their reports loaded."""
    reports = {
        post.report.id: post
        for post in posts
        if post.report is not None and policy.may_see_exclusion(viewer, post.report)
    }
    found = standing_exclusions(list(reports))
    return {
        reports[report_id].id: ExclusionNote(
            exclusion,
            policy.may_appeal_exclusion(viewer, reports[report_id].report, exclusion),
        )
        for report_id, exclusion in found.items()
    }


def get_report_or_404(report_id: int) -> ExperienceReport:
    return db.get_or_404(ExperienceReport, report_id)


def get_exclusion_or_404(exclusion_id: int) -> ReportExclusion:
    return db.get_or_404(ReportExclusion, exclusion_id)


def _clean_reason(reason: str | None, field_name: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Please give a reason (the author sees it).", field_name)
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason is at most {REASON_MAX} characters.", field_name)
    return reason


def _post_of(report: ExperienceReport) -> Post | None:
    return db.session.get(Post, report.post_id) if report.post_id is not None else None


def _log_and_tell(
    moderator: User,
    action: str,
    report: ExperienceReport,
    exclusion: ReportExclusion,
    kind: str,
    outcome: str,
    reason: str,
) -> None:
    """Log a moderator's decision about a report's place in the figures, against its post,
    and tell the report's author: one record for an exclusion and for an appeal's decision."""
    post = _post_of(report)
    log_action(
        moderator,
        action,
        post or report,
        subject_user_id=report.author_id,
        reason=reason,
        report_id=report.id,
        exclusion_id=exclusion.id,
    )
    if report.author_id is not None:
        notify_member(report.author_id, kind, moderator, outcome, reason, post)


def exclude_report(moderator: User, report: ExperienceReport, reason: str) -> ReportExclusion:
    """Leave a report out of its treatment's figures, with a reason its author is told
    (and may appeal). Refused while an exclusion of it stands (Conflict)."""
    if not policy.may_exclude_report(moderator, report):
        raise NotAllowed("Only moderators can do that.")
    reason = _clean_reason(reason)
    if standing_exclusion(report.id) is not None:
        raise Conflict("This report is already left out of the figures.")
    exclusion = ReportExclusion(report_id=report.id, moderator_id=moderator.id, reason=reason)
    db.session.add(exclusion)
    db.session.flush()
    _log_and_tell(moderator, "exclude_report", report, exclusion, "report_excluded", "", reason)
    db.session.commit()
    # Left out from the next release, which waits, like any change, for 5 of them.
    releases.refresh_boards({report.board_id})
    return exclusion


def appeal_exclusion(member: User, report: ExperienceReport, text: str) -> ReportExclusion:
    """The report's author appeals the exclusion that stands, once; another moderator
    decides it."""
    exclusion = standing_exclusion(report.id)
    if exclusion is None or not policy.may_appeal_exclusion(member, report, exclusion):
        if (
            exclusion is not None
            and exclusion.appealed_at is not None
            and (report.author_id == member.id)
        ):
            raise Conflict("You have already appealed this; a moderator will decide it.")
        raise NotAllowed("Only the report's author can appeal its exclusion.")
    text = (text or "").strip()
    if not APPEAL_MIN <= len(text) <= APPEAL_MAX:
        raise DomainError(f"Please explain in {APPEAL_MIN} to 2,000 characters.", "text")
    exclusion.appeal_text = text
    exclusion.appealed_at = utcnow()
    db.session.commit()
    return exclusion


def decide_exclusion_appeal(
    moderator: User, exclusion: ReportExclusion, decision: str, reason: str
) -> ReportExclusion:
    """Uphold (the report stays out) or overturn (it counts again), by a moderator other
    than the one who excluded it and the report's author; the author is told."""
    report = db.session.get(ExperienceReport, exclusion.report_id)
    if refusal := policy.exclusion_appeal_refusal(moderator, report, exclusion):
        raise NotAllowed(refusal)
    if exclusion.appealed_at is None:
        raise Conflict("There is no appeal to decide.")
    if exclusion.decision is not None:
        raise Conflict("This appeal was already decided.")
    if decision not in DECISIONS:
        raise DomainError("Choose uphold or overturn.", "decision")
    reason = _clean_reason(reason)
    exclusion.decision = decision
    exclusion.decision_reason = reason
    exclusion.decided_by_id = moderator.id
    exclusion.decided_at = utcnow()
    _log_and_tell(
        moderator, f"exclusion_{decision}", report, exclusion, "exclusion_decided", decision, reason
    )
    db.session.commit()
    releases.refresh_boards({report.board_id})
    return exclusion
