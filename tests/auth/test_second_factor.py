"""Moderators' and admins' second factor: set-up, codes, recovery codes, the gate on every
moderation page and action, and the fresh code sanctions and appeal decisions need."""

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from forum.accounts.models import User
from forum.audit import SecurityEvent
from forum.auth.models import RecoveryCode, SecondFactor
from forum.auth.second_factor import (
    REUSED_CODE,
    WRONG_CODE,
    confirm_enrolment,
    start_enrolment,
)
from forum.extensions import db
from forum.moderation import sanctions
from forum.moderation.models import Sanction
from forum.privacy.erasure import Erasure, erase_account
from forum.security import CONTENT_SECURITY_POLICY
from forum.threads.models import Post, Thread
from tests.conftest import age_accounts, first_post_id, login

ENROL = "/settings/second-factor"
VERIFY = "/second-factor"
# The moderation blueprint's pages for members themselves: flagging, their flags and
# sanctions. Every other moderation route is moderation.
MEMBER_ENDPOINTS = {"moderation.flag", "moderation.my_flags", "moderation.my_sanctions"}
FRESH_ENDPOINTS = {
    "moderation.member",
    "moderation.set_trust",
    "moderation.decide_appeal",
    "moderation.decide_exclusion",
}
NOW = datetime(2026, 12, 6, 9, 0, 5, tzinfo=UTC)


def sign_in_only(client, user) -> None:
    """The development sign-in alone: no code typed (what login() adds for moderators)."""
    response = client.post("/login/dev", data={"pseudonym": user.display_name})
    assert response.status_code == 302


def enrol(app, user) -> tuple[pyotp.TOTP, list[str]]:
    """Set the factor up through the services, as the set-up page does."""
    with app.app_context():
        person = db.session.get(User, user.id)
        totp = pyotp.TOTP(start_enrolment(person).secret)
        return totp, confirm_enrolment(person, totp.now())


def events(app, name: str) -> list[SecurityEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(SecurityEvent).where(SecurityEvent.event == name)))


def secret_of(app, user) -> str:
    with app.app_context():
        return db.session.get(SecondFactor, user.id).secret


def page(response) -> str:
    return response.get_data(as_text=True)


def code_at(totp: pyotp.TOTP, moment: datetime) -> str:
    return totp.at(moment)


# -- the gate ------------------------------------------------------------------------------


def test_a_moderator_without_a_factor_is_sent_to_set_one_up_from_the_queue(client, moderator):
    sign_in_only(client, moderator)

    response = client.get("/moderation")

    assert response.status_code == 302
    assert response.location == f"{ENROL}?next=/moderation"
    shown = page(client.get(response.location))
    assert "Set up your second factor" in shown
    assert "set up a second factor before any moderation" in shown


def test_an_admin_who_has_not_typed_a_code_is_asked_for_one_at_the_jobs_page(
    app, client, make_user
):
    admin = make_user("ada-admin", role="admin")
    enrol(app, admin)
    sign_in_only(client, admin)

    response = client.get("/jobs")

    assert response.status_code == 302
    assert response.location == f"{VERIFY}?next=/jobs"
    shown = page(client.get(response.location))
    assert "Moderation and admin pages need the code from your authenticator app." in shown
    assert "Moderating" not in shown  # an admin's page, not moderation


def test_a_moderator_without_a_factor_cannot_hide_a_post(app, client, moderator, make_thread):
    thread = make_thread()
    post_id = first_post_id(app, thread)
    sign_in_only(client, moderator)

    response = client.post(
        f"/moderation/posts/{post_id}/decide", data={"decision": "hide", "reason": "Spam."}
    )

    assert response.status_code == 302
    assert response.location == f"{ENROL}?next=/moderation"
    with app.app_context():
        assert db.session.get(Post, post_id).state == "visible"


def _moderation_rules(app):
    """The moderation blueprint's routes, and any other feature's under /moderation/ (a
    member's notes, say)."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if (rule.endpoint.startswith("moderation.") or rule.rule.startswith("/moderation/"))
        and rule.endpoint not in MEMBER_ENDPOINTS
    ]


def test_every_moderation_view_is_behind_the_gate(app):
    """A new moderation route without second_factor_required fails here."""
    rules = _moderation_rules(app)
    assert len(rules) >= 7
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        expected = "fresh" if rule.endpoint in FRESH_ENDPOINTS else "session"
        assert getattr(view, "second_factor", None) == expected, rule.endpoint


def test_every_moderation_route_sends_an_unverified_moderator_to_set_up(app, moderator):
    """Through HTTP: whatever the address and method, nothing runs before the code."""
    client = app.test_client()
    sign_in_only(client, moderator)
    for rule in _moderation_rules(app):
        values = {name: 1 if name.endswith("_id") else "someone" for name in rule.arguments}
        path = rule.build(values)[1]
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(path, method=method, data={"decision": "hide"})
        assert response.status_code == 302, (method, path)
        assert response.location.startswith(f"{ENROL}?next="), (method, path)


def test_editing_someone_elses_post_is_moderation_editing_ones_own_is_not(
    app, client, moderator, make_thread
):
    others = make_thread()
    own = make_thread(author=moderator)
    sign_in_only(client, moderator)

    refused = client.get(f"/p/{first_post_id(app, others)}/edit")
    assert refused.status_code == 302
    assert refused.location.startswith(f"{ENROL}?next=/p/")
    posted = client.post(f"/p/{first_post_id(app, others)}/edit", data={"body": "Rewritten."})
    assert posted.status_code == 302
    assert posted.location.startswith(ENROL)
    with app.app_context():
        assert db.session.get(Post, first_post_id(app, others)).body_source == "First post."

    # Once the factor is set up, editing one's own post asks for no code; someone else's does.
    enrol(app, moderator)
    assert client.get(f"/p/{first_post_id(app, own)}/edit").status_code == 200
    asked = client.get(f"/p/{first_post_id(app, others)}/edit")
    assert asked.location.startswith(f"{VERIFY}?next=/p/")


def test_changing_who_reads_someone_elses_thread_is_moderation(app, client, moderator, make_thread):
    thread = make_thread(visibility="public")
    sign_in_only(client, moderator)

    response = client.post(f"/t/{thread.id}/visibility", data={"visibility": "members"})

    assert response.status_code == 302
    assert response.location.startswith(f"{ENROL}?next=/t/{thread.id}/")
    with app.app_context():
        assert not db.session.get(Thread, thread.id).is_members_only


# -- setting it up -------------------------------------------------------------------------


def test_the_set_up_page_draws_the_qr_code_inline_and_shows_the_secret(app, client, moderator):
    sign_in_only(client, moderator)

    response = client.get(ENROL)

    html = page(response)
    assert response.status_code == 200
    assert re.search(r"<svg [^>]*viewBox=", html)
    qr_step = html.split('<main', 1)[1]
    assert "<img" not in qr_step  # the code is drawn inline: no image, not even our own
    assert not re.search(r"<svg[^>]*\sstyle=|<style", html)  # nothing the CSP would block
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    secret = secret_of(app, moderator)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    # Showing the page again keeps the secret an app may already have scanned.
    client.get(ENROL)
    assert secret_of(app, moderator) == secret


def test_setting_up_needs_a_correct_first_code(app, client, moderator):
    sign_in_only(client, moderator)
    client.get(f"{ENROL}?next=/moderation")
    totp = pyotp.TOTP(secret_of(app, moderator))
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"

    refused = client.post(f"{ENROL}?next=/moderation", data={"code": wrong})

    assert refused.status_code == 422
    assert WRONG_CODE in page(refused)
    assert f'value="{wrong}"' not in page(refused)
    assert [e.actor_id for e in events(app, "second_factor_failed")] == [moderator.id]
    assert client.get("/moderation").location.startswith(ENROL)

    accepted = client.post(f"{ENROL}?next=/moderation", data={"code": totp.now()})

    assert accepted.status_code == 200
    codes = re.findall(r"<li><code>(\w{4}-\w{4}-\w{4})</code></li>", page(accepted))
    assert len(set(codes)) == 10
    assert 'href="/moderation"' in page(accepted)
    with app.app_context():
        digests = set(db.session.scalars(sa.select(RecoveryCode.code_digest)))
    assert len(digests) == 10 and not digests & set(codes)  # only digests are kept
    assert [e.actor_id for e in events(app, "second_factor_enrolled")] == [moderator.id]
    assert client.get("/moderation").status_code == 200
    # Once set up, the page says so and shows neither the secret nor the codes again.
    again = page(client.get(ENROL))
    assert "Your authenticator app is set up" in again
    assert "<svg" not in again and codes[0] not in again


# -- typing a code -------------------------------------------------------------------------


def test_a_wrong_code_is_refused_with_a_message_and_logged(app, client, moderator):
    enrol(app, moderator)
    sign_in_only(client, moderator)
    assert client.get("/moderation").location == f"{VERIFY}?next=/moderation"

    response = client.post(f"{VERIFY}?next=/moderation", data={"code": "000000"})

    assert response.status_code == 422
    assert WRONG_CODE in page(response)
    assert 'value="000000"' not in page(response)
    failed = events(app, "second_factor_failed")
    assert [(e.actor_id, e.status) for e in failed] == [(moderator.id, 422)]
    assert client.get("/moderation").status_code == 302


def test_the_right_code_opens_moderation_for_the_session(app, client, moderator):
    totp, _ = enrol(app, moderator)
    sign_in_only(client, moderator)
    # A new code: the one typed at set-up is used.
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=30)):
        response = client.post(f"{VERIFY}?next=/moderation/log", data={"code": totp.now()})

        assert response.status_code == 302
        assert response.location == "/moderation/log"
        assert client.get("/moderation/log").status_code == 200
    assert [e.actor_id for e in events(app, "second_factor_used")] == [moderator.id]


def test_next_goes_to_this_site_only(app, client, moderator):
    totp, _ = enrol(app, moderator)
    sign_in_only(client, moderator)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=30)):
        response = client.post(
            f"{VERIFY}?next=https://elsewhere.example/", data={"code": totp.now()}
        )
    assert response.location == "/"


def test_the_same_code_cannot_be_used_twice(app, moderator):
    with time_machine.travel(NOW, tick=False) as clock:
        totp, _ = enrol(app, moderator)
        clock.shift(timedelta(seconds=30))
        code = totp.now()
        first, second = app.test_client(), app.test_client()
        sign_in_only(first, moderator)
        sign_in_only(second, moderator)

        assert first.post(VERIFY, data={"code": code}).status_code == 302
        replayed = second.post(VERIFY, data={"code": code})

        assert replayed.status_code == 422
        assert REUSED_CODE in page(replayed)
        assert second.get("/moderation").status_code == 302
        # An older code than the last one used is refused too; the next one works.
        clock.shift(timedelta(seconds=30))
        assert second.post(VERIFY, data={"code": code_at(totp, NOW)}).status_code == 422
        assert second.post(VERIFY, data={"code": totp.now()}).status_code == 302


def test_a_recovery_code_works_once(app, moderator):
    _, codes = enrol(app, moderator)
    first, second = app.test_client(), app.test_client()
    sign_in_only(first, moderator)
    sign_in_only(second, moderator)

    used = first.post(f"{VERIFY}?next=/moderation", data={"code": codes[3].upper()})

    assert used.status_code == 302
    queue = first.get("/moderation")
    assert queue.status_code == 200
    assert "You have 9 left" in page(queue)
    assert [e.reason for e in events(app, "recovery_code_used")] == ["left=9"]
    again = second.post(VERIFY, data={"code": codes[3]})
    assert again.status_code == 422
    assert second.get("/moderation").status_code == 302
    # Another of the ten still works.
    assert second.post(VERIFY, data={"code": codes[4]}).status_code == 302


def test_failed_codes_are_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SECOND_FACTOR="3 per minute")
    moderator = make_user("limited-mod", role="moderator")
    enrol(app, moderator)
    client = app.test_client()
    sign_in_only(client, moderator)

    statuses = [client.post(VERIFY, data={"code": "000000"}).status_code for _ in range(4)]

    assert statuses == [422, 422, 422, 429]


def test_signing_out_forgets_the_code(app, client, moderator):
    login(client, moderator)
    assert client.get("/moderation").status_code == 200

    client.post("/logout")
    sign_in_only(client, moderator)

    assert client.get("/moderation").location == f"{VERIFY}?next=/moderation"


# -- a recent code for sanctions and appeal decisions ----------------------------------------


def test_a_sanction_eleven_minutes_after_the_code_asks_for_it_again(app, client, moderator, member):
    path = f"/moderation/members/{member.display_name}"
    form = {"kind": "warning", "reason": "Please keep it civil."}
    with time_machine.travel(NOW, tick=False) as clock:
        login(client, moderator)
        assert client.get(path).status_code == 200
        clock.shift(timedelta(minutes=11))
        assert client.get("/moderation").status_code == 200  # the queue is not a sanction

        asked = client.post(path, data=form)

        assert asked.status_code == 302
        assert asked.location == f"{VERIFY}?next={path}"
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(Sanction.id))) == 0
        totp = pyotp.TOTP(secret_of(app, moderator))
        assert client.post(asked.location, data={"code": totp.now()}).location == path
        assert client.post(path, data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Sanction.id))) == 1


def test_an_appeal_decision_eleven_minutes_after_the_code_asks_for_it_again(
    app, client, moderator, make_user
):
    admin = make_user("admin-ada", role="admin")
    appellant = make_user("appellant")
    age_accounts(app, appellant)
    with app.app_context():
        sanction = sanctions.impose_sanction(
            db.session.get(User, admin.id),
            db.session.get(User, appellant.id),
            "warning",
            "Tone.",
            None,
        )
        appeal = sanctions.appeal_sanction(
            db.session.get(User, appellant.id), sanction, "I was quoting someone else there."
        )
        appeal_id = appeal.id
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        login(client, moderator)
        clock.shift(timedelta(minutes=11))

        asked = client.post(
            f"/moderation/appeals/{appeal_id}", data={"decision": "upheld", "reason": "Read it."}
        )

    assert asked.status_code == 302
    assert asked.location == f"{VERIFY}?next=/moderation"
    with app.app_context():
        assert db.session.get(type(appeal), appeal_id).decided_at is None


# -- roles, resets, members ------------------------------------------------------------------


def test_a_member_promoted_to_moderator_is_asked_to_set_it_up_at_the_next_request(
    app, client, member
):
    login(client, member)
    assert client.get("/moderation").status_code == 403

    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["forum", "set-role", member.display_name, "moderator"]
        )
    assert result.exit_code == 0, result.output

    response = client.get("/moderation")
    assert response.status_code == 302
    assert response.location == f"{ENROL}?next=/moderation"


def test_a_promoted_member_sets_it_up_before_any_other_page_but_keeps_help_and_forms(
    app, client, member, make_board, make_thread
):
    thread = make_thread(title="Ablation, six months on", author=member)
    login(client, member)
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["forum", "set-role", member.display_name, "moderator"]
        )
    assert result.exit_code == 0, result.output

    home = client.get("/")
    assert home.status_code == 302
    assert home.location == f"{ENROL}?next=/"
    reading = client.get(f"/t/{thread.id}")
    assert reading.location == f"{ENROL}?next=/t/{thread.id}"
    # The helplines are never behind it, nor the set-up page itself.
    assert client.get("/help").status_code == 200
    assert client.get(ENROL).status_code == 200
    # A form already being sent is not thrown away on the way to the set-up page.
    replied = client.post(f"/t/{thread.id}/reply", data={"body": "Still here, still sore."})
    assert replied.status_code != 302 or not replied.location.startswith(ENROL)


def test_an_admin_resets_a_lost_factor_from_the_command_line(app, client, moderator):
    login(client, moderator)
    assert client.get("/moderation").status_code == 200

    result = app.test_cli_runner().invoke(
        args=["forum", "reset-second-factor", moderator.display_name]
    )

    assert result.exit_code == 0, result.output
    assert "second factor is reset" in result.output
    reset = events(app, "second_factor_reset")
    assert [(e.actor_id, e.method) for e in reset] == [(moderator.id, "CLI")]
    with app.app_context():
        assert db.session.get(SecondFactor, moderator.id) is None
        assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
    # The session verified with the old factor has ended; signing in asks for a new factor.
    assert client.get("/moderation").location.startswith("/login")
    sign_in_only(client, moderator)
    assert client.get("/moderation").location.startswith(ENROL)


def test_resetting_an_unknown_name_says_so(app):
    result = app.test_cli_runner().invoke(args=["forum", "reset-second-factor", "nobody-here"])
    assert result.exit_code != 0
    assert "No member is called" in result.output


@pytest.mark.parametrize("path", [ENROL, VERIFY])
def test_members_never_see_any_of_this(app, client, member, path):
    login(client, member)

    assert client.get(path).status_code == 404
    assert client.post(path, data={"code": "123456"}).status_code == 404
    for shown in ("/", "/settings"):
        assert "second factor" not in page(client.get(shown)).lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SecondFactor)) == 0


def test_visitors_are_asked_to_sign_in(client):
    for path in (ENROL, VERIFY):
        assert client.get(path).location.startswith("/login")


def test_the_pages_take_few_statements(client, moderator, count_queries):
    sign_in_only(client, moderator)
    with count_queries() as statements:
        assert client.get(ENROL).status_code == 200
    assert len(statements) <= 8, statements


def test_erasing_the_account_deletes_the_factor_and_its_codes(app, moderator):
    enrol(app, moderator)
    with app.app_context():
        erase_account(
            db.session.get(User, moderator.id),
            Erasure(posts="keep", reports="keep"),
            moderator.display_name,
            time.time(),
            600,
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SecondFactor)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_settings_lead_moderators_to_their_factor_and_members_nowhere(
    app, client, member, moderator
):
    login(client, moderator)
    assert f'href="{ENROL}"' in client.get("/settings").get_data(as_text=True)
    client.post("/logout")
    login(client, member)
    assert ENROL not in client.get("/settings").get_data(as_text=True)
