"""Experience reports through HTTP, checked on the rendered pages: filing one with a new
thread, adding one to a thread, updating it, its history, and who may do what."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.drafts.models import Draft
from forum.extensions import db, utcnow
from forum.reports.models import ExperienceReport, ReportRevision
from forum.threads.models import Post, Thread
from forum.threads.services import reply_to_thread
from tests.conftest import first_post_id, login
from tests.reports.conftest import form_data, walk_report_form

FAMILY_CHANGED = "You changed the treatment, and its list of side effects is different"
EXPIRED = "This form has expired or did not come from this site."

# What a member types into the form for a fuller report than the smallest valid one.
TYPED = {
    "title": "Third ESI at L5-S1: two good months",
    "body": "It **helped** for two months.\n\nThen it wore off.",
    "pain_before": "7",
    "pain_best": "3",
    "pgic": "2",
    "times_had": "3",
    "procedure_month": "3",
    "procedure_year": "2023",
    "body_region": "lower_back",
    "percent_relief": "60",
    "relief_weeks": "8",
    "effect_flare": "moderate",
    "effect_numbness": "mild",
    "complications": "emergency",
    "stop_reason": "wore_off",
    "would_repeat": "yes",
    "has_conflict": "yes",
    "conflict_disclosure": "I consult for a pain clinic",
}

# -- helpers ---------------------------------------------------------------------------


class _Page(HTMLParser):
    """What a browser makes of a page: its elements, form controls and visible text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.selects: dict[str, list[tuple[str, bool]]] = {}
        self.textareas: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attrs))
        if tag == "select":
            self._select = attrs.get("name")
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.selects[self._select].append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.textareas[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.textareas[self._textarea] += data
        self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def find(self, tag: str, **attrs: str) -> list[dict]:
        """Attributes of every <tag> whose attributes include attrs (class_ for class)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [
            found
            for name, found in self.elements
            if name == tag and all(found.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, **attrs: str) -> dict:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def value(self, name: str) -> str:
        """The value of the single text, number or hidden input of that name."""
        return self.one("input", name=name).get("value", "")

    def selected(self, name: str) -> str:
        assert name in self.selects, f"no select named {name}"
        chosen = [value for value, selected in self.selects[name] if selected]
        return chosen[0] if chosen else self.selects[name][0][0]

    def checked(self, name: str) -> list[str]:
        return [found["value"] for found in self.find("input", name=name) if "checked" in found]

    def textarea(self, name: str) -> str:
        # Browsers drop one newline right after <textarea>.
        return self.textareas[name].removeprefix("\r\n").removeprefix("\n")

    def has_control(self, name: str) -> bool:
        return any(
            tag in ("input", "select", "textarea") and attrs.get("name") == name
            for tag, attrs in self.elements
        )


def _html(response) -> str:
    return response.get_data(as_text=True)


def _page(response) -> _Page:
    return _Page(_html(response))


def _error_for(html: str, field: str) -> str:
    """The error shown by a field, checked to be tied to its control by aria-describedby
    (for radio buttons, to the fieldset that groups them)."""
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, flags=re.DOTALL)
    assert match, f"no error message shown for {field}"
    page = _Page(html)
    controls = [
        attrs
        for tag, attrs in page.elements
        if (tag == "fieldset" and attrs.get("id") == field)
        or (
            tag in ("input", "select", "textarea")
            and attrs.get("name") == field
            and attrs.get("type") != "radio"
        )
    ]
    assert len(controls) == 1, f"expected one control for {field}, found {len(controls)}"
    assert f"{field}-error" in controls[0].get("aria-describedby", "").split()
    return _Page(match.group(1)).text


def _section(html: str, pattern: str) -> str:
    match = re.search(pattern, html, flags=re.DOTALL)
    assert match, f"nothing matches {pattern!r}"
    return match.group(0)


def _article(html: str, post_id: int) -> str:
    return _section(html, rf'<article class="post[^"]*" id="p{post_id}".*?</article>')


def _card(html: str, post_id: int) -> str:
    """The text of the report card at the top of a post."""
    return _Page(
        _section(html, rf'<section class="report-card" aria-labelledby="r{post_id}">.*?</section>')
    ).text


def _thread_url(client, post_id: int) -> str:
    """The thread page a post's permalink leads to (without the #anchor)."""
    response = client.get(f"/p/{post_id}")
    assert response.status_code == 302
    return response.location.split("#")[0]


def _thread_page(client, post_id: int) -> str:
    return _html(client.get(_thread_url(client, post_id)))


def _posted(treatment, **overrides) -> dict:
    """What the form posts; an override of None leaves that control out (an unticked radio)."""
    data = form_data(treatment, **overrides)
    return {name: value for name, value in data.items() if value is not None}


def _report_only(data: dict) -> dict:
    """The report questions alone, as the add and update forms post them."""
    thread_only = ("title", "body", "visibility")
    return {name: value for name, value in data.items() if name not in thread_only}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _reports(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(
                ExperienceReport.post_id,
                ExperienceReport.board_id,
                ExperienceReport.pain_best,
                ExperienceReport.version,
            )
        ).all()


def _client(app, user=None):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


@pytest.fixture
def implant(make_treatment):
    return make_treatment("implant", slug="scs", name="Spinal cord stimulators")


@pytest.fixture
def community(make_board):
    """A community board: it takes reports only about a treatment chosen on the form."""
    return make_board(slug="living-with-pain", name="Living with pain")


@pytest.fixture
def filed(file, treatment, member):
    """The member's report, filed with a thread on the treatment board: its post id."""
    return file(treatment, author=member)


@pytest.fixture
def started(app, make_thread, treatment, member):
    """A thread the member started on the treatment board, without a report: its first post."""
    thread = make_thread(board=treatment, author=member, title="My epidural story")
    return first_post_id(app, thread)


# -- the board page --------------------------------------------------------------------


def test_a_treatment_board_offers_to_share_an_experience(client, treatment):
    """A treatment board links to the report form and to its outcomes."""
    page = _page(client.get("/b/epidurals"))

    share = page.one("a", href="/b/epidurals/report")
    assert "Share your experience" in page.text
    assert share["class"] == "button secondary"
    assert page.find("a", href="/b/epidurals/outcomes")
    assert "Outcomes members reported" in page.text
    assert "No experience reports counted yet" in page.text


def test_the_outcomes_page_leads_to_the_accounts_most_found_helpful(client, treatment):
    """Figures cannot say what it was like: the outcomes page links to the board's
    reports and threads, those members found most helpful first."""
    page = _page(client.get("/b/epidurals/outcomes"))

    link = page.one("a", href="/b/epidurals?sort=helpful&period=all")
    assert "those most found helpful first" in page.text
    board = _page(client.get(link["href"]))
    assert board.one("a", href="/b/epidurals?sort=helpful&period=all")["aria-current"] == "true"


def test_a_community_board_offers_no_reports(client, community):
    """A community board has no report button and no outcomes link of its own."""
    page = _page(client.get("/b/living-with-pain"))

    assert "Share your experience" not in page.text
    assert not page.find("a", href="/b/living-with-pain/report")
    assert not page.find("a", href="/b/living-with-pain/outcomes")
    assert "Outcomes members reported" not in page.text


# -- filing a report with a new thread -------------------------------------------------


def test_filing_shows_the_report_card_on_the_new_thread(app, client, treatment, member):
    """The member walks the steps and lands on their post, with the answers as a card
    above their story."""
    login(client, member)

    response = walk_report_form(client, "epidurals", form_data(treatment, **TYPED))

    with app.app_context():
        post = db.session.scalar(sa.select(Post))
        thread = db.session.get(Thread, post.thread_id)
    assert response.status_code == 302
    assert response.location == f"/t/{thread.id}/{thread.slug}#p{post.id}"
    page = _html(client.get(response.location))
    card = _card(page, post.id)
    assert "<h1>Third ESI at L5-S1: two good months</h1>" in page
    assert "7 before → 3 at best (57% less, computed from the pain scores)" in card
    assert "Overall Much improved" in card
    assert "Pain flare after the procedure (moderate); Numbness (mild)" in card
    assert "Declared interest: I consult for a pain clinic" in card
    assert "Relief at best (their estimate) 60%" in card
    assert "Relief lasted 8 weeks" in card
    assert "Times had 3" in card
    assert "When March 2023" in card
    assert "Where Lower back" in card
    assert "Serious complications Emergency visit or hospital stay" in card
    assert "Stopped It wore off" in card
    assert "Would have it again Yes" in card
    # The card comes first in the post, the story after it.
    article = _article(page, post.id)
    assert article.index("report-card") < article.index("<strong>helped</strong>")


def _assert_every_step_kept(client, typed: dict, through: int = 3) -> None:
    """Each step up to `through`, opened again, shows what the member gave it."""
    story = _page(client.get("/b/epidurals/report?step=1"))
    assert story.value("title") == TYPED["title"]
    assert story.textarea("body") == TYPED["body"]
    essentials = _page(client.get("/b/epidurals/report?step=2"))
    for name in ("pain_before", "pain_best", "pgic"):
        assert essentials.checked(name) == ([typed[name]] if typed[name] else []), name
    if through < 3:
        return
    details = _page(client.get("/b/epidurals/report?step=3"))
    for name in ("times_had", "percent_relief", "relief_weeks"):
        assert details.value(name) == typed[name], name
    assert details.value("procedure_year") == "2023"
    assert details.checked("has_conflict") == ["yes"]
    assert details.checked("complications") == ["emergency"]
    assert details.value("conflict_disclosure") == typed["conflict_disclosure"]
    for name in ("procedure_month", "body_region", "stop_reason", "would_repeat"):
        assert details.selected(name) == TYPED[name], name
    assert details.checked("effect_flare") == ["moderate"]
    assert details.checked("effect_numbness") == ["mild"]
    assert details.checked("effect_weakness") == [""]


@pytest.mark.parametrize(
    ("field", "overrides", "message", "step"),
    [
        ("pain_before", {"pain_before": ""}, "Pain before is required: choose a number", 2),
        (
            "percent_relief",
            {"percent_relief": "101"},
            "Please give a whole number from 0 to 100.",
            3,
        ),
        ("pgic", {"pgic": None}, "Please choose how your pain changed overall.", 2),
        (
            "conflict_disclosure",
            {"conflict_disclosure": ""},
            "Please describe the tie in a few words",
            3,
        ),
    ],
    ids=["no-pain", "relief-101", "no-pgic", "tie-without-disclosure"],
)
def test_a_rejected_report_keeps_everything_typed(
    app, client, treatment, member, field, overrides, message, step
):
    """The message sits next to the faulty answer, on the step that asks it; nothing the
    member typed is lost, on that step or any other."""
    login(client, member)
    typed = {**TYPED, **overrides}

    response = walk_report_form(client, "epidurals", _posted(treatment, **typed))

    html = _html(response)
    assert response.status_code == 422
    assert f"Step {step} of 4" in _page(response).text
    assert message in _error_for(html, field)
    assert _page(response).value("submission_key")
    _assert_every_step_kept(client, typed, through=step)
    assert _count(app, Thread) == 0
    assert _count(app, ExperienceReport) == 0


def test_a_double_submitted_report_files_one_thread(app, client, treatment, member):
    """A double click on "Post report" sends the form's key twice: one thread, one report,
    same landing (the second finds the draft gone and the thread its key made)."""
    login(client, member)
    key = _page(client.get("/b/epidurals/report")).value("submission_key")
    data = form_data(treatment, submission_key=key)
    walk_report_form(client, "epidurals", data, last_step=3)

    last_step = {"visibility": "public", "submission_key": key}
    first = client.post("/b/epidurals/report/post", data=last_step)
    second = client.post("/b/epidurals/report/post", data=last_step)

    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert _count(app, Thread) == 1
    assert _count(app, ExperienceReport) == 1


def test_a_silenced_member_is_told_why_and_keeps_the_text(app, client, treatment, member):
    """The refusal is shown on the last step; the story is still in the draft."""
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == member.id)
            .values(silenced_until=utcnow() + timedelta(days=2))
        )
        db.session.commit()
    login(client, member)

    response = walk_report_form(client, "epidurals", form_data(treatment, **TYPED))

    page = _page(response)
    assert response.status_code == 403
    assert "You are silenced until" in page.text
    assert page.checked("visibility") == ["public"]
    assert _page(client.get("/b/epidurals/report?step=1")).textarea("body") == TYPED["body"]
    assert _count(app, Thread) == 0
    assert _count(app, ExperienceReport) == 0


def test_the_form_offers_the_side_effects_of_the_treatments_family(
    client, treatment, implant, member
):
    """An implant board asks about lead migration and the trial; an injection board not."""
    login(client, member)

    stimulator = _page(client.get("/b/scs/report?step=3"))
    epidural = _page(client.get("/b/epidurals/report?step=3"))

    assert "Lead migration" in stimulator.text
    assert stimulator.has_control("effect_lead_migration")
    assert stimulator.has_control("trial_result")
    assert stimulator.value("shown_family") == "implant"
    assert "Lead migration" not in epidural.text
    assert not epidural.has_control("effect_lead_migration")
    assert not epidural.has_control("trial_result")
    assert epidural.has_control("effect_steroid_flushing")
    assert epidural.value("shown_family") == "injection"
    assert epidural.value("treatment") == "epidurals"


def test_a_trial_result_is_filed_from_an_implant_board(app, client, implant, member):
    """An implant report carries its trial result and device side effects."""
    login(client, member)

    response = walk_report_form(
        client,
        "scs",
        form_data(implant, trial_result="passed", effect_lead_migration="severe"),
    )

    assert response.status_code == 302
    card = _card(_html(client.get(response.location)), _reports(app)[0].post_id)
    assert "Trial Trial passed" in card
    assert "Lead migration (severe)" in card


# -- a community board: the treatment comes first --------------------------------------


def test_a_community_board_asks_for_the_treatment_first(client, community, treatment, member):
    """Without a treatment the form cannot know its questions: a picker comes first."""
    login(client, member)

    page = _page(client.get("/b/living-with-pain/report"))

    picker = page.one("form", class_="choose-treatment")
    assert picker["method"] == "get"
    options = [value for value, _selected in page.selects["treatment"]]
    assert options == ["", "epidurals"]  # treatments only, not the community board
    assert not page.has_control("pain_before")
    assert not page.has_control("title")


def test_a_chosen_treatment_shows_its_full_form(client, community, treatment, implant, member):
    """After the picker, every step carries the treatment, and the details ask about its
    side effects."""
    login(client, member)

    story = _page(client.get("/b/living-with-pain/report?treatment=scs"))
    client.post(
        "/b/living-with-pain/report?step=1",
        data={"title": "Stimulator", "body": "Story.", "treatment": story.value("treatment")},
    )
    essentials = _page(client.get("/b/living-with-pain/report?step=2"))
    details = _page(client.get("/b/living-with-pain/report?step=3"))

    assert story.value("treatment") == "scs"
    assert story.has_control("title")
    assert essentials.selected("treatment") == "scs"
    assert essentials.has_control("pain_before")
    assert details.value("shown_family") == "implant"
    assert details.has_control("effect_lead_migration")
    assert not details.has_control("effect_steroid_flushing")


def test_switching_to_another_family_changes_the_side_effects_asked(
    app, client, community, treatment, implant, member
):
    """The details asked about injection side effects; back on the essentials the member
    picks a stimulator. The details then list the stimulator's, everything else given
    stays, and the report files with the stimulator's answers only."""
    login(client, member)
    typed = {"title": "Stimulator while living with pain", "body": "Long story.", "pain_best": "4"}
    walk_report_form(
        client, "living-with-pain", form_data(treatment, effect_flare="mild", **typed), last_step=3
    )
    details = _page(client.get("/b/living-with-pain/report?step=3"))
    assert details.checked("effect_flare") == ["mild"]

    client.post(
        "/b/living-with-pain/report?step=2",
        data={"treatment": "scs", "pain_before": "7", "pain_best": "4", "pgic": "2"},
    )
    details = _page(client.get("/b/living-with-pain/report?step=3"))

    assert details.has_control("effect_lead_migration")
    assert not details.has_control("effect_flare")
    assert _page(client.get("/b/living-with-pain/report?step=1")).value("title") == typed["title"]
    posted = client.post("/b/living-with-pain/report/post", data={"visibility": "public"})
    assert posted.status_code == 302
    assert [(board_id, pain_best) for _, board_id, pain_best, _ in _reports(app)] == [
        (implant.id, 4)
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(ExperienceReport.side_effects)) == {}


def test_the_treatment_chosen_on_the_form_is_the_one_reported(
    app, client, community, treatment, make_treatment, member
):
    """Changing to another injection on the steps reached through the picker files the
    report about the treatment the member chose, not the one in the address."""
    facet = make_treatment("injection", slug="facet", name="Facet joint injections")
    login(client, member)
    client.get("/b/living-with-pain/report?treatment=epidurals")

    response = walk_report_form(
        client, "living-with-pain", form_data(facet, title="Facet injections, round two")
    )

    assert response.status_code == 302
    assert [board_id for _, board_id, _, _ in _reports(app)] == [facet.id]


# -- adding a report to a thread -------------------------------------------------------


def test_the_starter_is_offered_to_add_a_report_on_the_first_post_only(
    app, treatment, member, fred, started
):
    """Only the starter, only on the first post, sees the invitation."""
    with app.app_context():
        thread_id = db.session.get(Post, started).thread_id
        reply_id = reply_to_thread(member, db.session.get(Thread, thread_id), "An update.").id
    add = f"/p/{started}/report/add"

    as_starter = _thread_page(_client(app, member), started)
    as_fred = _thread_page(_client(app, fred), started)
    as_visitor = _thread_page(_client(app), started)

    assert _Page(_article(as_starter, started)).find("a", href=add)
    assert "Add an experience report" in _Page(_article(as_starter, started)).text
    assert "Add an experience report" not in _Page(_article(as_starter, reply_id)).text
    assert not _Page(_article(as_starter, reply_id)).find("a", href=f"/p/{reply_id}/report/add")
    assert "Add an experience report" not in as_fred
    assert "Add an experience report" not in as_visitor


def test_the_starter_adds_a_report_to_their_thread(app, client, treatment, member, started):
    """The add form asks the report questions only; the card then tops the post."""
    login(client, member)

    shown = _page(client.get(f"/p/{started}/report/add"))
    response = client.post(
        f"/p/{started}/report/add", data=_report_only(form_data(treatment, **TYPED))
    )

    assert "Add an experience report" in shown.text
    assert shown.selected("treatment") == "epidurals"
    assert not shown.has_control("title")
    assert response.status_code == 302
    page = _html(client.get(response.location))
    assert "7 before → 3 at best" in _card(page, started)
    assert "Add an experience report" not in page
    assert _count(app, ExperienceReport) == 1


def test_adding_to_a_thread_with_a_report_leads_to_updating_it(app, client, member, filed):
    """A second report is never created; the member is sent to update the first."""
    login(client, member)

    shown = client.get(f"/p/{filed}/report/add")
    posted = client.post(f"/p/{filed}/report/add", data={"pain_before": "1"})

    assert shown.status_code == posted.status_code == 302
    assert shown.location == posted.location == f"/p/{filed}/report/edit"
    assert _count(app, ExperienceReport) == 1


def test_a_report_cannot_be_added_to_a_reply(app, client, treatment, member, started):
    """Even the starter's own reply cannot carry the thread's report."""
    with app.app_context():
        thread = db.session.get(Thread, db.session.get(Post, started).thread_id)
        reply_id = reply_to_thread(member, thread, "My own reply.").id
    login(client, member)

    shown = client.get(f"/p/{reply_id}/report/add")
    posted = client.post(f"/p/{reply_id}/report/add", data=_report_only(form_data(treatment)))

    assert shown.status_code == posted.status_code == 403
    assert _count(app, ExperienceReport) == 0


@pytest.mark.parametrize("target", ["add", "update"])
def test_a_member_silenced_while_filling_a_report_keeps_the_answers(
    app, client, treatment, member, filed, started, target
):
    """Silenced between opening the form and sending it: the form comes back with the
    answers and the reason, not an error page; opening it again says why at once."""
    url = f"/p/{started}/report/add" if target == "add" else f"/p/{filed}/report/edit"
    login(client, member)
    assert client.get(url).status_code == 200
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == member.id)
            .values(silenced_until=utcnow() + timedelta(days=2))
        )
        db.session.commit()
    before = _reports(app)

    response = client.post(
        url, data=_report_only(form_data(treatment, pain_best="2", percent_relief="90"))
    )

    page = _page(response)
    assert response.status_code == 403
    assert "You are silenced until" in page.text
    assert (page.checked("pain_best"), page.value("percent_relief")) == (["2"], "90")
    assert _reports(app) == before
    again = client.get(url)
    assert again.status_code == 403
    assert "You are silenced until" in _html(again)


# -- who may do what -------------------------------------------------------------------


@pytest.fixture
def targets(treatment, filed, started):
    """Method and address of every report form, keyed by a name."""
    return {
        "share form": ("GET", "/b/epidurals/report"),
        "share": ("POST", "/b/epidurals/report"),
        "add form": ("GET", f"/p/{started}/report/add"),
        "add": ("POST", f"/p/{started}/report/add"),
        "update form": ("GET", f"/p/{filed}/report/edit"),
        "update": ("POST", f"/p/{filed}/report/edit"),
    }


@pytest.mark.parametrize(
    "target", ["share form", "share", "add form", "add", "update form", "update"]
)
def test_visitors_are_sent_to_sign_in(app, client, treatment, targets, target):
    """Every report form sends visitors to sign in and back, changing nothing."""
    method, url = targets[target]
    before = (_reports(app), _count(app, Thread))

    response = client.open(url, method=method, data=form_data(treatment, pgic="7", version="1"))

    assert response.status_code == 302
    assert response.location.startswith("/login?")
    assert f"next={url.replace('/', '%2F')}" in response.location
    assert (_reports(app), _count(app, Thread)) == before


@pytest.mark.parametrize("target", ["add form", "add", "update form", "update"])
def test_fred_cannot_add_or_update_someone_elses_report(app, treatment, fred, targets, target):
    """The bad actor gets 403 on another member's report forms; nothing changes."""
    method, url = targets[target]
    before = (_reports(app), _count(app, ReportRevision))

    response = _client(app, fred).open(
        url, method=method, data=form_data(treatment, pgic="7", version="1")
    )

    assert response.status_code == 403
    assert "7 before" not in _html(response)  # no form filled with the member's answers
    assert (_reports(app), _count(app, ReportRevision)) == before


# -- updating a report -----------------------------------------------------------------


@pytest.fixture
def detailed(file, treatment, member):
    """A report with most questions answered: the member's post id."""
    return file(
        treatment,
        author=member,
        times_had=3,
        procedure_month=3,
        procedure_year=2023,
        body_region="lower_back",
        percent_relief=60,
        relief_weeks=8,
        relief_ongoing=True,
        side_effects={"flare": "moderate"},
        complications=["emergency"],
        sedation="light",
        has_conflict=True,
        conflict_disclosure="I consult for a pain clinic",
    )


def test_the_update_form_shows_the_current_answers(client, member, detailed):
    """The update form starts from every current answer and the version."""
    login(client, member)

    page = _page(client.get(f"/p/{detailed}/report/edit"))

    assert "Update your experience report" in page.text
    assert page.selected("treatment") == "epidurals"
    assert page.value("version") == "1"
    assert (page.checked("pain_before"), page.checked("pain_best")) == (["7"], ["3"])
    assert page.checked("pgic") == ["2"]
    assert page.value("times_had") == "3"
    assert (page.selected("procedure_month"), page.value("procedure_year")) == ("3", "2023")
    assert page.selected("body_region") == "lower_back"
    assert (page.value("percent_relief"), page.value("relief_weeks")) == ("60", "8")
    assert "checked" in page.one("input", name="relief_ongoing")
    assert page.checked("effect_flare") == ["moderate"]
    assert page.checked("effect_numbness") == [""]
    assert page.checked("complications") == ["emergency"]
    assert page.selected("sedation") == "light"
    assert page.checked("has_conflict") == ["yes"]
    assert page.value("conflict_disclosure") == "I consult for a pain clinic"


def test_switching_family_on_the_update_form_shows_it_again(
    app, client, treatment, implant, member, filed
):
    """The update form (one page) showed injection side effects; the member picked a
    stimulator. It comes back with the stimulator's list and what was typed."""
    login(client, member)

    response = client.post(
        f"/p/{filed}/report/edit",
        data=_report_only(form_data(implant, shown_family="injection", pain_best="4", version="1")),
    )

    page = _page(response)
    assert response.status_code == 422
    assert FAMILY_CHANGED in page.text
    assert page.checked("pain_best") == ["4"]
    assert page.has_control("effect_lead_migration")
    assert not page.has_control("effect_flare")
    assert _reports(app)[0].board_id == treatment.id


def test_an_update_shows_updated_and_the_history_keeps_both_versions(
    client, treatment, member, filed
):
    """ "It wore off": the card shows the new answers, marked updated, linking to history."""
    login(client, member)

    response = client.post(
        f"/p/{filed}/report/edit",
        data=_report_only(
            form_data(treatment, pain_best="6", pgic="4", relief_weeks="30", version="1")
        ),
    )

    assert response.status_code == 302
    page = _html(client.get(response.location))
    card = _card(page, filed)
    assert "7 before → 6 at best" in card
    assert "Overall No change" in card
    assert "updated" in card
    history_link = _Page(page).one("a", href=f"/p/{filed}/report/history")
    assert history_link["class"] == "muted"

    history = _html(client.get(f"/p/{filed}/report/history"))
    newest = _section(history, r'<article class="revision" aria-labelledby="v2">.*?</article>')
    oldest = _section(history, r'<article class="revision" aria-labelledby="v1">.*?</article>')
    assert "2 versions, newest first" in _Page(history).text
    assert history.index(newest) < history.index(oldest)
    assert "Version 2 (current)" in _Page(newest).text
    assert "No change" in _Page(newest).text
    assert "7 before → 6 at best" in _Page(newest).text
    assert "Version 1 · filed" in _Page(oldest).text
    assert "Much improved" in _Page(oldest).text
    assert "7 before → 3 at best" in _Page(oldest).text


def test_a_stale_update_is_refused_and_keeps_what_was_typed(app, client, treatment, member, filed):
    """Two tabs open on version 1: the first saves; the second is told, keeps its answers,
    and can then save over the current version on purpose."""
    login(client, member)
    url = f"/p/{filed}/report/edit"
    first_tab = _page(client.get(url))
    second_tab = _page(client.get(url))
    assert first_tab.value("version") == second_tab.value("version") == "1"
    client.post(url, data=_report_only(form_data(treatment, pain_best="5", version="1")))
    typed = _report_only(
        form_data(
            treatment,
            pain_best="2",
            percent_relief="90",
            effect_numbness="severe",
            has_conflict="yes",
            conflict_disclosure="Paid speaker",
            version="1",
        )
    )

    response = client.post(url, data=typed)

    page = _page(response)
    assert response.status_code == 409
    assert "This report was updated since you opened it." in page.text
    assert (page.checked("pain_best"), page.value("percent_relief")) == (["2"], "90")
    assert page.checked("effect_numbness") == ["severe"]
    assert page.checked("has_conflict") == ["yes"]
    assert page.value("conflict_disclosure") == "Paid speaker"
    assert page.value("version") == "2"
    assert [(pain_best, version) for _, _, pain_best, version in _reports(app)] == [(5, 2)]

    again = client.post(url, data={**typed, "version": page.value("version")})

    assert again.status_code == 302
    assert [(pain_best, version) for _, _, pain_best, version in _reports(app)] == [(2, 3)]


def test_the_update_link_is_for_the_author_only(app, member, fred, filed):
    """The card offers "Update report" to its author alone."""
    update = f"/p/{filed}/report/edit"

    assert _Page(_thread_page(_client(app, member), filed)).find("a", href=update)
    assert not _Page(_thread_page(_client(app, fred), filed)).find("a", href=update)
    assert not _Page(_thread_page(_client(app), filed)).find("a", href=update)


# -- safety ----------------------------------------------------------------------------


def test_a_disclosure_is_shown_as_text_never_as_markup(client, treatment, member, file):
    """On the thread page and in the history, for the current and the earlier version."""
    post_id = file(
        treatment,
        author=member,
        has_conflict=True,
        conflict_disclosure="<script>alert(1)</script>",
    )
    login(client, member)
    client.post(
        f"/p/{post_id}/report/edit",
        data=_report_only(
            form_data(
                treatment,
                has_conflict="yes",
                conflict_disclosure='<img src=x onerror="alert(2)">',
                version="1",
            )
        ),
    )

    thread_page = _thread_page(client, post_id)
    history = _html(client.get(f"/p/{post_id}/report/history"))

    assert "<img src=x" not in thread_page
    assert "&lt;img src=x onerror=" in thread_page
    assert "<script>alert(1)" not in history
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in history
    assert "<img src=x" not in history
    assert "&lt;img src=x onerror=" in history
    assert 'Declared interest: <img src=x onerror="alert(2)">' in _card(thread_page, post_id)


def test_the_first_disclosure_is_escaped_on_the_thread_page(client, treatment, member, file):
    """A report never updated: its disclosure is escaped too."""
    post_id = file(
        treatment, author=member, has_conflict=True, conflict_disclosure="<script>alert(1)</script>"
    )

    page = _thread_page(client, post_id)

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _token_from(client, url: str) -> str:
    """The csrf_token of the page's last form (the page's own; the header's sign-out
    form carries one too)."""
    tokens = [found["value"] for found in _page(client.get(url)).find("input", name="csrf_token")]
    assert tokens, f"no csrf_token on {url}"
    return tokens[-1]


def _sign_in_with_token(client, user) -> None:
    token = _token_from(client, "/login/dev")
    response = client.post("/login/dev", data={"pseudonym": user.display_name, "csrf_token": token})
    assert response.status_code == 302


def test_filing_without_a_csrf_token_is_refused(csrf_app, treatment, member):
    """With CSRF protection on, as in production: forged POSTs of a step or of "Post
    report" create nothing, not even a draft; the same steps with the token from the form
    work."""
    client = csrf_app.test_client()
    _sign_in_with_token(client, member)

    forged_step = client.post("/b/epidurals/report?step=1", data=form_data(treatment))
    forged = client.post("/b/epidurals/report/post", data=form_data(treatment))

    assert forged_step.status_code == forged.status_code == 400
    assert EXPIRED in _page(forged).text
    assert _count(csrf_app, Draft) == 0
    assert _count(csrf_app, Thread) == 0
    assert _count(csrf_app, ExperienceReport) == 0

    token = _token_from(client, "/b/epidurals/report")
    genuine = walk_report_form(client, "epidurals", form_data(treatment), csrf_token=token)

    assert genuine.status_code == 302
    assert _count(csrf_app, ExperienceReport) == 1


# -- hidden posts ----------------------------------------------------------------------


def test_the_report_on_a_hidden_post_is_not_shown_to_visitors(app, member, moderator, fred, filed):
    """A moderator hid the post: readers see the placeholder, not the report."""
    with app.app_context():
        db.session.execute(
            sa.update(Post)
            .where(Post.id == filed)
            .values(state="hidden", moderation_reason="Personal details.")
        )
        db.session.commit()

    for reader in (_client(app), _client(app, fred)):
        article = _Page(_article(_thread_page(reader, filed), filed)).text
        assert "Post hidden by a moderator" in article
        assert "Experience report" not in article
        assert "7 before" not in article
        assert reader.get(f"/p/{filed}/report/history").status_code == 403
    assert "7 before → 3 at best" in _card(_thread_page(_client(app, member), filed), filed)
    assert "7 before → 3 at best" in _card(_thread_page(_client(app, moderator), filed), filed)


# -- statements per page ---------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_reports_add_no_statements_to_the_thread_page(
    app,
    count_queries,
    make_thread,
    make_user,
    file,
    treatment,
    community,
    member,
    signed_in,
    one_minute,
):
    """A thread without a report, one with a report, and one of ten posts whose first has
    a report about another board's treatment: the same number of SQL statements, but for
    the one its author (or a moderator) reads asking whether the report is left out of the
    figures (tests/reports/test_integrity.py)."""
    plain = first_post_id(app, make_thread(board=treatment, author=member))
    one_post = file(treatment, author=member)
    # Another episode of the treatment (one report per episode).
    long_thread = file(
        treatment, author=member, board=community, procedure_year=2024, procedure_month=3
    )
    repliers = [make_user() for _ in range(9)]
    with app.app_context():
        thread = db.session.get(Thread, db.session.get(Post, long_thread).thread_id)
        for n, replier in enumerate(repliers):
            reply_to_thread(replier, thread, f"Reply {n}")
    client = _client(app, member if signed_in else None)
    counts = {}

    for name, post_id in {"plain": plain, "report": one_post, "ten posts": long_thread}.items():
        url = _thread_url(client, post_id)
        # Seen once first: a first view also records how far the member read and marks
        # the notifications about those posts read (forum/reading), which is not the report's.
        client.get(url)
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = len(statements)

    assert "Experience report: Epidurals" in _card(_thread_page(client, long_thread), long_thread)
    asks_exclusion = 1 if signed_in else 0  # the signed-in member wrote the reports
    assert counts["report"] == counts["plain"] + asks_exclusion, counts
    assert counts["ten posts"] == counts["plain"] + asks_exclusion, counts
