"""A member's treatment path on their profile: their experience reports, oldest first, one
line each, only those the viewer may read, hidden with their post history."""

import html
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.reports.models import ExperienceReport
from forum.reports.services import file_report
from forum.threads.models import Post, Thread
from tests.conftest import login


@pytest.fixture
def treatments(app):
    """Three treatment boards (boards of a family take reports)."""
    made = {}
    with app.app_context():
        for position, (slug, name, family) in enumerate(
            [
                ("rfa", "Radiofrequency ablation", "ablation"),
                ("esi", "Epidural steroid injection", "injection"),
                ("scs", "Spinal cord stimulation", "implant"),
            ]
        ):
            board = Board(
                slug=slug,
                name=name,
                category="Treatments",
                description="",
                aliases=[],
                position=position,
                family=family,
            )
            db.session.add(board)
            db.session.commit()
            made[slug] = SimpleNamespace(id=board.id)
    return made


@pytest.fixture
def report(app):
    """File a report about `treatment` as `author`; returns its post's id."""

    def make(author, treatment, title="How it went", visibility="public", **answers):
        with app.app_context():
            board = db.session.get(Board, treatment.id)
            post = file_report(
                db.session.get(User, author.id),
                board,
                title,
                "What happened.",
                {"treatment": board, "pain_before": 7, "pain_best": 3, "pgic": 2, **answers},
                visibility=visibility,
            )
            return post.id

    return make


def _path(client, name="patient-pat") -> list[str]:
    """The lines (as HTML) of the profile's treatment path; none when it has none."""
    page = client.get(f"/u/{name}").get_data(as_text=True)
    if "Treatment path" not in page:
        return []
    section = page.split('<ol class="treatment-path"', 1)[1].split("</ol>", 1)[0]
    return section.split("<li>")[1:]


def _text(line: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", line)).split())


def _names(lines) -> list[str]:
    """The treatment each line links to."""
    return [re.search(r"<a [^>]*>([^<]*)</a>", line)[1] for line in lines]


def _set_filed(app, post_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(ExperienceReport)
            .where(ExperienceReport.post_id == post_id)
            .values(created_at=when)
        )
        db.session.commit()


def test_oldest_first_by_procedure_else_filing_date(app, client, member, treatments, report):
    """A report without a procedure date takes its place by when it was filed."""
    report(member, treatments["rfa"], procedure_year=2024, procedure_month=3)
    undated = report(member, treatments["esi"], pain_before=8, pain_best=6, pgic=3)
    _set_filed(app, undated, datetime(2023, 1, 15, tzinfo=UTC))
    report(member, treatments["scs"], procedure_year=2021, procedure_month=6, pgic=1)

    lines = _path(client)

    assert _names(lines) == [
        "Spinal cord stimulation",
        "Epidural steroid injection",
        "Radiofrequency ablation",
    ]
    page = client.get("/u/patient-pat").get_data(as_text=True)
    lines = [_text(line) for line in lines]
    assert "June 2021" in lines[0] and "pain 7 → 3, very much improved" in lines[0]
    assert "filed January 2023" in lines[1] and "pain 8 → 6, minimally improved" in lines[1]
    assert "March 2024" in lines[2] and "pain 7 → 3, much improved" in lines[2]
    assert '<h2 id="path-heading">Treatment path</h2>' in page


def test_each_line_links_to_its_post(app, client, member, treatments, report):
    post_id = report(member, treatments["rfa"])
    with app.app_context():
        thread_id = db.session.scalar(sa.select(Post.thread_id).where(Post.id == post_id))

    [line] = _path(client)

    assert f'href="/t/{thread_id}/' in line and f'#p{post_id}"' in line


def test_a_member_without_reports_has_no_path(client, member, make_thread):
    make_thread(author=member)
    assert "Treatment path" not in client.get("/u/patient-pat").get_data(as_text=True)


def test_a_members_only_report_is_for_members(app, client, member, make_user, treatments, report):
    report(member, treatments["rfa"], visibility="members")
    report(member, treatments["esi"])

    assert _names(_path(client)) == ["Epidural steroid injection"]

    login(client, make_user("reader-rita"))
    lines = _path(client)
    assert _names(lines) == ["Radiofrequency ablation", "Epidural steroid injection"]
    assert "Members only" in lines[0]


@pytest.mark.parametrize("state", ["hidden", "deleted", "pending"])
def test_hidden_deleted_and_pending_reports_are_left_out(
    app, client, member, make_user, treatments, report, state
):
    gone = report(member, treatments["rfa"])
    report(member, treatments["esi"])
    with app.app_context():
        db.session.execute(sa.update(Post).where(Post.id == gone).values(state=state))
        if state == "pending":  # a thread awaiting approval is hidden with its first post
            thread_id = db.session.scalar(sa.select(Post.thread_id).where(Post.id == gone))
            db.session.execute(
                sa.update(Thread).where(Thread.id == thread_id).values(is_hidden=True)
            )
        db.session.commit()

    assert _names(_path(client)) == ["Epidural steroid injection"]
    login(client, make_user("reader-rita"))
    assert _names(_path(client)) == ["Epidural steroid injection"]
    client.post("/logout")
    login(client, member)  # not even the author's own profile lists it
    assert _names(_path(client)) == ["Epidural steroid injection"]


def test_a_hidden_history_hides_the_path_from_visitors(
    app, client, member, make_user, treatments, report
):
    report(member, treatments["rfa"])
    login(client, member)
    assert client.post("/settings/history", data={"hide_history": "y"}).status_code == 302
    client.post("/logout")

    assert _path(client) == []
    assert "Radiofrequency ablation" not in client.get("/u/patient-pat").get_data(as_text=True)

    login(client, make_user("reader-rita"))
    assert _names(_path(client)) == ["Radiofrequency ablation"]


def test_the_path_is_one_statement_however_long(
    app, client, member, treatments, report, count_queries
):
    """The same number of statements for one report as for six (no query per line)."""
    report(member, treatments["rfa"])
    with count_queries() as one:
        assert client.get("/u/patient-pat").status_code == 200
    for month, treatment in enumerate(list(treatments.values()) * 2, start=1):
        report(member, treatment, procedure_year=2022, procedure_month=month)
    with count_queries() as six:
        assert client.get("/u/patient-pat").status_code == 200

    assert len(_path(client)) == 7
    assert len(six) == len(one) <= 3
