"""Follow-ups: "Is it still working?" reminders at 3, 6, 12 and 24 months (the job, and the
e-mail it leads to), the one-step answer as a new version of the report, and turning the
reminders off."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.notifications.models import Notification
from forum.reports.followups import send_followups
from forum.reports.models import ExperienceReport, ReportRevision, months_before
from forum.threads.models import Post
from tests.conftest import login
from tests.notifications.test_mail_smtp import (
    BASE_URL,
    give_address,
    mail_config,
    send_mail,
    smtp_server,
)

ONGOING = {"relief_ongoing": True, "relief_weeks": 4}


def at(year, month, day=1, hour=0):
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def report_of(app, file, treatment, member):
    """File a report whose relief is still going on (unless told otherwise); `filed_at`
    moves its filing date back. Returns the post's id."""

    def make(author=None, filed_at=None, **answers):
        post_id = file(treatment, author=author or member, **{**ONGOING, **answers})
        if filed_at is not None:
            with app.app_context():
                db.session.execute(
                    sa.update(ExperienceReport)
                    .where(ExperienceReport.post_id == post_id)
                    .values(created_at=filed_at)
                )
                db.session.commit()
        return post_id

    return make


def run(app, now):
    with app.app_context():
        return send_followups(now)


def reminders(app, user=None):
    """(post id, text, read) of every follow-up notification, oldest first."""
    with app.app_context():
        query = sa.select(Notification).where(Notification.kind == "followup")
        if user is not None:
            query = query.where(Notification.user_id == user.id)
        return [
            (n.post_id, n.text, n.read_at is not None)
            for n in db.session.scalars(query.order_by(Notification.id))
        ]


def report(app, post_id) -> ExperienceReport:
    with app.app_context():
        found = db.session.scalar(
            sa.select(ExperienceReport).where(ExperienceReport.post_id == post_id)
        )
        db.session.expunge(found)
        return found


def revisions(app, post_id) -> list[dict]:
    with app.app_context():
        return [
            r.answers
            for r in db.session.scalars(
                sa.select(ReportRevision)
                .join(ExperienceReport, ExperienceReport.id == ReportRevision.report_id)
                .where(ExperienceReport.post_id == post_id)
                .order_by(ReportRevision.id)
            )
        ]


def change(app, model, where, **values):
    with app.app_context():
        db.session.execute(sa.update(model).where(where).values(**values))
        db.session.commit()


# -- milestones ------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(at(2025, 8, 31, 10), 3) == at(2025, 5, 31, 10)
    assert months_before(at(2025, 5, 31), 3) == at(2025, 2, 28)
    assert months_before(at(2024, 2, 15), 24) == at(2022, 2, 15)


def test_reminded_at_3_6_12_and_24_months_after_the_procedure_month_once_each(app, report_of):
    post_id = report_of(procedure_year=2024, procedure_month=1)

    for now, expected in [
        (at(2024, 3, 31, 23), []),  # not yet three months after 1 January
        (at(2024, 4, 1), [(post_id, "3 months", False)]),
        (at(2024, 4, 20), []),  # once per milestone
        (at(2024, 6, 30), []),
        (at(2024, 7, 1), [(post_id, "6 months", False)]),
        (at(2025, 1, 2), [(post_id, "1 year", False)]),
        (at(2026, 1, 1), [(post_id, "2 years", False)]),
        (at(2030, 1, 1), []),  # nothing after two years
    ]:
        before = reminders(app)
        run(app, now)
        assert reminders(app)[len(before) :] == expected, now
    assert report(app, post_id).followups_sent == 4


def test_without_a_date_the_months_count_from_the_filing(app, report_of):
    post_id = report_of(filed_at=at(2025, 5, 31, 10))

    run(app, at(2025, 8, 31, 9))
    assert reminders(app) == []
    run(app, at(2025, 8, 31, 10))
    assert reminders(app) == [(post_id, "3 months", False)]


def test_a_report_past_several_milestones_gets_one_reminder_for_the_latest(app, report_of):
    post_id = report_of(procedure_year=2024, procedure_month=1)

    result = run(app, at(2025, 3, 1))
    run(app, at(2025, 3, 2))  # run again: nothing more

    assert reminders(app) == [(post_id, "1 year", False)]
    assert report(app, post_id).followups_sent == 3
    assert result.line() == "Follow-ups: 1 reminders sent, 0 already sent by another run."


def test_no_reminder_when_relief_ended_or_reminders_are_off(app, report_of):
    report_of(relief_ongoing=False, relief_weeks=10, procedure_year=2024, procedure_month=1)
    off = report_of(procedure_year=2023, procedure_month=12)  # another episode
    change(app, ExperienceReport, ExperienceReport.post_id == off, reminders_off=True)

    run(app, at(2024, 5, 1))

    assert reminders(app) == []


@pytest.mark.parametrize("state", ["hidden", "deleted", "pending"])
def test_no_reminder_for_a_post_nobody_may_read(app, report_of, state):
    post_id = report_of(procedure_year=2024, procedure_month=1)
    change(app, Post, Post.id == post_id, state=state)

    run(app, at(2024, 5, 1))

    assert reminders(app) == []
    assert report(app, post_id).followups_sent == 0  # their turn comes if it is restored


@pytest.mark.parametrize(
    "sanction",
    [
        {"banned_at": at(2024, 1, 1)},
        {"suspended_until": at(2099, 1, 1)},
        {"silenced_until": at(2099, 1, 1)},
        {"deleted_at": at(2024, 1, 1)},
    ],
)
def test_no_reminder_for_a_member_gone_or_sanctioned(app, report_of, member, sanction):
    report_of(procedure_year=2024, procedure_month=1)
    change(app, User, User.id == member.id, **sanction)

    run(app, at(2024, 5, 1))

    assert reminders(app) == []


def test_the_job_costs_the_same_statements_for_3_reports_as_for_12(
    app, report_of, make_user, count_queries
):
    for _ in range(3):
        report_of(author=make_user(), procedure_year=2024, procedure_month=1)
    with count_queries() as few:
        run(app, at(2024, 4, 2))
    for _ in range(12):
        report_of(author=make_user(), procedure_year=2024, procedure_month=2)
    with count_queries() as many:
        run(app, at(2024, 5, 2))

    assert len(reminders(app)) == 15
    assert len(many) == len(few) <= 5, many


def test_the_command_line_runs_it(app, report_of):
    report_of(filed_at=utcnow() - timedelta(days=100))

    result = app.test_cli_runner().invoke(args=["forum", "send-followups"])

    assert result.exit_code == 0, result.output
    assert "Follow-ups: 1 reminders sent" in result.output
    assert len(reminders(app)) == 1


# -- e-mail ----------------------------------------------------------------------------


@pytest.fixture
def inbox():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_app(make_app, inbox):
    return make_app(**mail_config(inbox.port))


@pytest.mark.parametrize("frequency", ["instant", "daily"])
def test_the_reminder_reaches_a_member_who_chose_e_mail(
    mail_app, inbox, file, treatment, member, frequency
):
    post_id = file(treatment, author=member, title="Knee block", **ONGOING)
    change(
        mail_app,
        ExperienceReport,
        ExperienceReport.post_id == post_id,
        created_at=utcnow() - timedelta(days=100),
    )
    give_address(mail_app, member, "pat@example.org", frequency=frequency)

    run(mail_app, utcnow())
    send_mail(mail_app)

    [mail] = inbox.messages
    assert mail.recipients == ["pat@example.org"]
    line = "Is it still working? 3 months on: answer in one step for your report in “Knee block”"
    assert line in mail.body
    if frequency == "instant":
        assert mail.subject == f"Firsthand: {line}"
    assert f"{BASE_URL}/p/{post_id}/report/followup" in mail.links
    send_mail(mail_app)
    assert len(inbox.messages) == 1


# -- answering in one step -------------------------------------------------------------


@pytest.fixture
def due(app, report_of):
    """A report filed 100 days ago with 4 weeks of relief so far, its reminder sent."""
    post_id = report_of(filed_at=utcnow() - timedelta(days=100))
    run(app, utcnow())
    return post_id


def followup(client, post_id, **data):
    return client.post(f"/p/{post_id}/report/followup", data={"version": "1", **data})


def test_following_the_reminder_opens_the_form_and_reads_it(app, client, member, due):
    login(client, member)
    with app.app_context():
        [notification_id] = db.session.scalars(sa.select(Notification.id)).all()

    response = client.get(f"/notifications/{notification_id}")

    assert response.headers["Location"] == f"/p/{due}/report/followup"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Is it still working?" in page and "4 weeks so far" in page
    assert reminders(app) == [(due, "3 months", True)]


def test_still_working_counts_the_weeks_since_the_filing(app, client, member, due):
    login(client, member)

    response = followup(client, due, choice="working")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/t/")
    now = report(app, due)
    assert (now.relief_weeks, now.relief_ongoing, now.version) == (14, True, 2)
    assert now.stop_reason is None
    [earlier] = revisions(app, due)
    assert (earlier["relief_weeks"], earlier["relief_ongoing"]) == (4, True)
    assert reminders(app) == [(due, "3 months", True)]  # answering reads it


def test_still_working_counts_from_the_procedure_month(app, client, member, report_of):
    now = utcnow()
    year, month = divmod(now.year * 12 + now.month - 1 - 5, 12)
    post_id = report_of(procedure_year=year, procedure_month=month + 1)
    login(client, member)

    followup(client, post_id, choice="working")

    started = datetime(year, month + 1, 1, tzinfo=UTC)
    assert report(app, post_id).relief_weeks == (now - started).days // 7


def test_it_wore_off(app, client, member, due):
    login(client, member)

    response = followup(client, due, choice="wore_off", week="9")

    assert response.status_code == 302
    now = report(app, due)
    assert (now.relief_weeks, now.relief_ongoing, now.stop_reason) == (9, False, "wore_off")
    assert len(revisions(app, due)) == 1
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Thank you: your report is updated." in page
    assert "9 weeks" in page and "Answer in one step" not in page


def test_had_it_again_then_offers_a_new_report(app, client, member, due, treatment):
    login(client, member)

    response = followup(client, due, choice="again", week="12")

    assert response.headers["Location"] == f"/p/{due}/report/followup?answered=again"
    now = report(app, due)
    assert (now.relief_weeks, now.relief_ongoing, now.stop_reason) == (12, False, "wore_off")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "share how the new one went" in page
    assert f"/b/{treatment.slug}/report?treatment={treatment.slug}" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choice": "wore_off"}, "Please give the week"),
        ({"choice": "again", "week": "600"}, "from 0 to 520"),
        ({"week": "3"}, "Please choose one of the three answers."),
        ({"choice": "gone"}, "Please choose one of the three answers."),
    ],
)
def test_a_wrong_answer_is_refused_and_kept(app, client, member, due, data, message):
    login(client, member)

    response = followup(client, due, **data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if "week" in data:
        assert f'value="{data["week"]}"' in page
    assert report(app, due).version == 1 and revisions(app, due) == []


def test_an_answer_from_an_old_version_is_a_conflict(app, client, member, due):
    login(client, member)
    followup(client, due, choice="working")

    response = followup(client, due, choice="wore_off", week="5")

    assert response.status_code == 409
    assert "This report was updated since you opened it" in response.get_data(as_text=True)
    now = report(app, due)
    assert (now.version, now.relief_ongoing) == (2, True)


def test_only_its_author_answers(app, client, fred, due):
    assert client.get(f"/p/{due}/report/followup").headers["Location"].startswith("/login")
    login(client, fred)

    assert client.get(f"/p/{due}/report/followup").status_code == 403
    assert followup(client, due, choice="wore_off", week="2").status_code == 403
    assert client.post(f"/p/{due}/report/reminders", data={"reminders": "off"}).status_code == 403
    now = report(app, due)
    assert (now.version, now.reminders_off) == (1, False)


# -- on the thread page, and the reminders' switch --------------------------------------


def thread_page(client, post_id) -> str:
    return client.get(f"/p/{post_id}", follow_redirects=True).get_data(as_text=True)


def test_the_author_sees_the_answer_link_and_the_switch_others_do_not(
    app, client, member, fred, due
):
    login(client, member)
    page = thread_page(client, due)
    assert "Is it still working? Answer in one step" in page
    assert "Turn off “Is it still working?” reminders" in page

    login(client, fred)
    page = thread_page(client, due)
    assert "Answer in one step" not in page and "reminders" not in page


def test_no_answer_link_before_the_first_milestone(client, member, report_of):
    post_id = report_of()
    login(client, member)

    page = thread_page(client, post_id)

    assert "Answer in one step" not in page
    assert "Turn off “Is it still working?” reminders" in page


def test_turning_reminders_off_stops_them_and_back_on(app, client, member, report_of):
    post_id = report_of(filed_at=utcnow() - timedelta(days=100))
    login(client, member)

    response = client.post(f"/p/{post_id}/report/reminders", data={"reminders": "off"})

    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "No more reminders for this report." in page
    assert "Turn “Is it still working?” reminders back on" in page
    assert "Answer in one step" not in page
    run(app, utcnow())
    assert reminders(app) == []
    assert report(app, post_id).version == 1  # not an update of the answers

    client.post(
        f"/p/{post_id}/report/reminders",
        data={"reminders": "on", "next": f"/p/{post_id}/report/followup"},
    )
    run(app, utcnow())
    assert reminders(app) == [(post_id, "3 months", False)]


def test_a_bad_switch_is_a_400_with_a_message(client, member, report_of):
    post_id = report_of()
    login(client, member)

    response = client.post(f"/p/{post_id}/report/reminders", data={"reminders": "maybe"})

    assert response.status_code == 400
    assert "Choose whether the reminders are on or off." in response.get_data(as_text=True)
