"""Cookies: __Host- names, Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain in
production; plain names in debug and testing, where browsers refuse __Host- over http."""

import pytest
from flask import session

from forum import create_app
from forum.accounts.models import User
from forum.auth.views import start_session
from forum.extensions import db, writes_on_get
from tests.conftest import base_config, login


@pytest.fixture
def production_app(database_url):
    app = create_app(base_config(database_url, TESTING=False, DEV_LOGIN=False))

    @app.get("/test/session")
    def set_session():
        session["seen"] = True
        return "ok"

    @app.get("/test/remember/<int:user_id>")
    @writes_on_get  # signing in opens a session row
    def remember(user_id):
        start_session(db.session.get(User, user_id), "test", remember=True)
        return "ok"

    yield app
    with app.app_context():
        db.engine.dispose()


def _attributes(set_cookie: str) -> tuple[str, set[str]]:
    name, *attributes = [part.strip() for part in set_cookie.split(";")]
    return name.split("=", 1)[0], {attribute.split("=")[0].lower() for attribute in attributes}


def _cookie(response, prefix: str) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if prefix in c]
    return cookie


def assert_host_only(set_cookie: str, name: str) -> None:
    cookie_name, attributes = _attributes(set_cookie)
    assert cookie_name == name
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "Path=/;" in set_cookie + ";"
    assert "SameSite=Lax" in set_cookie


def test_production_session_cookie_is_host_only(production_app):
    assert production_app.config["SESSION_COOKIE_NAME"] == "__Host-firsthand_session"
    client = production_app.test_client()
    response = client.get("/test/session", base_url="https://forum.localhost")
    assert_host_only(_cookie(response, "_session="), "__Host-firsthand_session")


def test_production_remember_cookie_is_host_only(production_app, make_user):
    user = make_user("remembered")
    assert production_app.config["REMEMBER_COOKIE_NAME"] == "__Host-firsthand_remember"
    client = production_app.test_client()
    response = client.get(f"/test/remember/{user.id}", base_url="https://forum.localhost")
    assert_host_only(_cookie(response, "_remember="), "__Host-firsthand_remember")
    assert_host_only(_cookie(response, "_session="), "__Host-firsthand_session")


def test_production_refuses_a_cookie_domain(database_url):
    config = base_config(
        database_url, TESTING=False, DEV_LOGIN=False, SESSION_COOKIE_DOMAIN="example.org"
    )
    with pytest.raises(RuntimeError, match="host-only"):
        create_app(config)


def test_testing_keeps_plain_cookie_names_over_http(app, client, member):
    assert app.config["SESSION_COOKIE_NAME"] == "firsthand_session"
    assert app.config["REMEMBER_COOKIE_NAME"] == "firsthand_remember"
    response = client.post("/login/dev", data={"pseudonym": member.display_name})
    name, attributes = _attributes(_cookie(response, "_session="))
    assert name == "firsthand_session"
    assert {"httponly", "samesite"} <= attributes
    assert "secure" not in attributes
    login(client, member)
