"""The report form in steps and its draft on the server (issue 22): each step's answers are
kept as the member goes, any device resumes them, Back loses nothing, "Post report" files
the report and deletes the draft, and the draft is the member's alone."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.drafts.models import Draft
from forum.drafts.services import list_drafts
from forum.export.archive import collect_member_data
from forum.extensions import db, utcnow
from forum.reports import drafts
from forum.reports.models import ExperienceReport
from forum.retention import purge_expired
from forum.threads.models import Thread
from tests.conftest import csrf_token, login
from tests.reports.conftest import form_data, walk_report_form

STORY = {"title": "Fourth epidural, written on the bus", "body": "It started with a flare."}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _draft(app, user) -> Draft | None:
    with app.app_context():
        return db.session.scalar(sa.select(Draft).where(Draft.author_id == user.id))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _checked(page: str, name: str) -> list[str]:
    radios = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return [re.search(r'value="([^"]*)"', r).group(1) for r in radios if " checked" in r]


# -- the services ------------------------------------------------------------------------------


def test_saving_merges_into_one_draft_per_member_and_board(app, member, treatment):
    with app.app_context():
        author = db.session.get(User, member.id)
        board = db.session.get(Board, treatment.id)
        assert drafts.get_or_start_draft(author, board).id is None  # nothing stored by looking
        drafts.save_draft(author, board, STORY, 1)
        drafts.save_draft(author, board, {"pain_before": "7"}, 2)

        [draft] = list_drafts(author)
        assert draft.answers == {**STORY, "pain_before": "7"}
        assert draft.step == 2
        assert draft.board.slug == "epidurals"


def test_the_table_holds_one_draft_per_member_and_board(app, member, treatment):
    """Migration 0027's constraint: two saves at once cannot make a second draft."""
    with app.app_context():
        for _ in range(2):
            db.session.add(
                Draft(
                    author_id=member.id,
                    kind="report",
                    place=f"report:{treatment.id}",
                    board_id=treatment.id,
                    answers={},
                )
            )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()


def test_drafts_left_unsaved_for_30_days_are_purged(app, member, fred, treatment):
    with app.app_context():
        board = db.session.get(Board, treatment.id)
        for user, days in ((member, 31), (fred, 29)):
            draft = drafts.save_draft(db.session.get(User, user.id), board, STORY, 1)
            draft.updated_at = utcnow() - timedelta(days=days)
        db.session.commit()

        purged = purge_expired(utcnow())

    assert purged.drafts == 1
    assert "Deleted 1 drafts" in purged.line()
    assert _draft(app, member) is None
    assert _draft(app, fred) is not None


def test_the_draft_period_is_configurable(make_app, member, treatment):
    app = make_app(DRAFT_DAYS=7)
    with app.app_context():
        board = db.session.get(Board, treatment.id)
        draft = drafts.save_draft(db.session.get(User, member.id), board, STORY, 1)
        draft.updated_at = utcnow() - timedelta(days=8)
        db.session.commit()

        assert purge_expired(utcnow()).drafts == 1


def test_the_data_export_holds_the_drafts(app, member, treatment):
    with app.app_context():
        drafts.save_draft(
            db.session.get(User, member.id), db.session.get(Board, treatment.id), STORY, 1
        )
        exported = collect_member_data(member.id, utcnow()).document["drafts"]

    assert [(d["kind"], d["board"]["name"], d["step"], d["answers"]) for d in exported] == [
        ("report", "Epidurals", 1, STORY)
    ]


# -- the steps ---------------------------------------------------------------------------------


def test_continue_keeps_the_step_and_goes_on(app, client, member, treatment):
    login(client, member)

    response = client.post("/b/epidurals/report?step=1", data={**STORY, "action": "continue"})

    assert response.status_code == 302
    assert response.location == "/b/epidurals/report?step=2"
    assert _draft(app, member).answers["title"] == STORY["title"]
    assert "Step 2 of 4: The essentials" in _text(client.get(response.location))


def test_an_invalid_step_stays_says_why_and_keeps_what_was_typed(app, client, member, treatment):
    login(client, member)

    response = client.post(
        "/b/epidurals/report?step=1",
        data={"title": "Hi", "body": STORY["body"], "action": "continue"},
    )

    page = _text(response)
    assert response.status_code == 422
    assert "Step 1 of 4" in page
    assert 'id="error-summary"' in page and 'href="#title"' in page
    assert 'value="Hi"' in page and STORY["body"] in page
    # Kept in the draft even so: leaving now loses nothing.
    assert _draft(app, member).answers["title"] == "Hi"


def test_back_keeps_unchecked_answers(app, client, member, treatment):
    """Back saves the step as it is, even half answered, and shows the step before."""
    login(client, member)
    client.post("/b/epidurals/report?step=1", data={**STORY, "action": "continue"})

    back = client.post("/b/epidurals/report?step=2", data={"pain_before": "8", "action": "back"})

    assert back.status_code == 302
    assert back.location == "/b/epidurals/report?step=1"
    assert STORY["title"] in _text(client.get(back.location))
    again = _text(client.get("/b/epidurals/report?step=2"))
    assert _checked(again, "pain_before") == ["8"]
    assert _checked(again, "pain_best") == []


def test_save_draft_stays_on_the_step_and_says_so(app, client, member, treatment):
    login(client, member)

    response = client.post("/b/epidurals/report?step=1", data={**STORY, "action": "save"})

    assert response.location == "/b/epidurals/report?step=1"
    page = _text(client.get(response.location))
    assert "Draft saved." in page
    assert 'id="draft-status"' in page and "Draft saved <time" in page


def test_the_form_resumes_where_the_member_left_off_on_any_device(app, client, member, treatment):
    login(client, member)
    walk_report_form(client, "epidurals", form_data(treatment, **STORY), last_step=2)

    phone = app.test_client()
    login(phone, member)
    page = _text(phone.get("/b/epidurals/report"))

    assert "Step 3 of 4: Details" in page
    story = _text(phone.get("/b/epidurals/report?step=1"))
    assert STORY["title"] in story and STORY["body"] in story


def test_the_preview_shows_the_card_and_the_story_as_it_will_appear(client, member, treatment):
    login(client, member)
    data = form_data(treatment, body="It **helped**. <script>alert(1)</script>")
    walk_report_form(client, "epidurals", data, last_step=3)

    page = _text(client.get("/b/epidurals/report?step=4"))

    assert "Step 4 of 4: Preview and who can read it" in page
    assert "Epidurals: pain 7 → 3, much improved" in page
    assert "<strong>helped</strong>" in page
    assert "<script>alert(1)" not in page  # through the one sanitiser
    assert "Post report" in page


def test_the_preview_lists_what_is_missing_with_links_to_its_step(client, member, treatment):
    login(client, member)
    client.post("/b/epidurals/report?step=1", data={**STORY, "action": "continue"})

    page = _text(client.get("/b/epidurals/report?step=4"))

    assert "Before you can post" in page
    assert 'href="/b/epidurals/report?step=2#pain_before"' in page
    assert 'href="/b/epidurals/report?step=1#title"' not in page  # that step is done
    assert "preview-card" not in page


def test_posting_files_the_report_and_deletes_the_draft(app, client, member, treatment):
    login(client, member)

    response = walk_report_form(client, "epidurals", form_data(treatment, **STORY))

    assert response.status_code == 302
    assert _count(app, ExperienceReport) == 1
    assert _draft(app, member) is None
    with app.app_context():
        assert db.session.scalar(sa.select(Thread.title)) == STORY["title"]
    # Sharing again starts afresh.
    assert STORY["title"] not in _text(client.get("/b/epidurals/report?step=1"))


def test_a_refused_post_keeps_the_draft(app, client, member, treatment):
    """The service refuses (no visibility chosen): nothing filed, and the draft stays."""
    login(client, member)
    data = form_data(treatment, **STORY)
    del data["visibility"]

    response = walk_report_form(client, "epidurals", data)

    assert response.status_code == 422
    assert _count(app, ExperienceReport) == 0
    assert _draft(app, member).answers["title"] == STORY["title"]


# -- someone else's draft -----------------------------------------------------------------------


def test_another_member_never_sees_or_posts_your_draft(app, client, member, fred, treatment):
    login(client, member)
    walk_report_form(client, "epidurals", form_data(treatment, **STORY), last_step=3)
    mine = _draft(app, member)

    login(client, fred)
    own_form = _text(client.get("/b/epidurals/report?step=1"))
    listed = _text(client.get("/drafts"))
    deleted = client.post(f"/drafts/{mine.id}/delete")
    posted = client.post("/b/epidurals/report/post", data={"visibility": "public"})

    assert STORY["title"] not in own_form and STORY["body"] not in own_form
    assert STORY["title"] not in listed
    assert deleted.status_code == 404
    assert posted.status_code == 422  # fred's own, empty draft: its first step, what it lacks
    assert _count(app, ExperienceReport) == 0
    assert _draft(app, member).answers["title"] == STORY["title"]


# -- settings ----------------------------------------------------------------------------------


def test_the_drafts_page_lists_report_drafts_to_continue_or_delete(
    app, client, member, treatment, make_treatment
):
    make_treatment("ablation", slug="rfa", name="Radiofrequency ablation")
    login(client, member)
    client.post("/b/epidurals/report?step=1", data={**STORY, "action": "save"})
    client.post("/b/rfa/report?step=2", data={"pain_before": "6", "action": "save"})

    page = _text(client.get("/drafts"))

    assert 'href="/drafts"' in _text(client.get("/settings"))
    assert STORY["title"] in page and "Epidurals, step 1 of 4" in page
    assert "Untitled" in page and "Radiofrequency ablation, step 2 of 4" in page
    assert page.count('href="/b/epidurals/report"') == 1
    draft = _draft(app, member)
    response = client.post(f"/drafts/{draft.id}/delete")
    assert response.location == "/drafts"
    assert STORY["title"] not in _text(client.get("/drafts"))


def test_the_drafts_page_runs_the_same_statements_for_one_draft_or_many(
    app, client, member, make_treatment, count_queries
):
    login(client, member)
    counts = []
    for number in range(5):
        board = make_treatment("injection", slug=f"t-{number}", name=f"T {number}")
        client.post(f"/b/{board.slug}/report?step=1", data={**STORY, "action": "save"})
        if number in (0, 4):
            with count_queries() as statements:
                assert client.get("/drafts").status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 3, counts


# -- the autosave endpoint ---------------------------------------------------------------------


def test_a_draft_keeps_only_the_steps_own_questions(app, client, member, treatment):
    """What a step did not ask (another step's, a made-up side effect) is not kept."""
    login(client, member)

    client.post(
        "/b/epidurals/report/draft?step=3",
        data={"effect_flare": "mild", "effect_made_up": "x", "flare": "x", "title": "Not here"},
    )

    answers = _draft(app, member).answers
    assert answers["effect_flare"] == "mild"
    assert not {"effect_made_up", "flare", "title"} & set(answers)


def test_the_autosave_keeps_the_step_unchecked_and_says_when(app, client, member, treatment):
    login(client, member)

    response = client.post("/b/epidurals/report/draft?step=1", data={"title": "Hi", "body": ""})

    assert response.status_code == 200
    assert response.is_json and response.json["saved_at"]
    assert _draft(app, member).answers["title"] == "Hi"  # too short, but kept as typed


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_saving_a_draft_needs_the_forms_token(csrf_app, make_user, treatment):
    member = make_user("careful-cam")
    client = csrf_app.test_client()
    token = csrf_token(_text(client.get("/login/dev")))
    client.post("/login/dev", data={"pseudonym": member.display_name, "csrf_token": token})
    page = _text(client.get("/b/epidurals/report"))

    forged = client.post("/b/epidurals/report/draft?step=1", data=STORY)
    genuine = client.post(
        "/b/epidurals/report/draft?step=1", data={**STORY, "csrf_token": csrf_token(page)}
    )

    assert forged.status_code == 400
    assert genuine.status_code == 200
    assert _count(csrf_app, Draft) == 1


def test_saving_a_draft_is_rate_limited(make_app, make_user, make_board):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DRAFTS="2 per minute")
    make_board(slug="rfa")
    client = app.test_client()
    login(client, make_user("busy-bo"))

    answers = [client.post("/b/rfa/report/draft?step=1", data=STORY).status_code for _ in range(3)]
    step = client.post("/b/rfa/report?step=1", data={**STORY, "action": "save"})

    assert answers == [200, 200, 429]
    assert step.status_code == 302  # the steps count apart: the autosave cannot block them
