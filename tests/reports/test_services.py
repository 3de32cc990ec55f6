"""Experience report services, called directly (no HTTP).

The factories write through a session of their own, so each test calls them before its
own session first reads, and re-fetches what it needs inside the test's context."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.errors import Conflict, DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.moderation.sanctions import impose_sanction
from forum.reports import services
from forum.reports.models import ExperienceReport, ReportRevision
from forum.threads.models import Post, Thread
from forum.threads.services import reply_to_thread
from tests.reports.conftest import answers

TODAY = date(2024, 6, 15)

# -- helpers ---------------------------------------------------------------------------


def _user(user: User) -> User:
    return db.session.get(User, user.id)


def _board(board: Board) -> Board:
    return db.session.get(Board, board.id)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _report(post_id: int) -> ExperienceReport:
    """A report loaded the way the views load it: through its post, with its treatment."""
    return services.get_report_post_or_404(post_id).report


def _refused(treatment, **overrides) -> DomainError:
    with pytest.raises(DomainError) as refused:
        services.clean_answers(answers(treatment, **overrides), today=TODAY)
    return refused.value


def _file(author, board, title="My procedure, six weeks on", key=None, **overrides) -> Post:
    return services.file_report(
        _user(author),
        _board(board),
        title,
        "What happened to me.",
        answers(_board(board), **overrides),
        submission_key=key,
        visibility="public",
    )


@pytest.fixture
def implant(make_treatment):
    return make_treatment("implant", slug="scs", name="Spinal cord stimulators")


@pytest.fixture
def community(make_board):
    """A community board: no treatment family, so it takes no reports of its own."""
    return make_board(slug="living-with-pain", name="Living with pain")


# -- clean_answers: numbers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "extra"),
    [
        ("pain_before", 11, {}),
        ("pain_before", -1, {}),
        ("pain_best", 11, {}),
        ("pain_best", -1, {}),
        ("pgic", 0, {}),
        ("pgic", 8, {}),
        ("times_had", 0, {}),
        ("times_had", 51, {}),
        ("percent_relief", 101, {}),
        ("percent_relief", -1, {}),
        ("onset_days", 91, {}),
        ("relief_weeks", 521, {}),
        ("recovery_days", 366, {}),
        ("procedure_month", 13, {"procedure_year": 2020}),
        ("procedure_month", 0, {"procedure_year": 2020}),
        ("procedure_year", 1979, {"procedure_month": 5}),
    ],
)
def test_numbers_out_of_range_are_refused_never_clamped(app_ctx, treatment, field, value, extra):
    """A typo must not become data: the answer is refused and the field named."""
    error = _refused(treatment, **{field: value, **extra})

    assert error.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_before", 0),
        ("pain_before", 10),
        ("pain_best", 0),
        ("pain_best", 10),
        ("pgic", 1),
        ("pgic", 7),
        ("times_had", 1),
        ("times_had", 50),
        ("percent_relief", 0),
        ("percent_relief", 100),
        ("onset_days", 0),
        ("onset_days", 90),
        ("relief_weeks", 0),
        ("relief_weeks", 520),
        ("recovery_days", 0),
        ("recovery_days", 365),
    ],
)
def test_boundary_values_are_accepted_as_given(app_ctx, treatment, field, value):
    """The ends of every range are valid answers and are stored unchanged (an estimate of
    relief far from the pain scores' change, confirmed: that check has its own tests)."""
    clean = services.clean_answers(
        answers(treatment, **{field: value}), today=TODAY, confirmed_estimate=True
    )

    assert clean[field] == value


@pytest.mark.parametrize("month", [1, 12])
def test_months_at_the_ends_of_the_year_are_accepted(app_ctx, treatment, month):
    """January and December of a past year are both fine."""
    clean = services.clean_answers(
        answers(treatment, procedure_month=month, procedure_year=2020), today=TODAY
    )

    assert (clean["procedure_month"], clean["procedure_year"]) == (month, 2020)


@pytest.mark.parametrize(("year", "month"), [(2024, 7), (2025, 1), (2100, 12)])
def test_a_procedure_date_in_the_future_is_refused(app_ctx, treatment, year, month):
    """Nobody can report a procedure they have not had yet."""
    error = _refused(treatment, procedure_year=year, procedure_month=month)

    assert error.field == "procedure_year"
    assert "future" in error.message


def test_this_month_is_not_the_future(app_ctx, treatment):
    """A procedure earlier this month can be reported."""
    clean = services.clean_answers(
        answers(treatment, procedure_year=2024, procedure_month=6), today=TODAY
    )

    assert (clean["procedure_year"], clean["procedure_month"]) == (2024, 6)


@pytest.mark.parametrize(
    "given", [{"procedure_month": 5}, {"procedure_year": 2020}], ids=["month-only", "year-only"]
)
def test_month_and_year_are_given_together_or_not_at_all(app_ctx, treatment, given):
    """Half a date is refused rather than guessed."""
    error = _refused(treatment, **given)

    assert error.field == "procedure_year"
    assert "both the month and the year" in error.message


@pytest.mark.parametrize(
    ("field", "missing"),
    [("pain_before", None), ("pain_best", None), ("pgic", None)],
)
def test_the_required_answers_are_required(app_ctx, treatment, field, missing):
    """Pain before, pain at best and the overall change are the core of a report."""
    error = _refused(treatment, **{field: missing})

    assert error.field == field


# -- clean_answers: choices ------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "body_region",
        "sedation",
        "imaging",
        "trial_result",
        "cost_bracket",
        "currency",
        "stop_reason",
        "would_repeat",
        "would_recommend",
    ],
)
def test_choices_outside_the_vocabulary_are_refused(app_ctx, treatment, field):
    """Only the listed answers are stored: the outcomes pages count them."""
    # A valid cost and currency, so only the answer under test is wrong.
    error = _refused(
        treatment, **{"cost_bracket": "under_100", "currency": "EUR", field: "made_up"}
    )

    assert error.field == field


def test_blank_choices_are_stored_as_no_answer(app_ctx, treatment):
    """An untouched select ("—") means no answer, not an empty string."""
    clean = services.clean_answers(
        answers(treatment, body_region="", sedation="", stop_reason=""), today=TODAY
    )

    assert (clean["body_region"], clean["sedation"], clean["stop_reason"]) == (None, None, None)


def test_a_trial_result_applies_to_implants_only(app_ctx, treatment, implant):
    """Stimulator trials exist; injection "trials" do not."""
    error = _refused(treatment, trial_result="passed")
    clean = services.clean_answers(answers(implant, trial_result="passed"), today=TODAY)

    assert error.field == "trial_result"
    assert clean["trial_result"] == "passed"


def test_a_side_effect_from_another_family_is_refused(app_ctx, treatment):
    """An epidural has no leads to migrate: the member is told which answer is wrong."""
    error = _refused(treatment, side_effects={"lead_migration": "mild"})

    assert error.field == "side_effects"
    assert "Lead migration" in error.message


def test_an_unknown_side_effect_is_refused(app_ctx, treatment):
    """A code no family offers is refused like one from another family."""
    error = _refused(treatment, side_effects={"growing_a_tail": "mild"})

    assert error.field == "side_effects"


@pytest.mark.parametrize("severity", ["", "extreme", None])
def test_each_side_effect_needs_a_known_severity(app_ctx, treatment, severity):
    """Mild, moderate or severe: a side effect without one is sent back."""
    error = _refused(treatment, side_effects={"flare": severity})

    assert error.field == "side_effects"
    assert "severity" in error.message


def test_side_effects_are_kept_in_the_family_order(app_ctx, treatment):
    """Stored in the order the form lists them, whatever order they arrived in."""
    clean = services.clean_answers(
        answers(treatment, side_effects={"other": "mild", "flare": "severe"}), today=TODAY
    )

    assert list(clean["side_effects"].items()) == [("flare", "severe"), ("other", "mild")]


def test_an_unknown_complication_is_refused(app_ctx, treatment):
    """Only the listed serious complications are counted."""
    error = _refused(treatment, complications=["emergency", "alien_abduction"])

    assert error.field == "complications"


def test_a_complication_ticked_twice_counts_once(app_ctx, treatment):
    """A repeated code (a resent form) is stored once."""
    clean = services.clean_answers(
        answers(treatment, complications=["emergency", "emergency"]), today=TODAY
    )

    assert clean["complications"] == ["emergency"]


def test_a_cost_needs_its_currency(app_ctx, treatment):
    """ "Under 100" means nothing without saying of what."""
    error = _refused(treatment, cost_bracket="under_100")

    assert error.field == "currency"


def test_a_cost_with_its_currency_is_kept(app_ctx, treatment):
    """A bracket and its currency are stored together."""
    clean = services.clean_answers(
        answers(treatment, cost_bracket="500_1000", currency="GBP"), today=TODAY
    )

    assert (clean["cost_bracket"], clean["currency"]) == ("500_1000", "GBP")


def test_paying_nothing_drops_the_currency(app_ctx, treatment):
    """Nothing is nothing in any currency, so none is stored."""
    clean = services.clean_answers(
        answers(treatment, cost_bracket="none", currency="USD"), today=TODAY
    )

    assert (clean["cost_bracket"], clean["currency"]) == ("none", None)


def test_ongoing_relief_needs_the_weeks_so_far(app_ctx, treatment):
    """ "Still going on" needs how long so far, or the outcomes cannot count it."""
    error = _refused(treatment, relief_ongoing=True)

    assert error.field == "relief_weeks"


def test_ongoing_relief_cannot_have_worn_off(app_ctx, treatment):
    """Contradictory answers are sent back to the member rather than stored."""
    error = _refused(treatment, relief_ongoing=True, relief_weeks=12, stop_reason="wore_off")

    assert error.field == "stop_reason"


def test_ongoing_relief_with_weeks_is_accepted(app_ctx, treatment):
    """Relief still going on after twelve weeks is a valid answer."""
    clean = services.clean_answers(
        answers(treatment, relief_ongoing=True, relief_weeks=12, stop_reason="ongoing"),
        today=TODAY,
    )

    assert (clean["relief_ongoing"], clean["relief_weeks"]) == (True, 12)


@pytest.mark.parametrize("disclosure", [None, "", "   \n  "], ids=["none", "empty", "blank"])
def test_a_declared_conflict_needs_a_disclosure(app_ctx, treatment, disclosure):
    """A tie declared without saying what it is (blank counts as nothing) is refused."""
    error = _refused(treatment, has_conflict=True, conflict_disclosure=disclosure)

    assert error.field == "conflict_disclosure"


def test_a_disclosure_is_at_most_300_characters(app_ctx, treatment):
    """300 characters are accepted, 301 refused."""
    error = _refused(treatment, has_conflict=True, conflict_disclosure="x" * 301)
    clean = services.clean_answers(
        answers(treatment, has_conflict=True, conflict_disclosure="x" * 300), today=TODAY
    )

    assert error.field == "conflict_disclosure"
    assert "300" in error.message
    assert clean["conflict_disclosure"] == "x" * 300


def test_a_disclosure_has_its_spacing_tidied(app_ctx, treatment):
    """Runs of spaces and line breaks become single spaces on the card."""
    clean = services.clean_answers(
        answers(treatment, has_conflict=True, conflict_disclosure="  I work  for\na clinic "),
        today=TODAY,
    )

    assert clean["conflict_disclosure"] == "I work for a clinic"


def test_a_disclosure_without_a_declared_conflict_is_refused(app_ctx, treatment):
    """ "No tie" plus a description of one is a contradiction to check, not to guess."""
    error = _refused(treatment, has_conflict=False, conflict_disclosure="I sell stimulators")

    assert error.field == "has_conflict"


def test_a_community_board_is_not_a_treatment(app_ctx, community):
    """A report must be about a treatment; "Living with pain" is not one."""
    error = _refused(_board(community))

    assert error.field == "treatment"


def test_a_report_without_a_treatment_is_refused(app_ctx):
    """No treatment at all is refused on the treatment question."""
    with pytest.raises(DomainError) as refused:
        services.clean_answers({"pain_before": 7, "pain_best": 3, "pgic": 2}, today=TODAY)

    assert refused.value.field == "treatment"


# -- file_report -----------------------------------------------------------------------


def test_filing_creates_the_thread_its_post_and_the_report(app_ctx, treatment, member):
    """One call starts the thread, its first post and the report on it."""
    post = _file(member, treatment, side_effects={"flare": "moderate"})

    db.session.expire_all()
    thread = db.session.get(Thread, post.thread_id)
    report = _report(post.id)
    assert thread.title == "My procedure, six weeks on"
    assert (thread.board_id, thread.author_id, thread.post_count) == (treatment.id, member.id, 1)
    assert post.position == 1
    assert (report.author_id, report.board_id) == (member.id, treatment.id)
    assert (report.pain_before, report.pain_best, report.pgic) == (7, 3, 2)
    assert report.side_effects == {"flare": "moderate"}
    assert report.version == 1
    assert report.updated_at is None
    assert _board(treatment).thread_count == 1


def test_filing_on_a_community_board_names_the_treatment(app_ctx, treatment, community, member):
    """The thread lives on the community board; the report counts for the treatment."""
    post = services.file_report(
        _user(member),
        _board(community),
        "Epidural while living with pain",
        "Story.",
        answers(_board(treatment)),
        visibility="public",
    )

    db.session.expire_all()
    assert db.session.get(Thread, post.thread_id).board_id == community.id
    assert _report(post.id).board_id == treatment.id


@pytest.mark.parametrize(
    ("title", "overrides", "field"),
    [
        ("My procedure, six weeks on", {"pain_before": 11}, "pain_before"),
        ("My procedure, six weeks on", {"has_conflict": True}, "conflict_disclosure"),
        ("Hey", {}, "title"),
    ],
    ids=["bad-answer", "contradiction", "bad-title"],
)
def test_a_refused_report_leaves_no_thread_behind(
    app_ctx, treatment, member, title, overrides, field
):
    """Thread and report are one transaction: a refusal creates neither."""
    with pytest.raises(DomainError) as refused:
        _file(member, treatment, title=title, **overrides)
    db.session.rollback()  # what the error handler does after a refusal

    assert refused.value.field == field
    assert _count(Thread) == 0
    assert _count(Post) == 0
    assert _count(ExperienceReport) == 0
    assert _board(treatment).thread_count == 0
    assert _user(member).post_count == 0


def test_the_same_submission_twice_files_one_report(app_ctx, treatment, member):
    """A double click or a browser retry returns the first post again."""
    first = _file(member, treatment, key="same-form-key")
    second = _file(member, treatment, key="same-form-key")

    assert second.id == first.id
    assert _count(Thread) == 1
    assert _count(Post) == 1
    assert _count(ExperienceReport) == 1
    assert _board(treatment).thread_count == 1


@pytest.mark.parametrize("kind", ["silence", "suspension"])
def test_a_silenced_or_suspended_member_cannot_file(app_ctx, treatment, member, moderator, kind):
    """A sanctioned member may read but not file; nothing is created."""
    impose_sanction(
        _user(moderator), _user(member), kind, "Cooling off.", utcnow() + timedelta(days=3)
    )

    with pytest.raises(NotAllowed):
        _file(member, treatment)

    assert _count(Thread) == 0
    assert _count(ExperienceReport) == 0


# -- add_report ------------------------------------------------------------------------


@pytest.fixture
def started(app, make_thread, treatment, member):
    """A thread the member started on the treatment board, without a report."""
    thread = make_thread(board=treatment, author=member, title="My epidural story")
    with app.app_context():
        return db.session.scalar(sa.select(Post.id).where(Post.thread_id == thread.id))


def test_the_thread_starter_adds_a_report_to_the_first_post(app_ctx, treatment, member, started):
    """A thread started without a report gets one later from its starter."""
    services.add_report(
        _user(member), services.get_post_or_404(started), answers(_board(treatment), pgic=3)
    )

    db.session.expire_all()
    report = _report(started)
    assert (report.author_id, report.board_id, report.pgic) == (member.id, treatment.id, 3)


def test_a_second_report_on_the_same_post_is_a_conflict(app_ctx, treatment, member, started):
    """One report per thread: the second is refused and the first kept as it was."""
    services.add_report(
        _user(member), services.get_post_or_404(started), answers(_board(treatment))
    )

    with pytest.raises(Conflict):
        services.add_report(
            _user(member), services.get_post_or_404(started), answers(_board(treatment), pgic=6)
        )

    db.session.expire_all()
    assert _count(ExperienceReport) == 1
    assert _report(started).pgic == 2


def test_a_report_goes_on_the_first_post_only(app_ctx, treatment, member, started):
    """The starter's own reply cannot carry the thread's report."""
    post = services.get_post_or_404(started)
    reply = reply_to_thread(_user(member), post.thread, "An update on my story.")

    with pytest.raises(NotAllowed):
        services.add_report(
            _user(member), services.get_post_or_404(reply.id), answers(_board(treatment))
        )

    assert _count(ExperienceReport) == 0


def test_fred_cannot_add_a_report_to_someone_elses_thread(app_ctx, treatment, fred, started):
    """The bad actor cannot put his answers on another member's story."""
    with pytest.raises(NotAllowed):
        services.add_report(
            _user(fred), services.get_post_or_404(started), answers(_board(treatment))
        )

    assert _count(ExperienceReport) == 0


def test_a_silenced_starter_cannot_add_a_report(app_ctx, treatment, member, started):
    """Silence stops adding a report as it stops posting."""
    _user(member).silenced_until = utcnow() + timedelta(days=1)
    db.session.commit()

    with pytest.raises(NotAllowed):
        services.add_report(
            _user(member), services.get_post_or_404(started), answers(_board(treatment))
        )

    assert _count(ExperienceReport) == 0


# -- update_report ---------------------------------------------------------------------


def test_an_update_keeps_the_old_answers_as_a_revision(app_ctx, file, treatment, member):
    """ "The relief wore off at seven months": the new answers replace the old ones,
    which stay in the history."""
    post_id = file(treatment, author=member, percent_relief=80, side_effects={"flare": "mild"})
    report = _report(post_id)
    filed = report.answers()
    created_at = report.created_at

    services.update_report(
        _user(member),
        report,
        answers(_board(treatment), pain_best=6, pgic=4, relief_weeks=30, stop_reason="wore_off"),
        version=1,
    )

    db.session.expire_all()
    report = _report(post_id)
    [revision] = db.session.scalars(
        sa.select(ReportRevision).where(ReportRevision.report_id == report.id)
    ).all()
    assert revision.answers == filed
    assert revision.answers["percent_relief"] == 80
    assert revision.written_at == created_at
    assert (report.pain_best, report.pgic, report.relief_weeks) == (6, 4, 30)
    assert report.percent_relief is None  # the update gives every answer anew
    assert report.version == 2
    assert report.updated_at is not None
    assert report.updated_at >= created_at
    assert report.created_at == created_at


def test_a_stale_update_is_a_conflict_and_changes_nothing(app_ctx, file, treatment, member):
    """Two tabs: the second save started from version 1 after the first made version 2."""
    post_id = file(treatment, author=member)
    services.update_report(
        _user(member), _report(post_id), answers(_board(treatment), pain_best=5), version=1
    )

    with pytest.raises(Conflict):
        services.update_report(
            _user(member), _report(post_id), answers(_board(treatment), pain_best=1), version=1
        )

    db.session.expire_all()
    report = _report(post_id)
    assert (report.pain_best, report.version) == (5, 2)
    assert _count(ReportRevision) == 1


def test_a_refused_update_changes_nothing(app_ctx, file, treatment, member):
    """A bad answer in an update leaves the report and its history as they were."""
    post_id = file(treatment, author=member)

    with pytest.raises(DomainError) as refused:
        services.update_report(
            _user(member), _report(post_id), answers(_board(treatment), pain_best=11), version=1
        )
    db.session.rollback()

    report = _report(post_id)
    assert refused.value.field == "pain_best"
    assert (report.pain_best, report.version, report.updated_at) == (3, 1, None)
    assert _count(ReportRevision) == 0


def test_fred_cannot_update_someone_elses_report(app_ctx, file, treatment, member, fred):
    """The bad actor cannot rewrite another member's report."""
    post_id = file(treatment, author=member)

    with pytest.raises(NotAllowed):
        services.update_report(
            _user(fred), _report(post_id), answers(_board(treatment), pgic=7), version=1
        )

    db.session.expire_all()
    assert (_report(post_id).pgic, _report(post_id).version) == (2, 1)
    assert _count(ReportRevision) == 0


def test_versions_are_listed_newest_first_with_their_treatment(
    app_ctx, file, make_treatment, treatment, member
):
    """Each version names the treatment it was about at the time."""
    facet = make_treatment("injection", slug="facet", name="Facet joint injections")
    post_id = file(treatment, author=member, pain_best=3)
    services.update_report(
        _user(member), _report(post_id), answers(_board(facet), pain_best=5), version=1
    )
    services.update_report(
        _user(member), _report(post_id), answers(_board(facet), pain_best=6), version=2
    )

    db.session.expire_all()
    versions = services.list_report_versions(_report(post_id))

    assert [v.number for v in versions] == [3, 2, 1]
    assert [v.is_current for v in versions] == [True, False, False]
    assert [v.answers["pain_best"] for v in versions] == [6, 5, 3]
    assert [v.treatment.slug for v in versions] == ["facet", "facet", "epidurals"]
    assert versions[0].written_at == _report(post_id).updated_at
    assert versions[2].written_at == _report(post_id).created_at


def test_a_report_never_updated_has_one_version(app_ctx, file, treatment, member):
    """The history of a fresh report is the report itself."""
    post_id = file(treatment, author=member)

    [version] = services.list_report_versions(_report(post_id))

    assert (version.number, version.is_current, version.treatment.slug) == (1, True, "epidurals")
