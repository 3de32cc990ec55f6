"""Deleting an account (GDPR art. 17): what goes, what stays, and who may do it."""

import re

import pytest
import sqlalchemy as sa
import time_machine

from forum.accounts.models import User
from forum.auth.models import Identity, MemberSession
from forum.blocks.models import Block
from forum.extensions import db, utcnow
from forum.moderation.models import ModerationAction
from forum.privacy.erasure import FORMER_MEMBER
from forum.privacy.models import Consent
from forum.reports.models import ExperienceReport, ReportRevision
from forum.threads.models import Post, PostRevision, Thread
from tests.conftest import login
from tests.privacy.conftest import (
    BODY,
    EARLIER,
    MESSAGE,
    PERSONAL,
    PSEUDONYM,
    REPLY,
    TITLE,
    WORDS,
    assert_gone,
    every_stored_value,
    fts_matches,
)


def delete_account(client, pseudonym=PSEUDONYM, posts="delete", reports="delete"):
    data = {"confirmation": pseudonym}
    if posts:
        data["posts"] = posts
    if reports:
        data["reports"] = reports
    return client.post("/settings/delete", data=data)


# -- nothing personal survives ------------------------------------------------------------------


@pytest.mark.parametrize("reports", ["delete", "keep"])
@pytest.mark.parametrize("posts", ["delete", "keep"])
def test_no_personal_field_survives_in_any_table(
    app, client, member_with_everything, posts, reports
):
    everything = member_with_everything
    values = every_stored_value(app)
    for needle in (*PERSONAL, *WORDS):  # the test means something: all of it was stored
        assert any(needle in value for value in values), needle
    assert fts_matches(app, "marrowglint") == 1

    login(client, everything.member)
    response = delete_account(client, posts=posts, reports=reports)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"] == "/settings/deleted"

    assert_gone(app, *PERSONAL)
    if posts == "delete":
        assert_gone(app, *WORDS)
        assert fts_matches(app, "marrowglint") == 0
        assert fts_matches(app, "thornquist") == 0
    else:
        values = every_stored_value(app)
        for kept in (TITLE, BODY, EARLIER, REPLY, MESSAGE):
            assert any(kept in value for value in values), kept
        assert fts_matches(app, "marrowglint") == 1

    with app.app_context():
        tombstone = db.session.get(User, everything.member.id)
        assert tombstone.deleted_at is not None
        assert tombstone.display_name == FORMER_MEMBER
        assert tombstone.display_name_key == f"~deleted-{tombstone.id}"
        assert tombstone.role == "member"
        # The session the member erased the account from, and any other, is gone.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MemberSession)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Identity)) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Consent)
                .where(Consent.user_id == tombstone.id)
            )
            == 0
        )
        reports_left = db.session.scalars(sa.select(ExperienceReport)).all()
        assert [r.id for r in reports_left] == ([everything.report_id] if reports == "keep" else [])
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportRevision)) == 0
        # Whom the member blocked, and who blocked them: both go.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0
        # The moderators' log says the member left of their own accord, naming no one.
        entry = db.session.scalars(
            sa.select(ModerationAction).where(ModerationAction.action == "account_deleted")
        ).one()
        assert (entry.target_type, entry.target_id) == ("user", tombstone.id)
        assert entry.details == {"posts": posts, "reports": reports}


def test_deleting_posts_leaves_placeholders_and_true_counters(app, client, member_with_everything):
    everything = member_with_everything
    with app.app_context():
        before = db.session.get(Thread, everything.thread_id)
        counts = (before.post_count, before.board_id)
    login(client, everything.member)
    assert delete_account(client, posts="delete").status_code == 302
    with app.app_context():
        thread = db.session.get(Thread, everything.thread_id)
        assert thread.title == "Deleted thread"
        assert (thread.post_count, thread.board_id) == counts  # deleted posts keep their place
        mine = db.session.scalars(
            sa.select(Post).where(Post.author_id == everything.member.id)
        ).all()
        assert {(p.state, p.body_source, p.body_html) for p in mine} == {("deleted", "", "")}
        assert all(p.deleted_by_author for p in mine)
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(PostRevision)
                .where(PostRevision.post_id.in_([p.id for p in mine]))
            )
            == 0
        )
        others = db.session.get(Post, everything.others_post_id)
        assert others.state == "visible" and others.body_source == "Thanks for sharing."

    page = client.get(f"/t/{everything.thread_id}/deleted-thread").get_data(as_text=True)
    assert "Deleted thread" in page
    assert "Post deleted by its author" in page
    assert "Thanks for sharing." in page  # others' replies stay


def test_kept_posts_show_former_member_without_a_profile_link(app, client, member_with_everything):
    everything = member_with_everything
    login(client, everything.member)
    assert delete_account(client, posts="keep", reports="keep").status_code == 302
    page = client.get(f"/t/{everything.thread_id}/x", follow_redirects=True).get_data(as_text=True)
    assert "marrowglint" in page
    assert '<span class="pseudonym former-member">former member</span>' in page
    assert PSEUDONYM not in page
    assert "/u/former" not in page
    with app.app_context():
        post = db.session.get(Post, everything.first_post_id)
        assert post.state == "visible" and post.author_id == everything.member.id


# -- signed out, for good -----------------------------------------------------------------------


def test_the_member_is_signed_out_everywhere_and_lands_on_a_confirmation(
    app, client, member_with_everything
):
    everything = member_with_everything
    other_device = app.test_client()
    login(other_device, everything.member)
    login(client, everything.member)
    response = delete_account(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your account is deleted" in page
    for device in (client, other_device):
        assert device.get("/settings").status_code == 302  # to the sign-in page
        assert 'class="account-name"' not in device.get("/").get_data(as_text=True)


def test_the_profile_of_a_deleted_member_is_gone(app, client, member_with_everything):
    everything = member_with_everything
    assert client.get(f"/u/{PSEUDONYM}").status_code == 200
    login(client, everything.member)
    delete_account(client, posts="keep", reports="keep")
    assert client.get(f"/u/{PSEUDONYM}").status_code == 404
    assert client.get("/u/former member").status_code == 404
    assert client.get(f"/u/~deleted-{everything.member.id}").status_code == 404


def test_the_pseudonym_is_free_again_and_the_dev_sign_in_makes_a_new_member(
    app, client, member_with_everything
):
    everything = member_with_everything
    login(client, everything.member)
    delete_account(client)
    login(client, everything.member)  # same pseudonym: a brand-new member
    with app.app_context():
        newcomer = db.session.scalar(sa.select(User).where(User.display_name == PSEUDONYM))
        assert newcomer.id != everything.member.id
        assert newcomer.deleted_at is None and newcomer.post_count == 0


def test_signing_in_again_with_the_same_provider_identity_starts_a_new_member(live_forum, provider):
    from tests.auth.conftest import Visitor

    with live_forum() as app:
        person = Visitor(app.base_url)
        assert person.sign_in("clinic", "erasure-sub-1").headers["Location"] == "/onboarding"
        assert person.onboard("Leaving-Lark").status_code == 302
        with app.app_context():
            first_id = db.session.scalar(
                sa.select(User.id).where(User.display_name == "Leaving-Lark")
            )
        page = person.get("/settings/delete")
        assert "Delete my account now" in page.text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        data = {"posts": "delete", "reports": "delete", "confirmation": "Leaving-Lark"}
        if token:
            data["csrf_token"] = token.group(1)
        assert person.post("/settings/delete", data=data).headers["Location"] == "/settings/deleted"
        assert person.signed_in_as() is None

        # Identities were erased: the provider's account is a stranger now.
        assert person.sign_in("clinic", "erasure-sub-1").headers["Location"] == "/onboarding"
        assert person.onboard("Returning-Lark").status_code == 302
        assert person.signed_in_as() == "Returning-Lark"
        with app.app_context():
            identity = db.session.scalars(sa.select(Identity)).one()
            assert identity.user_id != first_id
            assert db.session.get(User, first_id).deleted_at is not None


# -- who may, and how ---------------------------------------------------------------------------


def test_a_stale_sign_in_must_sign_in_again(app, client, member_with_everything):
    everything = member_with_everything
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, everything.member)
        assert "Delete my account now" in client.get("/settings/delete").get_data(as_text=True)
        clock.shift(app.config["REAUTH_MAX_AGE"] + 60)
        page = client.get("/settings/delete").get_data(as_text=True)
        assert "Delete my account now" not in page
        assert 'href="/login?next=/settings/delete"' in page
        refused = delete_account(client)
        assert refused.status_code == 403
        with app.app_context():
            assert db.session.get(User, everything.member.id).deleted_at is None
        # Signing in again (the sign-in page's next=) makes it possible at once.
        back = client.post("/login/dev?next=/settings/delete", data={"pseudonym": PSEUDONYM})
        assert back.headers["Location"] == "/settings/delete"
        assert delete_account(client).status_code == 302


def test_a_remembered_session_is_not_a_fresh_sign_in(app, client, make_user):
    user = make_user("remembered-rita")
    client.post("/login/dev", data={"pseudonym": user.display_name, "remember": "y"})
    # The browser was closed: only the remember-me cookie is left.
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert 'class="account-name"' in client.get("/").get_data(as_text=True)
    assert "Delete my account now" not in client.get("/settings/delete").get_data(as_text=True)
    assert delete_account(client, user.display_name).status_code == 403


@pytest.mark.parametrize(
    ("posts", "reports", "confirmation", "message"),
    [
        (None, "keep", PSEUDONYM, "Please choose what happens to your posts."),
        ("keep", None, PSEUDONYM, "Please choose what happens to your experience reports."),
        ("keep", "keep", "", "Type your pseudonym to confirm."),
        ("keep", "keep", "someone-else", "Type your pseudonym exactly as it is shown"),
        ("burn", "keep", PSEUDONYM, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_keeps_the_choices(
    app, client, member_with_everything, posts, reports, confirmation, message
):
    login(client, member_with_everything.member)
    response = delete_account(client, confirmation, posts, reports)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    for name, value in (("posts", posts), ("reports", reports)):
        if value in ("delete", "keep"):
            assert re.search(
                rf'<input checked[^>]*name="{name}"[^>]*value="{value}"', page
            ) or re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"[^>]*checked', page)
    with app.app_context():
        assert db.session.get(User, member_with_everything.member.id).deleted_at is None


def test_the_form_has_no_default_choice(client, member):
    login(client, member)
    page = client.get("/settings/delete").get_data(as_text=True)
    assert 'name="posts"' in page and 'name="reports"' in page
    assert "checked" not in page


def test_a_post_without_the_csrf_token_is_refused(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user("careful-carl")
    client = app.test_client()
    page = client.get("/login/dev").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/dev", data={"pseudonym": user.display_name, "csrf_token": token})
    refused = delete_account(client, user.display_name)
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).deleted_at is None


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/settings/delete")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/settings/delete").status_code == 302


def test_withdrawing_consent_is_the_same_erasure(client, member):
    login(client, member)
    settings = client.get("/settings").get_data(as_text=True)
    assert 'href="/settings/delete?withdraw=1"' in settings
    page = client.get("/settings/delete?withdraw=1").get_data(as_text=True)
    assert "Withdraw consent and delete your account" in page
    assert "Delete my account now" in page
    response = client.post(
        "/settings/delete?withdraw=1",
        data={"posts": "keep", "reports": "delete", "confirmation": member.display_name},
    )
    assert response.headers["Location"] == "/settings/deleted"
