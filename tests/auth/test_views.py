import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.auth.sessions import delete_member_sessions
from forum.extensions import db
from tests.conftest import login


def test_login_page_lists_the_development_sign_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Development sign-in" in page


def test_login_page_without_dev_login_offers_nothing_fake(make_app):
    client = make_app(DEV_LOGIN=False).test_client()
    assert "Development sign-in" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/dev").status_code == 404


def test_dev_login_creates_the_member_on_first_use(app, client):
    response = client.post("/login/dev", data={"pseudonym": "New-Patient"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "New-Patient" in page
    assert "Sign out" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_dev_login_finds_the_member_whatever_the_case(app, client, make_user):
    make_user("CaseMember")
    client.post("/login/dev", data={"pseudonym": "casemember"})
    assert "CaseMember" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("pseudonym", "message"),
    [
        ("ab", "3 to 30 characters"),
        ("x" * 31, "3 to 30 characters"),
        ("has space", "no spaces"),
        ("<script>", "no spaces"),
        ("", "Please choose a pseudonym"),
    ],
)
def test_bad_pseudonym_is_refused_and_kept(client, pseudonym, message):
    response = client.post("/login/dev", data={"pseudonym": pseudonym})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'aria-describedby="pseudonym-hint pseudonym-error"' in page
    if pseudonym == "<script>":
        assert 'value="&lt;script&gt;"' in page
    elif pseudonym:
        assert f'value="{pseudonym}"' in page


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/b/somewhere?page=2", "/b/somewhere?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_leads_to_this_site(client, next_url, landing):
    response = client.post(
        "/login/dev", query_string={"next": next_url}, data={"pseudonym": "traveller"}
    )
    assert response.status_code == 302
    assert response.location == landing


def test_member_pages_send_visitors_to_sign_in_and_back(client, make_board):
    make_board(slug="back")
    response = client.get("/b/back/new")
    assert response.location == "/login?next=%2Fb%2Fback%2Fnew"
    login_page = client.get(response.location).get_data(as_text=True)
    assert "/login/dev?next=/b/back/new" in login_page
    response = client.post("/login/dev?next=%2Fb%2Fback%2Fnew", data={"pseudonym": "returning"})
    assert response.location == "/b/back/new"


def test_logout_is_post_only_and_signs_out(client, member):
    login(client, member)
    assert client.get("/logout").status_code == 405
    assert member.display_name in client.get("/").get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Sign in" in page
    assert "Sign out" not in page


def test_deleting_the_session_rows_signs_the_member_out_everywhere(app, client, member):
    login(client, member)
    with app.app_context():
        delete_member_sessions(member.id)
        db.session.commit()
    assert client.get("/b/x/new").status_code == 302
    assert "Sign out" not in client.get("/").get_data(as_text=True)
