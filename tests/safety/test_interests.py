"""Declared interests: a member's tie to a clinic, device maker or drug company, set in
settings and shown next to their pseudonym on every post and on their profile."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.accounts.services import declare_interest
from forum.errors import DomainError
from forum.extensions import db
from tests.conftest import login

TIE = "I am a nurse at a spinal cord stimulator clinic."


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _interest(app, user) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(User.declared_interest).where(User.id == user.id))


def _token(client, url: str) -> str:
    return re.findall(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)
    )[-1]


# -- the service --------------------------------------------------------------------------


def test_declare_tidies_and_withdraws(app, member):
    with app.app_context():
        user = db.session.get(User, member.id)
        declare_interest(user, f"  {TIE}\n ")
        assert user.declared_interest == TIE
        declare_interest(user, "   ")
        assert user.declared_interest is None


def test_declare_refuses_more_than_200_characters(app, member):
    with app.app_context():
        user = db.session.get(User, member.id)
        with pytest.raises(DomainError) as refused:
            declare_interest(user, "x" * 201)
        assert refused.value.field == "interest"
        declare_interest(user, "x" * 200)
    assert _interest(app, member) == "x" * 200


# -- settings --------------------------------------------------------------------------------


def test_member_declares_an_interest_in_settings(client, app, member):
    login(client, member)
    page = client.get("/settings").get_data(as_text=True)
    assert 'action="/settings/interests"' in page
    response = client.post("/settings/interests", data={"interest": TIE}, follow_redirects=True)
    assert response.status_code == 200
    assert "Your declared interest is shown next to your pseudonym." in _text(response)
    assert f'value="{TIE}"' in response.get_data(as_text=True)
    assert _interest(app, member) == TIE


def test_too_long_is_refused_with_a_message_and_the_text_kept(client, app, member):
    login(client, member)
    client.post("/settings/interests", data={"interest": TIE})
    too_long = "Paid speaker for a device maker. " * 8
    response = client.post("/settings/interests", data={"interest": too_long})
    assert response.status_code == 422
    text = _text(response)
    assert "Please keep it to 200 characters" in text
    assert too_long.strip() in unescape(response.get_data(as_text=True))
    assert _interest(app, member) == TIE  # unchanged


def test_settings_need_a_signed_in_member(client):
    response = client.post("/settings/interests", data={"interest": TIE})
    assert response.status_code in (302, 401)


def test_declaring_needs_the_forms_csrf_token(make_app, member):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post(
        "/login/dev",
        data={"pseudonym": member.display_name, "csrf_token": _token(client, "/login/dev")},
    )
    assert response.status_code == 302

    assert client.post("/settings/interests", data={"interest": TIE}).status_code == 400
    assert _interest(app, member) is None

    token = _token(client, "/settings")
    response = client.post("/settings/interests", data={"interest": TIE, "csrf_token": token})
    assert response.status_code == 302
    assert _interest(app, member) == TIE


# -- where it shows ---------------------------------------------------------------------------


def test_badge_on_every_post_and_the_text_on_the_profile(
    client, app, make_thread, make_post, member
):
    with app.app_context():
        declare_interest(db.session.get(User, member.id), TIE)
    thread = make_thread(author=member)
    make_post(thread, body="Someone else's reply.")
    make_post(thread, author=member, body="My own reply.")

    page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    badges = re.findall(r'<a class="badge interest-badge"[^>]*>declared interest</a>', page)
    assert len(badges) == 2  # the member's two posts, not the other reply
    assert f'title="Declared interest: {TIE}"' in badges[0]
    assert f'href="/u/{member.display_name}#interest"' in badges[0]

    profile = client.get(f"/u/{member.display_name}")
    assert "Declared interest" in _text(profile) and TIE in _text(profile)


def test_no_badge_without_a_declaration(client, make_thread, member):
    thread = make_thread(author=member)
    page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert "interest-badge" not in page
    assert "Declared interest" not in _text(client.get(f"/u/{member.display_name}"))


def test_the_declaration_is_escaped(client, app, make_thread, member):
    with app.app_context():
        declare_interest(db.session.get(User, member.id), '"><script>alert(1)</script>')
    thread = make_thread(author=member)
    for path in (f"/t/{thread.id}/{thread.slug}", f"/u/{member.display_name}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page


def test_thread_page_runs_no_extra_statement_for_badges(
    client, app, make_thread, make_post, make_user, count_queries
):
    authors = [make_user() for _ in range(3)]
    thread = make_thread(author=authors[0])
    for author in authors:
        make_post(thread, author=author)
    path = f"/t/{thread.id}/{thread.slug}"
    with count_queries() as before:
        assert client.get(path).status_code == 200
    with app.app_context():
        for author in authors:
            declare_interest(db.session.get(User, author.id), TIE)
    with count_queries() as after:
        page = client.get(path).get_data(as_text=True)
    assert page.count("interest-badge") == 4
    assert len(after) == len(before)
