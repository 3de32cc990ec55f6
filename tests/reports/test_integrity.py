"""Outcome integrity: one report per episode, the relief estimate beside the pain scores,
the moderators' integrity page, leaving a report out of the figures and the appeal."""

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.export.archive import collect_member_data
from forum.extensions import db, utcnow
from forum.moderation_log import ModerationAction
from forum.notifications.models import Notification
from forum.notifications.services import describe, notification_options
from forum.privacy.erasure import Erasure, erase_account
from forum.reports import integrity, services
from forum.reports.integrity import ReportRow
from forum.reports.models import ExperienceReport, ReportExclusion
from forum.retention import purge_expired
from forum.threads.services import delete_post, get_post_or_404
from tests.conftest import first_post_id, login
from tests.reports.conftest import answers, form_data, walk_report_form

STORY = (
    "I had my first epidural at the clinic on the hill. The needle was quick and the "
    "nurse kind. For three weeks nothing changed, then the burning in my left leg eased "
    "and I could walk the dog again. It wore off after four months."
)
OTHER_STORY = (
    "The radiofrequency ablation was harder than I expected. I was awake and it hurt "
    "while they tested the nerves. Two weeks of soreness, then my back pain halved and "
    "stayed low for almost a year; I would have it again."
)


def _client(app, user=None):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


def _report_of(post_id: int) -> ExperienceReport:
    return db.session.scalar(sa.select(ExperienceReport).where(ExperienceReport.post_id == post_id))


def _report_id(app, post_id: int) -> int:
    with app.app_context():
        return _report_of(post_id).id


def _age(app, post_id: int, filed_hours_ago: float, account_days_old_then: float) -> None:
    """When a seeded report was filed, and how old its author's account was then."""
    with app.app_context():
        report = _report_of(post_id)
        filed_at = utcnow() - timedelta(hours=filed_hours_ago)
        report.created_at = filed_at
        author = db.session.get(User, report.author_id)
        author.created_at = filed_at - timedelta(days=account_days_old_then)
        db.session.commit()


def _text(response) -> str:
    return response.get_data(as_text=True)


# -- one report per member per treatment episode ------------------------------------------


def test_a_second_report_of_the_same_month_is_refused_with_the_one_to_update(
    app, file, treatment, member
):
    """Without a procedure date, the episode's month is the month the report was filed."""
    first = file(treatment, author=member)

    with app.app_context(), pytest.raises(services.DuplicateReport) as refused:
        services.file_report(
            member,
            db.session.get(Board, treatment.id),
            "Again",
            "The same story.",
            answers(db.session.get(Board, treatment.id)),
            visibility="public",
        )

    assert refused.value.post_id == first
    assert refused.value.field == "treatment"
    assert "already reported this treatment for this month" in refused.value.message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ExperienceReport.id))) == 1


def test_episodes_are_told_apart_by_treatment_and_procedure_month(
    app, file, make_treatment, treatment, member
):
    other = make_treatment("injection")
    file(treatment, author=member, procedure_year=2024, procedure_month=3)
    file(treatment, author=member, procedure_year=2024, procedure_month=9)  # another month
    file(other, author=member, procedure_year=2024, procedure_month=3)  # another treatment

    with pytest.raises(services.DuplicateReport) as refused:
        file(treatment, author=member, procedure_year=2024, procedure_month=3)

    assert refused.value.field == "procedure_year"
    assert "for that month" in refused.value.message


def test_a_dated_report_of_this_month_meets_an_undated_one_filed_this_month(
    app, file, treatment, member
):
    first = file(treatment, author=member)
    today = utcnow().date()

    with pytest.raises(services.DuplicateReport) as refused:
        file(treatment, author=member, procedure_year=today.year, procedure_month=today.month)

    assert refused.value.post_id == first


def test_another_members_report_of_the_same_month_is_theirs(app, file, treatment, member):
    file(treatment, author=member)
    file(treatment)  # someone else: fine


def test_adding_a_report_to_a_thread_is_refused_for_an_episode_already_reported(
    app, file, make_thread, treatment, member
):
    first = file(treatment, author=member)
    opening = first_post_id(app, make_thread(board=treatment, author=member))
    with app.app_context():
        post = get_post_or_404(opening)
        with pytest.raises(services.DuplicateReport) as refused:
            services.add_report(member, post, answers(db.session.get(Board, treatment.id)))
    assert refused.value.post_id == first


def test_an_update_may_not_move_a_report_onto_another_episode(
    app, file, make_treatment, treatment, member
):
    other = make_treatment("injection")
    march = file(treatment, author=member, procedure_year=2024, procedure_month=3)
    file(treatment, author=member, procedure_year=2024, procedure_month=9)
    file(other, author=member, procedure_year=2024, procedure_month=3)

    with app.app_context():
        board = db.session.get(Board, treatment.id)
        report = _report_of(march)
        # Other answers change freely; the month stays its own.
        services.update_report(
            member, report, answers(board, pgic=3, procedure_year=2024, procedure_month=3), 1
        )
        with pytest.raises(services.DuplicateReport) as onto_month:
            services.update_report(
                member, report, answers(board, procedure_year=2024, procedure_month=9), 2
            )
        with pytest.raises(services.DuplicateReport) as onto_treatment:
            services.update_report(
                member,
                report,
                answers(db.session.get(Board, other.id), procedure_year=2024, procedure_month=3),
                2,
            )
        db.session.rollback()
        assert (_report_of(march).procedure_month, _report_of(march).pgic) == (3, 3)
    assert onto_month.value.field == "procedure_year"
    assert onto_treatment.value.post_id != march


def test_the_form_refuses_a_second_report_keeps_the_text_and_links_to_the_first(
    app, file, treatment, member
):
    """"Post report" finds the episode already reported: the step that asks the treatment
    says so and links to the first report; the story is still in the draft."""
    first = file(treatment, author=member)
    client = _client(app, member)

    response = walk_report_form(
        client,
        treatment.slug,
        form_data(treatment, title="Round two of my epidural", body="My second try."),
    )

    page = _text(response)
    assert response.status_code == 422
    assert "Step 2 of 4" in page
    assert "You already reported this treatment for this month." in page
    assert f'href="/p/{first}/report/edit"' in page
    story = _text(client.get(f"/b/{treatment.slug}/report?step=1"))
    assert "Round two of my epidural" in story and "My second try." in story


def test_sending_the_same_form_twice_is_not_a_second_report(app, treatment, member):
    client = _client(app, member)
    page = _text(client.get(f"/b/{treatment.slug}/report"))
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    walk_report_form(client, treatment.slug, form_data(treatment, submission_key=key), 3)
    last_step = {"visibility": "public", "submission_key": key}

    first, again = (
        client.post(f"/b/{treatment.slug}/report/post", data=last_step),
        client.post(f"/b/{treatment.slug}/report/post", data=last_step),
    )

    assert first.status_code == again.status_code == 302
    assert first.location == again.location
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ExperienceReport.id))) == 1


# -- the relief estimate beside the pain scores ----------------------------------------------


@pytest.mark.parametrize(
    ("before", "best", "estimate", "asked"),
    [
        (7, 2, 60, False),  # 71% less pain: close enough
        (7, 2, 30, True),  # 41 points apart
        (10, 5, 70, False),  # exactly 20 points: fine
        (10, 5, 71, True),
        (0, 0, 90, False),  # no pain before: nothing to compare
        (4, 6, 0, False),  # worse: no relief, as stated
        (4, 6, 40, True),
        (7, 2, None, False),  # no estimate
    ],
)
def test_an_estimate_far_from_the_pain_scores_is_asked_to_be_confirmed(
    app_ctx, treatment, before, best, estimate, asked
):
    given = answers(treatment, pain_before=before, pain_best=best, percent_relief=estimate)
    if asked:
        with pytest.raises(services.EstimateDiffers) as refused:
            services.clean_answers(given)
        assert refused.value.field == "percent_relief"
    else:
        assert services.clean_answers(given)["percent_relief"] == estimate
    # Confirmed, it is stored as given.
    assert services.clean_answers(given, confirmed_estimate=True)["percent_relief"] == estimate


def test_the_form_asks_once_then_saves_with_the_box_ticked(app, treatment, member):
    client = _client(app, member)
    form = _text(client.get(f"/b/{treatment.slug}/report?step=3"))
    assert "Your own estimate of relief at best, percent" in form
    assert "Yes, both are right" not in form  # no box until it is needed
    data = form_data(treatment, pain_before="7", pain_best="2", percent_relief="30")

    refused = walk_report_form(client, treatment.slug, data)
    page = _text(refused)
    assert refused.status_code == 422
    assert "Step 3 of 4" in page  # the step that asks the estimate
    assert "You estimated 30% relief, but pain from 7 to 2 is 71% less pain." in page
    assert 'name="confirm_estimate"' in page and "Yes, both are right" in page
    assert 'value="30"' in page  # what was typed is kept

    saved = walk_report_form(client, treatment.slug, {**data, "confirm_estimate": "y"})
    assert saved.status_code == 302
    with app.app_context():
        report = db.session.scalar(sa.select(ExperienceReport))
        assert (report.percent_relief, report.pain_before, report.pain_best) == (30, 7, 2)
        assert "confirm_estimate" not in report.answers()


def test_updating_a_report_asks_too(app, file, treatment, member):
    post_id = file(treatment, author=member)
    client = _client(app, member)
    url = f"/p/{post_id}/report/edit"
    data = {k: v for k, v in form_data(treatment).items() if k not in ("title", "body")}
    data.update(version="1", pain_before="8", pain_best="2", percent_relief="20")

    assert client.post(url, data=data).status_code == 422
    assert client.post(url, data={**data, "confirm_estimate": "y"}).status_code == 302


# -- finding what could game the figures (pure) ------------------------------------------------


def _row(number: int, hours: float, account_days: float, board_id: int = 1) -> ReportRow:
    filed = utcnow() - timedelta(days=10) + timedelta(hours=hours)
    return ReportRow(
        number,
        number,
        board_id,
        number,
        f"m{number}",
        filed - timedelta(days=account_days),
        "t",
        filed,
    )


def test_a_burst_is_three_reports_in_a_day_from_young_accounts():
    rows = [_row(1, 0, 2), _row(2, 5, 1), _row(3, 23, 29)]
    [burst] = integrity.find_bursts(rows)
    assert [r.report_id for r in burst.reports] == [1, 2, 3]


@pytest.mark.parametrize(
    "rows",
    [
        [_row(1, 0, 2), _row(2, 5, 1), _row(3, 25, 3)],  # spread over more than a day
        [_row(1, 0, 2), _row(2, 5, 1), _row(3, 6, 31)],  # one account old enough
        [_row(1, 0, 2), _row(2, 5, 1)],
    ],
)
def test_no_burst_without_three_young_accounts_in_a_day(rows):
    assert integrity.find_bursts(rows) == []


def test_overlapping_windows_are_one_burst_and_a_later_one_another():
    rows = [_row(n, n * 6, 1) for n in range(1, 7)]  # every 6 hours: one long burst
    rows += [_row(10 + n, 200 + n, 1) for n in range(3)]  # days later
    bursts = integrity.find_bursts(rows)
    assert [len(b.reports) for b in bursts] == [6, 3]


def test_near_identical_stories_are_paired_whatever_their_spacing_and_case():
    copied = STORY.upper().replace(" ", "   ").replace("dog", "cat")
    rows = [(_row(1, 0, 90), STORY), (_row(2, 1, 90), copied), (_row(3, 2, 90), OTHER_STORY)]
    rows.append((_row(4, 3, 90), "It worked."))
    rows.append((_row(5, 4, 90), "It worked."))  # too short to mean anything

    [pair] = integrity.find_similar_stories(rows)

    assert (pair.first.report_id, pair.second.report_id) == (1, 2)
    assert pair.similarity >= integrity.SIMILARITY


def test_similar_stories_are_found_in_bounded_work(monkeypatch):
    """Hundreds of different stories and one copied five times: the copies are paired, and
    only a small share of all the pairs is compared exactly."""
    compared = []
    exact = integrity.jaccard
    monkeypatch.setattr(integrity, "jaccard", lambda a, b: compared.append(1) or exact(a, b))
    words = [f"word{n}" for n in range(4000)]
    rows = [
        (_row(n, n, 90), " ".join(words[(n * 37) % 3900 :][:40] + [f"unique{n}"]))
        for n in range(400)
    ]
    rows += [(_row(1000 + n, n, 90), STORY) for n in range(5)]

    pairs = integrity.find_similar_stories(rows)

    copies = {(p.first.report_id, p.second.report_id) for p in pairs if p.first.report_id >= 1000}
    assert len(copies) == 10  # 5 choose 2
    all_pairs = len(rows) * (len(rows) - 1) // 2
    assert len(compared) < all_pairs / 20, (len(compared), all_pairs)


# -- the moderators' integrity page ------------------------------------------------------------


def _seed_page(app, file, make_user, treatment, young: int = 3, repeater: str = "twice-tess"):
    """A burst of `young` reports from new accounts, two near-identical stories, and a
    member with two reports on the treatment."""
    burst = []
    for n in range(young):
        post_id = file(treatment, title=f"Burst report {n}")
        _age(app, post_id, filed_hours_ago=10 + n, account_days_old_then=2)
        burst.append(post_id)
    copies = [
        file(treatment, title="Copied story one", body=STORY),
        file(treatment, title="Copied story two", body=STORY.replace("dog", "cat").upper()),
    ]
    for post_id in copies:
        _age(app, post_id, filed_hours_ago=24 * 40, account_days_old_then=300)
    twice = make_user(repeater)
    repeats = [
        file(treatment, author=twice, title="Tess first", procedure_year=2023, procedure_month=1),
        file(treatment, author=twice, title="Tess second", procedure_year=2024, procedure_month=1),
    ]
    for post_id in repeats:
        _age(app, post_id, filed_hours_ago=24 * 60, account_days_old_then=300)
    return burst, copies, repeats


def test_the_integrity_page_lists_bursts_copies_and_repeat_reporters(
    app, file, make_user, treatment, moderator
):
    burst, copies, repeats = _seed_page(app, file, make_user, treatment)
    client = _client(app, moderator)

    page = _text(client.get("/moderation/outcomes"))

    burst_part = page.split("Bursts of reports from new accounts")[1].split("<h3>")[0]
    for n in range(3):
        assert f"Burst report {n}" in burst_part
    assert "Copied story" not in burst_part
    similar = page.split("Near-identical stories")[1].split("<h3>")[0]
    assert "Copied story one" in similar and "Copied story two" in similar
    assert "Burst report" not in similar  # "What happened." is too short to compare
    repeated = page.split("Members with more than one report")[1].split("</section>")[0]
    assert "twice-tess, 2 reports" in repeated
    assert f'href="/p/{repeats[0]}"' in repeated
    report_id = _report_id(app, burst[0])
    assert f'action="/moderation/reports/{report_id}/exclude"' in page
    assert "Exclude from the figures" in page


def test_the_queue_links_to_the_integrity_page(app, moderator):
    page = _text(_client(app, moderator).get("/moderation"))
    assert 'href="/moderation/outcomes"' in page


def test_members_may_not_see_the_integrity_page(app, member, client):
    assert client.get("/moderation/outcomes").status_code == 302  # sign in first
    assert _client(app, member).get("/moderation/outcomes").status_code == 403


def test_the_integrity_page_runs_a_bounded_number_of_statements(
    app, file, make_user, treatment, moderator, count_queries
):
    client = _client(app, moderator)
    _seed_page(app, file, make_user, treatment, young=3)
    with count_queries() as few:
        assert client.get("/moderation/outcomes").status_code == 200
    _seed_page(app, file, make_user, treatment, young=12, repeater="twice-theo")
    excluded = file(treatment, title="Left out")
    with app.app_context():
        integrity.exclude_report(
            db.session.get(User, moderator.id), _report_of(excluded), "A test exclusion."
        )
    with count_queries() as many:
        assert client.get("/moderation/outcomes").status_code == 200
    assert len(many) == len(few), (len(few), len(many))


# -- leaving a report out, and the appeal -------------------------------------------------------


def _exclude(client, app, post_id: int, reason: str = "Part of a burst of new accounts."):
    return client.post(
        f"/moderation/reports/{_report_id(app, post_id)}/exclude", data={"reason": reason}
    )


def test_a_moderator_excludes_a_report_with_a_reason_the_author_is_told(
    app, file, treatment, member, moderator
):
    post_id = file(treatment, author=member, title="My epidural story")
    client = _client(app, moderator)

    response = _exclude(client, app, post_id)

    assert response.status_code == 302
    assert "left out of the treatment" in _text(client.get(response.location))
    with app.app_context():
        report = _report_of(post_id)
        exclusion = integrity.standing_exclusion(report.id)
        assert (exclusion.moderator_id, exclusion.reason) == (
            moderator.id,
            "Part of a burst of new accounts.",
        )
        entry = db.session.scalar(
            sa.select(ModerationAction).where(ModerationAction.action == "exclude_report")
        )
        assert (entry.actor_id, entry.target_type, entry.target_id) == (
            moderator.id,
            "post",
            post_id,
        )
        assert entry.subject_user_id == member.id
        note = db.session.scalar(
            sa.select(Notification)
            .where(Notification.user_id == member.id, Notification.kind == "report_excluded")
            .options(*notification_options())
        )
        assert describe(note) == (
            "A moderator left your report in “My epidural story” out of the treatment's "
            "figures: Part of a burst of new accounts."
        )
        assert note.post_id == post_id


def test_a_report_is_not_excluded_twice_and_a_reason_is_required(app, file, treatment, moderator):
    post_id = file(treatment)
    client = _client(app, moderator)

    empty = _exclude(client, app, post_id, reason="  ")
    assert empty.status_code == 422
    assert "Please give a reason (the author sees it)." in _text(empty)
    _exclude(client, app, post_id)
    again = _exclude(client, app, post_id, reason="Once more.")

    assert again.status_code == 302
    assert "This report is already left out of the figures." in _text(client.get(again.location))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReportExclusion.id))) == 1


def test_the_author_and_moderators_see_the_exclusion_nobody_else_does(
    app, file, treatment, member, moderator, fred
):
    post_id = file(treatment, author=member)
    _exclude(_client(app, moderator), app, post_id)
    said = "A moderator left this report out of the treatment's figures: Part of a burst"

    pages = {
        who: _text(client.get(client.get(f"/p/{post_id}").location))
        for who, client in {
            "author": _client(app, member),
            "moderator": _client(app, moderator),
            "another member": _client(app, fred),
            "visitor": app.test_client(),
        }.items()
    }

    assert said in pages["author"] and f'action="/p/{post_id}/report/appeal"' in pages["author"]
    assert said in pages["moderator"] and "/report/appeal" not in pages["moderator"]
    assert said not in pages["another member"] and said not in pages["visitor"]
    assert "Experience report" in pages["visitor"]  # the card itself stays


def test_the_author_appeals_once_and_nobody_else_can(app, file, treatment, member, moderator, fred):
    post_id = file(treatment, author=member)
    _exclude(_client(app, moderator), app, post_id)
    author = _client(app, member)
    url = f"/p/{post_id}/report/appeal"

    assert (
        _client(app, fred).post(url, data={"text": "I am not the author here."}).status_code == 404
    )
    short = author.post(url, data={"text": "No."})
    assert short.status_code == 422 and "10 to 2,000 characters" in _text(short)
    sent = author.post(url, data={"text": "This is my own story, written by me."})
    assert sent.status_code == 302
    page = _text(author.get(sent.location))
    assert "Your appeal is sent." in page and "another moderator will decide" in page
    again = author.post(url, data={"text": "Please read my appeal again."})
    assert again.status_code == 409
    assert "Please read my appeal again." in _text(again)  # kept
    with app.app_context():
        exclusion = integrity.standing_exclusion(_report_id(app, post_id))
        assert exclusion.appeal_text == "This is my own story, written by me."


def test_a_report_that_is_not_excluded_has_nothing_to_appeal(app, file, treatment, member):
    post_id = file(treatment, author=member)
    response = _client(app, member).post(
        f"/p/{post_id}/report/appeal", data={"text": "Nothing to appeal here."}
    )
    assert response.status_code == 404


def test_another_moderator_overturns_and_the_report_can_be_excluded_again(
    app, file, treatment, member, moderator, make_user
):
    post_id = file(treatment, author=member)
    excluder = _client(app, moderator)
    _exclude(excluder, app, post_id)
    _client(app, member).post(
        f"/p/{post_id}/report/appeal", data={"text": "This is my own story, written by me."}
    )
    with app.app_context():
        exclusion_id = integrity.standing_exclusion(_report_id(app, post_id)).id
    decide = f"/moderation/exclusions/{exclusion_id}/decide"
    listed = _text(excluder.get("/moderation/outcomes"))
    assert "This is my own story, written by me." in listed
    assert "Another moderator must decide an appeal against your own exclusion." in listed

    own = excluder.post(decide, data={"decision": "overturned", "reason": "Fine."})
    assert own.status_code == 403
    other = _client(app, make_user("mod-otto", role="moderator"))
    no_reason = other.post(decide, data={"decision": "overturned", "reason": ""})
    assert no_reason.status_code == 422
    decided = other.post(decide, data={"decision": "overturned", "reason": "Her own words."})

    assert decided.status_code == 302
    with app.app_context():
        assert integrity.standing_exclusion(_report_id(app, post_id)) is None
        note = db.session.scalar(
            sa.select(Notification).where(
                Notification.user_id == member.id, Notification.kind == "exclusion_decided"
            )
        )
        assert note.text == "overturned: Her own words." and note.post_id == post_id
    page = _text(_client(app, member).get(_client(app, member).get(f"/p/{post_id}").location))
    assert "out of the treatment's figures" not in page
    assert other.post(decide, data={"decision": "upheld", "reason": "x"}).status_code == 302
    # Excluded again: a new decision, a new row.
    assert _exclude(excluder, app, post_id, reason="A second look.").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReportExclusion.id))) == 2
        assert integrity.standing_exclusion(_report_id(app, post_id)).reason == "A second look."


def test_an_upheld_appeal_keeps_the_report_out(app, file, treatment, member, moderator, make_user):
    post_id = file(treatment, author=member)
    _exclude(_client(app, moderator), app, post_id)
    with app.app_context():
        report = _report_of(post_id)
        exclusion = integrity.appeal_exclusion(member, report, "It is my own story.")
        integrity.decide_exclusion_appeal(
            make_user("mod-uma", role="moderator"), exclusion, "upheld", "Same words as another."
        )
        assert integrity.standing_exclusion(report.id).decision == "upheld"
    page = _text(_client(app, member).get(_client(app, member).get(f"/p/{post_id}").location))
    assert "the report stays out. Same words as another." in page
    assert "/report/appeal" not in page


# -- the member's data --------------------------------------------------------------------------


def test_the_export_holds_the_exclusions_and_appeals_of_ones_reports(
    app, file, treatment, member, moderator
):
    post_id = file(treatment, author=member)
    _exclude(_client(app, moderator), app, post_id)
    with app.app_context():
        integrity.appeal_exclusion(member, _report_of(post_id), "It is my own story.")
        document = collect_member_data(member.id, utcnow()).document
    [report] = document["experience_reports"]
    [exclusion] = report["exclusions"]
    assert exclusion["reason"] == "Part of a burst of new accounts."
    assert exclusion["stands"] is True
    assert exclusion["appeal"]["text"] == "It is my own story."
    assert "moderator" not in json.dumps(exclusion)  # not who decided


@pytest.mark.parametrize("reports", ["keep", "delete"])
def test_erasing_an_account_with_excluded_reports_works(
    app, file, treatment, member, moderator, reports
):
    post_id = file(treatment, author=member)
    _exclude(_client(app, moderator), app, post_id)
    with app.app_context():
        report_id = _report_of(post_id).id
        integrity.appeal_exclusion(member, _report_of(post_id), "It is my own story.")
        user = db.session.get(User, member.id)
        erase_account(user, Erasure("keep", reports), user.display_name, time.time(), 600)
        left = db.session.scalars(
            sa.select(ReportExclusion).where(ReportExclusion.report_id == report_id)
        ).all()
        if reports == "keep":
            # The bare answers stay out of the figures; the member's words go.
            [exclusion] = left
            assert exclusion.stands and exclusion.appeal_text is None
        else:
            assert left == [] and db.session.get(ExperienceReport, report_id) is None
    # The moderators' page still works.
    assert _client(app, moderator).get("/moderation/outcomes").status_code == 200


def test_erasing_a_deleted_posts_report_takes_its_exclusion_with_it(
    app, file, treatment, member, moderator
):
    """purge-expired erases the report a post carried 14 days after its author deleted it;
    a moderator's exclusion of that report does not stop it."""
    post_id = file(treatment, author=member)
    _exclude(_client(app, moderator), app, post_id)
    with app.app_context():
        report_id = _report_of(post_id).id
        delete_post(db.session.get(User, member.id), get_post_or_404(post_id))
        purged = purge_expired(utcnow() + timedelta(days=15))
        assert purged.deleted_posts == 1
        assert db.session.get(ExperienceReport, report_id) is None
        assert db.session.scalar(sa.select(sa.func.count(ReportExclusion.id))) == 0
