"""Explicit consent to process health information (GDPR art. 9(2)(a)): asked at onboarding,
apart from the guidelines; asked once of members who joined before; shown in settings."""

import re

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import create_member
from forum.extensions import db
from forum.privacy.models import HEALTH_DATA_CONSENT_VERSION, Consent
from forum.privacy.views import ask_for_consent
from tests.auth.conftest import Visitor
from tests.conftest import login

CONSENT_ERROR = "Firsthand can only keep what you write about your health with your consent."


def consents_of(app, user_id: int | None = None) -> list[Consent]:
    with app.app_context():
        query = sa.select(Consent).order_by(Consent.id)
        if user_id is not None:
            query = query.where(Consent.user_id == user_id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


# -- onboarding ---------------------------------------------------------------------------------


def test_onboarding_asks_for_consent_apart_from_the_guidelines(live_forum, provider):
    with live_forum() as app:
        person = Visitor(app.base_url)
        person.sign_in("clinic", "consent-sub-1")
        page = person.get("/onboarding").text
        assert "Your health information" in page
        assert f"Consent text version {HEALTH_DATA_CONSENT_VERSION}." in page
        boxes = {
            name: tag
            for tag in re.findall(r"<input[^>]*>", page)
            for name in re.findall(r'name="([^"]+)"', tag)
        }
        assert "accept_guidelines" in boxes and "accept_health_data" in boxes
        assert "checked" not in boxes["accept_health_data"]  # never pre-ticked

        refused = person.post(
            "/onboarding", data={"pseudonym": "Careful-Cora", "accept_guidelines": "y"}
        )
        assert refused.status_code == 422
        assert CONSENT_ERROR in refused.text
        assert 'value="Careful-Cora"' in refused.text  # what they typed is kept
        assert person.signed_in_as() is None
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

        # The guidelines alone, or consent alone, are not enough: each is its own answer.
        only_consent = person.post(
            "/onboarding", data={"pseudonym": "Careful-Cora", "accept_health_data": "y"}
        )
        assert only_consent.status_code == 422

        assert person.onboard("Careful-Cora").status_code == 302
        assert person.signed_in_as() == "Careful-Cora"
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.display_name == "Careful-Cora"))
            user_id, consented_at = user.id, user.health_consent_at
        [consent] = consents_of(app, user_id)
        assert (consent.purpose, consent.text_version) == (
            "health_data",
            HEALTH_DATA_CONSENT_VERSION,
        )
        assert consent.withdrawn_at is None
        assert consent.given_at == consented_at


# -- members who joined before ------------------------------------------------------------------


@pytest.fixture
def unconsented(app):
    """A member created before consent was asked for."""
    with app.app_context():
        user = create_member("early-ellis")
        db.session.refresh(user)
        db.session.expunge(user)
    return user


def test_a_member_without_consent_is_asked_before_anything_else(app, client, unconsented):
    login(client, unconsented)
    response = client.get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/consent?next=/notifications"
    home = client.get("/")
    assert home.headers["Location"] == "/settings/consent?next=/"
    # A form sent before consenting is not acted on.
    posted = client.post("/settings/interests", data={"interest": "Something"})
    assert posted.headers["Location"] == "/settings/consent"
    with app.app_context():
        assert db.session.get(User, unconsented.id).declared_interest is None


@pytest.mark.parametrize(
    "path",
    [
        "/settings/consent",
        "/settings/delete",
        "/help",
        "/guidelines",
        "/settings/export",
        "/login",
        "/static/css/forum.css",
        "/no-such-page",
    ],
)
def test_some_pages_stay_open_without_consent(client, unconsented, path):
    login(client, unconsented)
    with client.get(path) as response:
        assert response.status_code != 302 or "/consent" not in response.headers["Location"]


def test_signing_out_stays_open_without_consent(client, unconsented):
    login(client, unconsented)
    assert client.post("/logout").headers["Location"] == "/"
    assert client.get("/").status_code == 200  # a visitor is never asked


def test_refusing_is_asked_again_with_a_clear_message(app, client, unconsented):
    login(client, unconsented)
    page = client.get("/settings/consent?next=/notifications").get_data(as_text=True)
    assert f"Consent text version {HEALTH_DATA_CONSENT_VERSION}." in page
    assert 'href="/settings/delete?withdraw=1"' in page  # the way out if they refuse
    assert re.search(r'<input[^>]*name="accept_health_data"[^>]*>', page)
    assert "checked" not in re.search(r'<input[^>]*name="accept_health_data"[^>]*>', page)[0]
    refused = client.post("/settings/consent?next=/notifications", data={})
    assert refused.status_code == 422
    assert "Please tick the box to consent" in refused.get_data(as_text=True)
    assert consents_of(app, unconsented.id) == []


def test_consenting_records_it_once_and_goes_on(app, client, unconsented):
    login(client, unconsented)
    response = client.post(
        "/settings/consent?next=/notifications", data={"accept_health_data": "y"}
    )
    assert response.headers["Location"] == "/notifications"
    assert client.get("/notifications").status_code == 200
    [consent] = consents_of(app, unconsented.id)
    assert consent.text_version == HEALTH_DATA_CONSENT_VERSION
    # Asked once: the consent page now leads to the settings.
    assert client.get("/settings/consent").status_code == 302
    client.post("/settings/consent", data={"accept_health_data": "y"})
    assert len(consents_of(app, unconsented.id)) == 1


def test_consent_redirect_goes_only_to_this_site(client, unconsented):
    login(client, unconsented)
    response = client.post(
        "/settings/consent?next=https://evil.example/", data={"accept_health_data": "y"}
    )
    assert response.headers["Location"] == "/"


def test_the_check_adds_no_query(app, client, member, count_queries):
    """The consent state is a column of the member already loaded for the request."""
    login(client, member)
    with count_queries() as with_check:
        assert client.get("/").status_code == 200
    hooks = app.before_request_funcs[None]
    hooks.remove(ask_for_consent)
    try:
        with count_queries() as without_check:
            assert client.get("/").status_code == 200
    finally:
        hooks.append(ask_for_consent)
    assert len(with_check) == len(without_check)


def test_members_made_by_the_test_factory_and_dev_sign_in_have_consented(app, client, member):
    assert len(consents_of(app, member.id)) == 1
    client.post("/login/dev", data={"pseudonym": "brand-new-dev"})
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.display_name == "brand-new-dev"))
        assert user.health_consent_at is not None


# -- settings -----------------------------------------------------------------------------------


def test_settings_show_the_consent_and_the_ways_out(app, client, member):
    login(client, member)
    page = " ".join(client.get("/settings").get_data(as_text=True).split())
    [consent] = consents_of(app, member.id)
    assert "Your data" in page
    assert (
        f"You consented to Firsthand processing the health information in what you post on "
        f"{consent.given_at:%d %B %Y} (text version {HEALTH_DATA_CONSENT_VERSION})" in page
    )
    assert 'href="/settings/export"' in page
    assert "Withdraw consent" in page and 'href="/settings/delete?withdraw=1"' in page
    assert "withdrawing it erases your account" in page
    assert 'href="/settings/delete"' in page
