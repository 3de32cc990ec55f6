"""Sanctions and appeals: warning, silence, suspension, ban; one appeal per sanction.

Service tests call forum.moderation.sanctions directly; view tests go through the pages a
moderator and a member use. An end time "passing" is simulated by moving users.*_until and
sanctions.ends_at into the past: every restriction is computed against the current time."""

from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.auth.models import MemberSession
from forum.auth.sessions import open_session
from forum.errors import DomainError, NotAllowed
from forum.extensions import db, utcnow
from forum.moderation import sanctions
from forum.moderation.models import Appeal, Flag, ModerationAction, Sanction
from forum.threads.models import Post, Thread
from tests.conftest import login

FORM_TIME = "%Y-%m-%dT%H:%M"  # the moderator page's ends_at field, in UTC
SHOWN_TIME = "%d %B %Y, %H:%M UTC"  # how end times are written in messages and pages
APPEAL_TEXT = "I quoted the study accurately; please read the whole thread again."


# -- reading pages as a person would -------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class Page(HTMLParser):
    """A page's visible text, its messages (alerts, field errors, notices, flashes),
    its textareas and its table rows."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.elements: list[tuple[str, dict, str]] = []
        self.rows: list[list[str]] = []
        self._open: list[tuple[str, dict, list[str], list[str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self._open.append((tag, dict(attrs), [], []))

    def handle_endtag(self, tag):
        if not any(open_tag == tag for open_tag, *_ in self._open):
            return
        while self._open:
            open_tag, attrs, texts, cells = self._open.pop()
            text = " ".join("".join(texts).split())
            self.elements.append((open_tag, attrs, text))
            if open_tag in ("td", "th"):
                row = next((entry for entry in reversed(self._open) if entry[0] == "tr"), None)
                if row is not None:
                    row[3].append(text)
            if open_tag == "tr":
                self.rows.append(cells)
            if open_tag == tag:
                break

    def handle_data(self, data):
        self.parts.append(data)
        for _, _, texts, _ in self._open:
            texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def _classes(self, attrs: dict) -> set[str]:
        return set((attrs.get("class") or "").split())

    @property
    def errors(self) -> str:
        """What the page says went wrong: the form's alert box and the fields' errors."""
        return " ".join(
            text
            for tag, attrs, text in self.elements
            if attrs.get("role") == "alert" or "error" in self._classes(attrs)
        )

    @property
    def notices(self) -> str:
        return " ".join(
            text for tag, attrs, text in self.elements if "notice" in self._classes(attrs)
        )

    @property
    def flashes(self) -> str:
        return " ".join(
            text for tag, attrs, text in self.elements if "flash" in self._classes(attrs)
        )

    def textarea(self, name: str) -> str:
        return next(
            text
            for tag, attrs, text in self.elements
            if tag == "textarea" and attrs.get("name") == name
        )


def page(response) -> Page:
    return Page(response.get_data(as_text=True))


def is_signed_in(client) -> bool:
    """Judged by the header a person sees: it offers to sign out."""
    return "Sign out" in page(client.get("/")).text


# -- time and database helpers ----------------------------------------------------------------


def later(**delta) -> datetime:
    """A future moment as the moderator page can express it: whole minutes, UTC."""
    return (utcnow() + timedelta(**delta)).replace(second=0, microsecond=0)


def shown(moment: datetime) -> str:
    return moment.strftime(SHOWN_TIME)


def let_end_time_pass(app, user) -> None:
    """Move the member's timed sanctions and restrictions into the past."""
    past = utcnow() - timedelta(minutes=1)
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id, User.silenced_until.is_not(None))
            .values(silenced_until=past)
        )
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id, User.suspended_until.is_not(None))
            .values(suspended_until=past)
        )
        db.session.execute(
            sa.update(Sanction)
            .where(Sanction.user_id == user.id, Sanction.ends_at.is_not(None))
            .values(starts_at=past - timedelta(days=1), ends_at=past)
        )
        db.session.commit()


def age_accounts(app, *users) -> None:
    """Make accounts old enough to flag (new accounts must wait before flagging)."""
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id.in_([user.id for user in users]))
            .values(created_at=utcnow() - timedelta(days=3))
        )
        db.session.commit()


def rows_of(app, statement):
    with app.app_context():
        return db.session.execute(statement).all()


def sanctions_of(app, user) -> list[tuple]:
    return rows_of(
        app,
        sa.select(Sanction.kind, Sanction.reason, Sanction.ends_at, Sanction.overturned_at)
        .where(Sanction.user_id == user.id)
        .order_by(Sanction.id),
    )


def only_sanction_id(app, user) -> int:
    [(sanction_id,)] = rows_of(app, sa.select(Sanction.id).where(Sanction.user_id == user.id))
    return sanction_id


def appeal_id_for(app, sanction_id: int) -> int:
    [(appeal_id,)] = rows_of(app, sa.select(Appeal.id).where(Appeal.sanction_id == sanction_id))
    return appeal_id


def first_post_id(app, thread) -> int:
    [(post_id,)] = rows_of(
        app, sa.select(Post.id).where(Post.thread_id == thread.id, Post.position == 1)
    )
    return post_id


def log_rows(client) -> list[list[str]]:
    """The moderation log as a moderator reads it: when, moderator, action, target, member,
    reason and details."""
    response = client.get("/moderation/log")
    assert response.status_code == 200
    return [row for row in page(response).rows if len(row) == 6 and row[0] != "When (UTC)"]


def find_log_row(rows, actor: str, action: str, member: str) -> list[str]:
    matches = [row for row in rows if row[1] == actor and row[2] == action and row[4] == member]
    assert len(matches) == 1, rows
    return matches[0]


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def mod_client(app, moderator):
    client = app.test_client()
    login(client, moderator)
    return client


@pytest.fixture
def other_moderator(make_user):
    return make_user("mod-omar", role="moderator")


@pytest.fixture
def admin(make_user):
    return make_user("admin-ada", role="admin")


@pytest.fixture
def venue(make_board, make_thread, make_post, make_user, fred):
    """A board with someone else's thread, on which Fred has written a reply."""
    board = make_board(slug="sanctions", name="Sanctions board")
    thread = make_thread(
        board=board, author=make_user("thread-author"), title="Radiofrequency ablation results"
    )
    reply = make_post(thread, author=fred, body="Fred's original reply.")
    return {"board": board, "thread": thread, "reply": reply}


def sanction(mod_client, member, kind, reason="Repeated personal attacks.", ends_at=None):
    data = {"kind": kind, "reason": reason}
    if ends_at is not None:
        data["ends_at"] = ends_at.strftime(FORM_TIME)
    return mod_client.post(f"/moderation/members/{member.display_name}", data=data)


def appeal(client, sanction_id: int, text: str = APPEAL_TEXT):
    return client.post(f"/settings/sanctions?sanction={sanction_id}", data={"text": text})


def decide(client, appeal_id: int, decision: str, reason: str = "Reviewed the thread."):
    return client.post(
        f"/moderation/appeals/{appeal_id}", data={"decision": decision, "reason": reason}
    )


def participation_attempts(app, client, venue, post_id: int):
    """Everything a silenced member may not do, each as the form would send it, with a check
    that it left no trace. Returns name -> (response, changed_nothing)."""
    board, thread, reply = venue["board"], venue["thread"], venue["reply"]

    def threads_on_board():
        return rows_of(app, sa.select(Thread.id).where(Thread.board_id == board.id))

    def posts_in_thread():
        return rows_of(app, sa.select(Post.id).where(Post.thread_id == thread.id))

    def reply_body():
        return rows_of(app, sa.select(Post.body_source).where(Post.id == reply.id))

    def flags():
        return rows_of(app, sa.select(Flag.id).where(Flag.post_id == post_id))

    attempts = {
        "start thread": (
            threads_on_board,
            lambda: client.post(
                f"/b/{board.slug}/new",
                data={
                    "title": "A brand new thread",
                    "body": "Something to say.",
                    "visibility": "public",
                },
            ),
        ),
        "reply": (
            posts_in_thread,
            lambda: client.post(f"/t/{thread.id}/reply", data={"body": "Another reply."}),
        ),
        "edit": (
            reply_body,
            lambda: client.post(
                f"/p/{reply.id}/edit", data={"body": "Fred's edited reply.", "version": "1"}
            ),
        ),
        "flag": (
            flags,
            lambda: client.post(f"/p/{post_id}/flag", data={"reason": "spam"}),
        ),
    }
    results = {}
    for name, (state, send) in attempts.items():
        before = state()
        response = send()
        results[name] = (response, state() == before)
    return results


# == services ================================================================================


def test_warning_is_recorded_without_restriction(app_ctx, moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)

    warning = sanctions.impose_sanction(mod, member, "warning", "  Mind the tone.  ", later(days=1))

    assert (warning.kind, warning.reason, warning.ends_at) == ("warning", "Mind the tone.", None)
    assert warning.created_by_id == mod.id
    assert (member.silenced_until, member.suspended_until, member.banned_at) == (None,) * 3
    sanctions.check_can_participate(member)  # does not raise
    assert not sanctions.is_locked_out(member)
    assert [s.id for s in sanctions.list_sanctions(member)] == [warning.id]


@pytest.mark.parametrize("kind", ["silence", "suspension"])
def test_timed_sanctions_need_an_end_time_in_the_future(app_ctx, moderator, fred, kind):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)

    for ends_at in (None, utcnow() - timedelta(minutes=5)):
        with pytest.raises(DomainError) as refused:
            sanctions.impose_sanction(mod, member, kind, "Spamming links.", ends_at)
        assert refused.value.field == "ends_at"
        assert "end time in the future" in refused.value.message

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Sanction.id))) == 0
    assert (member.silenced_until, member.suspended_until) == (None, None)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_sanction_needs_a_reason(app_ctx, moderator, fred, reason):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)

    with pytest.raises(DomainError) as refused:
        sanctions.impose_sanction(mod, member, "silence", reason, later(days=1))

    assert refused.value.field == "reason"
    assert db.session.scalar(sa.select(sa.func.count(Sanction.id))) == 0


def test_silence_refuses_participation_until_its_end(app_ctx, moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    ends_at = later(days=2)

    sanctions.impose_sanction(mod, member, "silence", "Off-topic promotion.", ends_at)

    assert member.silenced_until == ends_at
    with pytest.raises(NotAllowed, match=shown(ends_at)):
        sanctions.check_can_participate(member)
    assert not sanctions.is_locked_out(member)
    sanctions.check_can_participate(member, now=ends_at + timedelta(seconds=1))


def test_a_shorter_silence_does_not_shorten_a_longer_one(app_ctx, moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    long_end, short_end = later(days=10), later(days=1)

    sanctions.impose_sanction(mod, member, "silence", "First offence.", long_end)
    sanctions.impose_sanction(mod, member, "silence", "Second offence.", short_end)

    assert member.silenced_until == long_end


def sessions_of(member: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(MemberSession.user_id == member.id)
    )


def test_suspension_locks_out_and_revokes_sessions(app_ctx, moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    open_session(member, remember=True, user_agent=None, address=None)
    ends_at = later(days=7)

    sanctions.impose_sanction(mod, member, "suspension", "Harassment.", ends_at)

    assert member.suspended_until == ends_at
    assert sessions_of(member) == 0
    assert sanctions.is_locked_out(member)
    with pytest.raises(NotAllowed, match=shown(ends_at)):
        sanctions.refuse_locked_out(member)
    assert not sanctions.is_locked_out(member, now=ends_at + timedelta(seconds=1))


def test_ban_is_permanent(app_ctx, moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    open_session(member, remember=False, user_agent=None, address=None)

    ban = sanctions.impose_sanction(mod, member, "ban", "Threats.", later(days=1))

    assert ban.ends_at is None  # an end time typed for a ban is ignored
    assert member.banned_at is not None
    assert sessions_of(member) == 0
    assert sanctions.is_locked_out(member, now=utcnow() + timedelta(days=36_500))
    with pytest.raises(NotAllowed, match="banned"):
        sanctions.refuse_locked_out(member)


def test_who_may_sanction_whom(app_ctx, moderator, other_moderator, admin, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    peer, boss = db.session.get(User, other_moderator.id), db.session.get(User, admin.id)

    with pytest.raises(NotAllowed):
        sanctions.impose_sanction(member, mod, "warning", "Members cannot sanction.", None)
    with pytest.raises(DomainError, match="yourself"):
        sanctions.impose_sanction(mod, mod, "warning", "Self-sanction.", None)
    with pytest.raises(NotAllowed, match="admin"):
        sanctions.impose_sanction(mod, peer, "warning", "Peer sanction.", None)
    assert db.session.scalar(sa.select(sa.func.count(Sanction.id))) == 0

    by_admin = sanctions.impose_sanction(boss, peer, "warning", "Admin warns a moderator.", None)

    assert by_admin.user_id == peer.id


def test_imposition_is_logged_with_actor_member_and_reason(app_ctx, moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    ends_at = later(days=3)

    silence = sanctions.impose_sanction(mod, member, "silence", "Insults in replies.", ends_at)

    entry = db.session.scalars(sa.select(ModerationAction)).one()
    assert entry.action == "sanction_silence"
    assert (entry.actor_id, entry.subject_user_id) == (mod.id, member.id)
    assert (entry.target_type, entry.target_id) == ("sanction", silence.id)
    assert entry.reason == "Insults in replies."
    assert datetime.fromisoformat(entry.details["ends_at"]) == ends_at


def _appeal_as_loaded(appeal_id: int) -> Appeal:
    """An appeal as a caller gets it: by its id."""
    db.session.expunge_all()
    return db.session.get(Appeal, appeal_id)


def test_appeal_once_by_the_sanctioned_member_only(app_ctx, moderator, fred, member):
    mod, sanctioned = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    other = db.session.get(User, member.id)
    silence = sanctions.impose_sanction(mod, sanctioned, "silence", "Rude.", later(days=1))

    with pytest.raises(NotAllowed):
        sanctions.appeal_sanction(other, silence, APPEAL_TEXT)
    for text in ("Too short", "x" * 2001):
        with pytest.raises(DomainError) as refused:
            sanctions.appeal_sanction(sanctioned, silence, text)
        assert refused.value.field == "text"
    first = sanctions.appeal_sanction(sanctioned, silence, APPEAL_TEXT)
    with pytest.raises(DomainError, match="already appealed"):
        sanctions.appeal_sanction(sanctioned, silence, "A second appeal, longer than ten.")

    assert db.session.scalars(sa.select(Appeal.id)).all() == [first.id]


def test_appeal_is_decided_by_another_moderator(app_ctx, moderator, other_moderator, fred):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    ends_at = later(days=5)
    silence = sanctions.impose_sanction(mod, member, "silence", "Rude.", ends_at)
    silence_id = silence.id
    appeal_id = sanctions.appeal_sanction(member, silence, APPEAL_TEXT).id

    with pytest.raises(NotAllowed, match="Another moderator"):
        sanctions.decide_appeal(
            db.session.get(User, moderator.id), _appeal_as_loaded(appeal_id), "overturned", ""
        )
    db.session.rollback()
    sanctions.decide_appeal(
        db.session.get(User, other_moderator.id),
        _appeal_as_loaded(appeal_id),
        "upheld",
        "The insult is clear.",
    )

    decided = db.session.get(Appeal, appeal_id)
    assert (decided.decision, decided.decided_by_id) == ("upheld", other_moderator.id)
    assert db.session.get(Sanction, silence_id).overturned_at is None
    assert db.session.get(User, fred.id).silenced_until == ends_at
    with pytest.raises(DomainError, match="already decided"):
        sanctions.decide_appeal(
            db.session.get(User, other_moderator.id), _appeal_as_loaded(appeal_id), "overturned", ""
        )


def test_overturning_lifts_only_that_sanctions_restriction(
    app_ctx, moderator, other_moderator, fred
):
    mod, member = db.session.get(User, moderator.id), db.session.get(User, fred.id)
    short_end, long_end, suspension_end = later(days=1), later(days=9), later(days=4)
    sanctions.impose_sanction(mod, member, "silence", "First.", short_end)
    long_silence = sanctions.impose_sanction(mod, member, "silence", "Second.", long_end)
    long_silence_id = long_silence.id
    sanctions.impose_sanction(mod, member, "suspension", "Third.", suspension_end)
    appeal_id = sanctions.appeal_sanction(member, long_silence, APPEAL_TEXT).id

    sanctions.decide_appeal(
        db.session.get(User, other_moderator.id), _appeal_as_loaded(appeal_id), "overturned", "Ok"
    )

    member = db.session.get(User, fred.id)
    assert member.silenced_until == short_end  # the other silence still runs
    assert member.suspended_until == suspension_end
    assert db.session.get(Sanction, long_silence_id).overturned_at is not None
    entry = db.session.scalars(
        sa.select(ModerationAction).where(ModerationAction.action == "appeal_overturned")
    ).one()
    assert (entry.actor_id, entry.subject_user_id, entry.reason) == (
        other_moderator.id,
        fred.id,
        "Ok",
    )


# == pages: warning ==========================================================================


def test_warning_through_the_page_restricts_nothing(app, mod_client, fred, venue):
    response = sanction(mod_client, fred, "warning", reason="Please cite sources.")

    assert response.status_code == 302
    assert "Warning recorded for fred" in page(mod_client.get(response.location)).flashes
    assert [(kind, reason) for kind, reason, *_ in sanctions_of(app, fred)] == [
        ("warning", "Please cite sources.")
    ]
    client = app.test_client()
    login(client, fred)
    mine = page(client.get("/settings/sanctions"))
    assert "Warning" in mine.text
    assert "Please cite sources." in mine.text
    assert "You are silenced" not in mine.notices
    thread = venue["thread"]
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Still here."}).status_code == 302


# == pages: silence ==========================================================================


def test_silence_without_an_end_time_is_refused_keeping_the_reason(app, mod_client, fred):
    typed = "Posting the same link in every thread."

    response = sanction(mod_client, fred, "silence", reason=typed)

    assert response.status_code == 422
    shown_page = page(response)
    assert "Please choose an end time in the future." in shown_page.errors
    assert shown_page.textarea("reason") == typed
    assert sanctions_of(app, fred) == []


def test_silence_with_a_past_end_time_is_refused(app, mod_client, fred):
    response = sanction(
        mod_client, fred, "silence", ends_at=utcnow() - timedelta(hours=1), reason="Late."
    )

    assert response.status_code == 422
    assert "end time in the future" in page(response).errors
    assert sanctions_of(app, fred) == []


def test_silence_without_a_reason_is_refused(app, mod_client, fred):
    response = sanction(mod_client, fred, "silence", reason="", ends_at=later(days=1))

    assert response.status_code == 422
    assert "Please give a reason." in page(response).errors
    assert sanctions_of(app, fred) == []


def test_silenced_member_reads_but_cannot_participate(app, mod_client, fred, venue):
    post_id = first_post_id(app, venue["thread"])
    age_accounts(app, fred)
    client = app.test_client()
    login(client, fred)
    ends_at = later(days=2)

    assert sanction(mod_client, fred, "silence", ends_at=ends_at).status_code == 302

    assert is_signed_in(client)  # the running session survives a silence
    fresh = app.test_client()
    login(fresh, fred)  # and signing in again works
    thread = venue["thread"]
    reading = client.get(f"/t/{thread.id}/{thread.slug}")
    assert reading.status_code == 200
    assert "Radiofrequency ablation results" in page(reading).text
    for name, (response, unchanged) in participation_attempts(app, client, venue, post_id).items():
        assert response.status_code == 403, name
        assert f"You are silenced until {shown(ends_at)}" in page(response).errors, name
        assert unchanged, name


def test_silenced_member_sees_the_banner(app, mod_client, fred):
    ends_at = later(days=2)
    sanction(mod_client, fred, "silence", ends_at=ends_at)
    client = app.test_client()
    login(client, fred)

    notices = page(client.get("/")).notices

    assert f"You are silenced until {shown(ends_at)}" in notices


def test_silence_ends_by_itself(app, mod_client, fred, venue):
    post_id = first_post_id(app, venue["thread"])
    age_accounts(app, fred)
    sanction(mod_client, fred, "silence", ends_at=later(days=2))
    client = app.test_client()
    login(client, fred)

    let_end_time_pass(app, fred)

    assert "You are silenced" not in page(client.get("/")).notices
    for name, (response, unchanged) in participation_attempts(app, client, venue, post_id).items():
        assert response.status_code == 302, (name, page(response).errors)
        assert not unchanged, name


# == pages: suspension =======================================================================


def test_suspension_without_an_end_time_is_refused(app, mod_client, fred):
    client = app.test_client()
    login(client, fred)

    response = sanction(mod_client, fred, "suspension", reason="Harassment.")

    assert response.status_code == 422
    assert "end time in the future" in page(response).errors
    assert sanctions_of(app, fred) == []
    assert is_signed_in(client)


def test_suspension_ends_the_session_and_refuses_sign_in(app, mod_client, fred):
    client = app.test_client()
    login(client, fred)
    assert is_signed_in(client)
    ends_at = later(days=7)

    assert sanction(mod_client, fred, "suspension", ends_at=ends_at).status_code == 302

    assert not is_signed_in(client)
    settings = client.get("/settings")
    assert settings.status_code == 302
    assert settings.location.startswith("/login?next=")
    refused = client.post("/login/dev", data={"pseudonym": "fred"})
    assert 400 <= refused.status_code < 500
    assert f"suspended until {shown(ends_at)}" in page(refused).errors
    assert not is_signed_in(client)


def test_suspended_member_signs_in_after_the_end(app, mod_client, fred):
    sanction(mod_client, fred, "suspension", ends_at=later(days=7))

    let_end_time_pass(app, fred)

    client = app.test_client()
    login(client, fred)
    assert is_signed_in(client)
    assert "fred" in page(client.get("/")).text


# == pages: ban ==============================================================================


def test_ban_ends_sessions_and_refuses_sign_in(app, mod_client, fred):
    client = app.test_client()
    login(client, fred)

    response = sanction(mod_client, fred, "ban", reason="Threatened another member.")

    assert response.status_code == 302
    [(kind, _, ends_at, _)] = sanctions_of(app, fred)
    assert (kind, ends_at) == ("ban", None)
    assert not is_signed_in(client)
    refused = client.post("/login/dev", data={"pseudonym": "fred"})
    assert 400 <= refused.status_code < 500
    assert "banned" in page(refused).errors
    assert not is_signed_in(client)


def test_ban_outlasts_any_end_time(app, mod_client, fred):
    """A ban has no end: moving every end time into the past does not lift it."""
    sanction(mod_client, fred, "ban", reason="Threats.", ends_at=later(days=1))

    let_end_time_pass(app, fred)

    client = app.test_client()
    refused = client.post("/login/dev", data={"pseudonym": "fred"})
    assert refused.status_code == 403
    assert "banned" in page(refused).errors


# == pages: who sanctions whom ===============================================================


def test_moderator_sees_the_history_before_applying_a_new_sanction(
    app, mod_client, other_moderator, fred
):
    other = app.test_client()
    login(other, other_moderator)
    sanction(other, fred, "silence", reason="Rude to newcomers.", ends_at=later(days=1))
    sanction(other, fred, "warning", reason="Off-topic posts.")

    response = mod_client.get("/moderation/members/fred")

    assert response.status_code == 200
    text = page(response).text
    history = text.index("Sanction history")
    form = text.index("Apply a sanction")
    for entry in ("Silence by mod-omar", "Rude to newcomers.", "Warning by mod-omar"):
        assert history < text.index(entry) < form, entry
    assert text.index("Warning by mod-omar") < text.index("Silence by mod-omar")  # newest first


def test_moderator_cannot_sanction_themselves(app, mod_client, moderator):
    response = sanction(mod_client, moderator, "warning", reason="Testing myself.")

    assert response.status_code == 403
    assert "You cannot sanction yourself." in page(response).errors
    assert sanctions_of(app, moderator) == []


def test_moderator_cannot_sanction_another_moderator(app, mod_client, other_moderator):
    response = sanction(mod_client, other_moderator, "ban", reason="Disagreement.")

    assert response.status_code == 403
    assert "Only an admin can sanction a moderator." in page(response).errors
    assert sanctions_of(app, other_moderator) == []
    client = app.test_client()
    login(client, other_moderator)
    assert is_signed_in(client)


def test_admin_can_sanction_a_moderator(app, admin, other_moderator):
    client = app.test_client()
    login(client, admin)

    response = sanction(client, other_moderator, "warning", reason="Too quick to hide posts.")

    assert response.status_code == 302
    assert [kind for kind, *_ in sanctions_of(app, other_moderator)] == ["warning"]


# == pages: appeals ==========================================================================


@pytest.fixture
def silenced_fred(app, mod_client, fred):
    """Fred, silenced by mod-maria, signed in; returns (client, sanction id, end time)."""
    ends_at = later(days=3)
    assert sanction(mod_client, fred, "silence", ends_at=ends_at).status_code == 302
    client = app.test_client()
    login(client, fred)
    return client, only_sanction_id(app, fred), ends_at


def test_member_appeals_once_from_their_sanctions_page(app, silenced_fred):
    client, sanction_id, _ = silenced_fred
    mine = page(client.get("/settings/sanctions"))
    assert "Repeated personal attacks." in mine.text
    assert "Appeal" in mine.text

    response = appeal(client, sanction_id)

    assert response.status_code == 302
    after = page(client.get(response.location))
    assert "Your appeal is sent" in after.flashes
    assert "waiting for a moderator" in after.text
    assert rows_of(app, sa.select(Appeal.text)) == [(APPEAL_TEXT,)]


def test_too_short_appeal_is_refused_keeping_the_text(app, silenced_fred):
    client, sanction_id, _ = silenced_fred

    response = appeal(client, sanction_id, text="Unfair.")

    assert response.status_code == 422
    assert page(response).textarea("text") == "Unfair."
    assert page(response).errors
    assert rows_of(app, sa.select(Appeal.id)) == []


def test_second_appeal_is_refused(app, silenced_fred):
    client, sanction_id, _ = silenced_fred
    assert appeal(client, sanction_id).status_code == 302

    again = appeal(client, sanction_id, text="Please, a second look at my case.")

    assert again.status_code == 422
    assert "already appealed" in page(again).errors
    assert rows_of(app, sa.select(Appeal.text)) == [(APPEAL_TEXT,)]


def test_member_cannot_appeal_someone_elses_sanction(app, silenced_fred, member):
    _, sanction_id, _ = silenced_fred
    client = app.test_client()
    login(client, member)

    response = appeal(client, sanction_id)

    assert response.status_code == 404  # someone else's sanction is not there for them
    assert "Repeated personal attacks." not in response.get_data(as_text=True)
    assert rows_of(app, sa.select(Appeal.id)) == []


@pytest.fixture
def appealed(app, silenced_fred):
    client, sanction_id, ends_at = silenced_fred
    assert appeal(client, sanction_id).status_code == 302
    return client, sanction_id, appeal_id_for(app, sanction_id), ends_at


def test_imposing_moderator_cannot_decide_the_appeal(app, mod_client, appealed):
    _, _, appeal_id, _ = appealed

    response = decide(mod_client, appeal_id, "overturned")

    assert response.status_code in (302, 403)
    shown_page = page(
        mod_client.get(response.location) if response.status_code == 302 else response
    )
    assert "Another moderator must decide an appeal against your own sanction." in (
        shown_page.flashes + shown_page.errors + shown_page.text
    )
    assert rows_of(app, sa.select(Appeal.decision)) == [(None,)]
    assert rows_of(app, sa.select(Sanction.overturned_at)) == [(None,)]


def test_overturned_silence_is_lifted_at_once(app, other_moderator, appealed, venue, fred):
    client, sanction_id, appeal_id, _ = appealed
    other = app.test_client()
    login(other, other_moderator)

    response = decide(other, appeal_id, "overturned", reason="The quote was accurate.")

    assert response.status_code == 302
    assert "Appeal overturned" in page(other.get(response.location)).flashes
    history = page(other.get("/moderation/members/fred")).text
    assert "Silence by mod-maria" in history
    assert "overturned" in history
    mine = page(client.get("/settings/sanctions"))
    assert "overturned (The quote was accurate.)" in mine.text
    assert "You are silenced" not in mine.notices
    thread = venue["thread"]
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Thank you."}).status_code == 302
    assert ("The quote was accurate.",) in rows_of(
        app, sa.select(Appeal.decision_reason).where(Appeal.id == appeal_id)
    )


def test_upheld_silence_stays(app, other_moderator, appealed, venue):
    client, _, appeal_id, ends_at = appealed
    other = app.test_client()
    login(other, other_moderator)

    response = decide(other, appeal_id, "upheld", reason="Clear insult.")

    assert response.status_code == 302
    mine = page(client.get("/settings/sanctions"))
    assert "upheld (Clear insult.)" in mine.text
    assert "overturned" not in mine.text
    assert f"You are silenced until {shown(ends_at)}" in mine.notices
    thread = venue["thread"]
    refused = client.post(f"/t/{thread.id}/reply", data={"body": "Still silenced?"})
    assert refused.status_code == 403


def test_overturned_suspension_lets_the_member_sign_in(app, mod_client, other_moderator, fred):
    sanction(mod_client, fred, "suspension", ends_at=later(days=7))
    sanction_id = only_sanction_id(app, fred)
    # Suspended members cannot sign in to appeal from the page; the appeal is recorded
    # the way the page would record it.
    with app.app_context():
        sanctions.appeal_sanction(
            db.session.get(User, fred.id), db.session.get(Sanction, sanction_id), APPEAL_TEXT
        )
    client = app.test_client()
    assert client.post("/login/dev", data={"pseudonym": "fred"}).status_code == 403
    other = app.test_client()
    login(other, other_moderator)

    response = decide(other, appeal_id_for(app, sanction_id), "overturned")

    assert response.status_code == 302
    login(client, fred)
    assert is_signed_in(client)


def test_sanctions_and_appeal_decisions_are_in_the_log(
    app, mod_client, other_moderator, appealed, fred
):
    _, sanction_id, appeal_id, _ = appealed
    sanction(mod_client, fred, "warning", reason="Second warning about tone.")
    other = app.test_client()
    login(other, other_moderator)
    decide(other, appeal_id, "upheld", reason="Upheld after review.")

    rows = log_rows(mod_client)

    silence = find_log_row(rows, "mod-maria", "sanction_silence", "fred")
    assert silence[3] == f"sanction {sanction_id}"
    assert "Repeated personal attacks." in silence[5]
    warning = find_log_row(rows, "mod-maria", "sanction_warning", "fred")
    assert "Second warning about tone." in warning[5]
    decision = find_log_row(rows, "mod-omar", "appeal_upheld", "fred")
    assert decision[3] == f"sanction {sanction_id}"
    assert "Upheld after review." in decision[5]


def test_overturn_is_in_the_log(app, other_moderator, appealed):
    _, sanction_id, appeal_id, _ = appealed
    other = app.test_client()
    login(other, other_moderator)

    decide(other, appeal_id, "overturned", reason="Context was missing.")

    row = find_log_row(log_rows(other), "mod-omar", "appeal_overturned", "fred")
    assert row[3] == f"sanction {sanction_id}"
    assert "Context was missing." in row[5]


def test_ban_and_suspension_are_in_the_log(app, mod_client, make_user, fred):
    troll = make_user("troll-tim")
    sanction(mod_client, fred, "suspension", reason="Brigading.", ends_at=later(days=2))
    sanction(mod_client, troll, "ban", reason="Spam account.")

    rows = log_rows(mod_client)

    assert "Brigading." in find_log_row(rows, "mod-maria", "sanction_suspension", "fred")[5]
    assert "Spam account." in find_log_row(rows, "mod-maria", "sanction_ban", "troll-tim")[5]
