"""Firsthand: first-hand accounts of interventional pain treatments."""

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import config as default_config
from forum.ratelimit_storage import InProcessStorage

ROOT = Path(__file__).resolve().parent.parent

# Keys that switch a protection off (or, like TESTING, make /login/dev work): refused from
# FORUM_* environment variables whatever their value, so no deployment can set them by
# mistake. Development gets debug from FLASK_DEBUG (`flask --debug`); tests set these in
# the configuration they pass to create_app.
REFUSED_FROM_ENVIRONMENT = (
    "DEBUG",
    "TESTING",
    "WTF_CSRF_ENABLED",
    "WTF_CSRF_CHECK_DEFAULT",
    "LOGIN_DISABLED",
    "RATELIMIT_ENABLED",
    "SESSION_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "REMEMBER_COOKIE_HTTPONLY",
)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )

    # Configuration: defaults, then FORUM_* environment variables, then the test's own.
    app.config.from_object(default_config)
    if not (test_config or {}).get("TESTING"):
        _refuse_unsafe_environment()
    app.config.from_prefixed_env("FORUM")
    if test_config:
        app.config.update(test_config)
    _finish_config(app)
    development = app.debug or app.testing

    # Extensions
    from forum.extensions import (
        autocommit_reads,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        ping_idle_connections,
    )

    db.init_app(app)
    autocommit_reads(app)
    ping_idle_connections(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    _configure_login(login_manager)
    from forum.auth.providers import init_providers

    init_providers(app)
    if app.extensions["forum.providers"] and not app.config["BASE_URL"]:
        if not development:
            raise RuntimeError("Set FORUM_BASE_URL (e.g. https://forum.example) for sign-in.")
        app.config["BASE_URL"] = "http://127.0.0.1:5000"

    # Blueprints. Route ids are checked against what a column holds (forum/forms.py).
    from forum.forms import IdConverter

    app.url_map.converters["int"] = IdConverter
    from forum.accounts.views import bp as accounts_bp
    from forum.auth.views import bp as auth_bp
    from forum.blocks.views import bp as blocks_bp
    from forum.boards.views import bp as boards_bp
    from forum.bookmarks.views import bp as bookmarks_bp
    from forum.drafts.views import bp as drafts_bp
    from forum.export.views import bp as export_bp
    from forum.feeds.views import bp as feeds_bp
    from forum.health.views import bp as health_bp
    from forum.jobs.views import bp as jobs_bp
    from forum.mail.views import bp as mail_bp
    from forum.member_notes.views import bp as member_notes_bp
    from forum.messages.views import bp as messages_bp
    from forum.moderation.views import bp as moderation_bp
    from forum.notifications.views import bp as notifications_bp
    from forum.privacy.views import bp as privacy_bp
    from forum.reactions.views import bp as reactions_bp
    from forum.reading.views import bp as reading_bp
    from forum.reports.views import bp as reports_bp
    from forum.safety.views import bp as safety_bp
    from forum.search.views import bp as search_bp
    from forum.threads.views import bp as threads_bp

    app.register_blueprint(boards_bp)
    app.register_blueprint(threads_bp)
    app.register_blueprint(reactions_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(member_notes_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(bookmarks_bp)
    app.register_blueprint(blocks_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(reading_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(jobs_bp)

    # Signals: who listens to a post's life (forum/signals.py)
    from forum.notifications.receivers import connect_signals as connect_notifications
    from forum.reading.receivers import connect_signals as connect_reading
    from forum.safety.receivers import connect_signals as connect_safety

    connect_notifications()
    connect_reading()
    connect_safety()

    # Errors, headers, templates, CLI
    from forum.caching import register_caching
    from forum.cli import forum_cli
    from forum.errors import register_error_handlers
    from forum.metrics import register_metrics
    from forum.request_ids import register_request_ids
    from forum.security import register_security_headers
    from forum.templating import register_template_helpers

    register_error_handlers(app)
    register_security_headers(app)
    _redact_library_logs()
    register_template_helpers(app)
    register_caching(app)
    register_metrics(app)
    register_request_ids(app)
    app.cli.add_command(forum_cli)

    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app


def _redact_library_logs() -> None:
    """Filters on the loggers of libraries that would log addresses or secrets."""
    import logging

    from forum.audit import AddressRedaction, DropDebug

    filters = {
        "werkzeug": AddressRedaction,
        "authlib.integrations.base_client.sync_app": DropDebug,
    }
    for name, kind in filters.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())


def _refuse_unsafe_environment() -> None:
    refused = [f"FORUM_{key}" for key in REFUSED_FROM_ENVIRONMENT if f"FORUM_{key}" in os.environ]
    if refused:
        raise RuntimeError(
            f"Unset {', '.join(refused)}: a protection cannot be switched off from the"
            " environment (for development use FLASK_DEBUG=1)."
        )


def _finish_config(app: Flask) -> None:
    """Derive settings from the configuration, refusing unsafe combinations."""
    development = app.debug or app.testing
    if app.config["DEV_LOGIN"] and not development:
        raise RuntimeError(
            "FORUM_DEV_LOGIN lets anyone sign in as anyone: it works only in debug or testing."
        )
    if not app.config.get("SECRET_KEY"):
        if not development:
            raise RuntimeError("Set FORUM_SECRET_KEY to a long random value.")
        app.config["SECRET_KEY"] = _development_secret(app)

    for kind in ("SESSION", "REMEMBER"):
        if app.config[f"{kind}_COOKIE_SECURE"] is None:
            app.config[f"{kind}_COOKIE_SECURE"] = not development
        _host_only_cookie(app, kind, development)

    url = app.config["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'forum.sqlite3'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 15}})
    else:
        # Connections idle for a while are pinged before use (ping_idle_connections), not
        # every one (pool_pre_ping). JIT compiling pays off for long analytical queries,
        # never for a forum's: it cost a search that falls back to the full-text index
        # 20-30 ms and bought nothing.
        app.config.setdefault(
            "SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"options": "-c jit=off"}}
        )

    # Without Redis, each worker counts for itself (forum/ratelimit_storage.py).
    in_process = f"{InProcessStorage.STORAGE_SCHEME[0]}://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or in_process)


def _host_only_cookie(app: Flask, kind: str, development: bool) -> None:
    """In production a cookie is named __Host-...: the browser then keeps it Secure, for this
    host only (no Domain) and for the whole site (Path=/), so no subdomain can set or read it.
    Browsers refuse the prefix without Secure, so plain http development keeps the name."""
    name = app.config[f"{kind}_COOKIE_NAME"]
    if development or not app.config[f"{kind}_COOKIE_SECURE"] or name.startswith("__Host-"):
        return
    domain = app.config.get(f"{kind}_COOKIE_DOMAIN")
    path = app.config.get(f"{kind}_COOKIE_PATH") or "/"
    if domain or path != "/":
        raise RuntimeError(
            f"FORUM_{kind}_COOKIE_DOMAIN and _PATH must stay unset: the cookie is host-only."
        )
    app.config[f"{kind}_COOKIE_NAME"] = f"__Host-{name}"
    app.config[f"{kind}_COOKIE_PATH"] = "/"


def _development_secret(app: Flask) -> str:
    """A per-checkout key kept in instance/, so the reloader does not sign everyone out."""
    path = Path(app.instance_path) / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _configure_login(login_manager) -> None:
    from forum.auth.services import Visitor, load_session_user

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to do that."
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = Visitor
    login_manager.user_loader(load_session_user)
