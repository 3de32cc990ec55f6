"""Outside tests, the environment cannot switch a protection off: the app refuses to start
and names the variables (a test's own configuration dict may still set them)."""

import pytest

from forum import REFUSED_FROM_ENVIRONMENT, create_app
from forum.extensions import db


@pytest.fixture
def production_env(monkeypatch, database_url):
    monkeypatch.setenv("FORUM_SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("FORUM_DATABASE_URL", database_url)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    "name, value",
    [
        ("FORUM_DEBUG", "true"),
        ("FORUM_TESTING", "true"),
        ("FORUM_WTF_CSRF_ENABLED", "false"),
        ("FORUM_LOGIN_DISABLED", "true"),
        ("FORUM_RATELIMIT_ENABLED", "false"),
        ("FORUM_SESSION_COOKIE_SECURE", "false"),
    ],
)
def test_a_protection_switched_off_by_the_environment_is_refused(production_env, name, value):
    production_env.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        create_app()


def test_the_refusal_names_every_variable(production_env):
    production_env.setenv("FORUM_DEBUG", "true")
    production_env.setenv("FORUM_DEV_LOGIN", "true")
    production_env.setenv("FORUM_WTF_CSRF_ENABLED", "false")
    with pytest.raises(RuntimeError) as refused:
        create_app()
    assert "FORUM_DEBUG" in str(refused.value)
    assert "FORUM_WTF_CSRF_ENABLED" in str(refused.value)


def test_dev_login_is_not_reachable_through_the_environment(production_env):
    """FORUM_TESTING would have made /login/dev work under gunicorn."""
    production_env.setenv("FORUM_TESTING", "true")
    production_env.setenv("FORUM_DEV_LOGIN", "true")
    with pytest.raises(RuntimeError, match="FORUM_TESTING"):
        create_app()


def test_the_list_covers_each_switch():
    assert {
        "DEBUG",
        "TESTING",
        "WTF_CSRF_ENABLED",
        "LOGIN_DISABLED",
        "RATELIMIT_ENABLED",
        "SESSION_COOKIE_SECURE",
    } <= set(REFUSED_FROM_ENVIRONMENT)


def test_a_safe_environment_starts(production_env):
    production_env.setenv("FORUM_THREADS_PER_PAGE", "7")
    app = create_app()
    assert not app.debug and not app.testing
    assert app.config["THREADS_PER_PAGE"] == 7
    with app.app_context():
        db.engine.dispose()


def test_development_debug_comes_from_flask_debug(production_env):
    """`make run`: FLASK_DEBUG=1 with FORUM_DEV_LOGIN=true still starts, in debug."""
    production_env.setenv("FLASK_DEBUG", "1")
    production_env.setenv("FORUM_DEV_LOGIN", "true")
    app = create_app()
    assert app.debug and app.config["DEV_LOGIN"]
    with app.app_context():
        db.engine.dispose()


def test_a_tests_own_configuration_may_set_them(production_env):
    production_env.setenv("FORUM_WTF_CSRF_ENABLED", "false")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    assert app.testing and not app.config["WTF_CSRF_ENABLED"]
    with app.app_context():
        db.engine.dispose()
