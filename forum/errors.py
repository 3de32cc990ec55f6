"""Domain errors raised by services, and the error pages."""

import logging
import sqlite3

import sqlalchemy as sa
from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.audit import redact_path
from forum.extensions import db, login_manager
from forum.security import log_safe, log_security_event

log = logging.getLogger("forum.errors")

# Seconds a client is asked to wait after a 503: a database restart takes a few.
RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """A use case refused: the message is for the user; field names the form field at fault."""

    status_code = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class NotVisible(DomainError):
    """Something the viewer may not see: the page answers 404 and names nothing."""

    status_code = 404


ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Could not do that",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Back in a moment",
}

ERROR_MESSAGES = {
    400: "The request could not be understood. If you were sending a form, go back, "
    "reload the page and try again.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address. It may have been moved or never existed.",
    405: "This address does not accept that kind of request.",
    429: "You are doing that too often. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you did caused it; please try again.",
    503: "The forum cannot reach its database for a moment. Nothing you did caused it; "
    "please try again in a few seconds.",
}


def render_error(status: int, message: str | None = None):
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=ERROR_TITLES.get(status, "Error"),
            message=message or ERROR_MESSAGES.get(status, ""),
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 403:
            log_security_event("forbidden", 403, _own_description(error) or "")
        response = error.get_response()
        body, status = render_error(error.code, _own_description(error))
        response.set_data(body)
        response.status_code = status
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        # Not stored: a flood of refused requests must not become a flood of writes.
        log_security_event("rate_limited", 429, str(error.description), keep=False)
        response = error.get_response()
        response.set_data(_page_keeping_the_form(429))
        response.status_code = 429
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(sa.exc.DBAPIError)
    def database_error(error: sa.exc.DBAPIError):
        if not is_database_unavailable(error):
            raise error  # a bug, not an outage: the 500 page, and the traceback in the log
        return database_unavailable(error)

    @app.errorhandler(sa.exc.TimeoutError)  # every pooled connection busy for too long
    def database_busy(error: sa.exc.TimeoutError):
        return database_unavailable(error)

    @app.teardown_appcontext
    def release_session(error: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, run later). A
        # connection the server dropped after the response was ready (a restart) makes the
        # closing rollback fail: nothing is left to undo and the answer stands, so it must
        # not become a 500.
        try:
            db.session.remove()
        except sa.exc.DBAPIError as lost:
            if not is_database_unavailable(lost):
                raise
            log.warning(
                "database connection lost after the response was ready (%s)",
                type(lost.orig).__name__,
            )
            db.session.remove()  # the connection is invalidated now: this only forgets it

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log_security_event("csrf_failure", 400, str(error.description))
        return render_error(
            400,
            "This form has expired or did not come from this site. Go back, reload the page "
            "and send it again; copy your text first if it is long.",
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if error.status_code == 403:
            log_security_event("forbidden", 403, error.message)
        return render_error(error.status_code, error.message)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)


def is_database_unavailable(error: sa.exc.DBAPIError) -> bool:
    """A connection that dropped or could not be made, or a lock not granted in time: the
    same request will work in a moment. Other database errors are bugs and stay 500s."""
    if error.connection_invalidated or isinstance(error, sa.exc.InterfaceError):
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        # SQLite raises OperationalError for a missing table or bad SQL too: only
        # "database is locked" (after busy_timeout) is a matter of waiting.
        name = getattr(error.orig, "sqlite_errorname", "")
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error.orig)
    # PostgreSQL: connection lost or refused, server shutting down, statement cancelled,
    # deadlock or serialization failure. Rolled back entirely; safe to send again.
    return True


def database_unavailable(error: Exception):
    """503 with Retry-After and a page that needs no database, keeping a posted form."""
    member = _signed_in_member_as_loaded()
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:  # the connection is gone; the pool replaces it
        pass
    cause = getattr(error, "orig", None) or error
    # One line, no traceback: an outage would otherwise bury the log. The statement and its
    # parameters (what the member wrote) stay out of it.
    detail = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    log.warning(
        "database unavailable: %s %s -> 503 (%s: %s)",
        request.method,
        log_safe(redact_path(request.path)),
        type(cause).__name__,
        log_safe(detail, 160),
    )
    # The page below must not ask the database again: whoever the request already knew,
    # and no notification count in the header.
    g._login_user = member
    g.header_notifications = _NoHeaderCounts()
    return _page_keeping_the_form(503), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


class _NoHeaderCounts:
    """The header's notification badge, left out while the database is unreachable."""

    unread = 0
    unread_label = ""
    watching = None


def _signed_in_member_as_loaded():
    """The member this request signed in, detached from the session with the columns the
    page header shows, if they are loaded; otherwise a visitor (reloading them would need
    the database that just failed)."""
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return user if user is not None else login_manager.anonymous_user()
    state = sa.inspect(user)
    if state.unloaded & {"id", "display_name", "role", "silenced_until"}:
        return login_manager.anonymous_user()
    if state.session is not None:
        state.session.expunge(user)  # a rollback would expire it
    return user


def _page_keeping_the_form(status: int) -> str:
    """An error page that gives a refused form back with what the user typed, ready to send
    again (the same submission key, so a post that did go through is not made twice)."""
    kept = (
        {key: value for key, value in request.form.items() if key != "csrf_token" and value}
        if request.method == "POST"
        else {}
    )
    here = request.full_path.rstrip("?")
    return render_template(
        "errors/rate_limited.html",
        title=ERROR_TITLES[status],
        message=ERROR_MESSAGES[status],
        kept=kept,
        action=here,
        # A page that could not be read can simply be asked for again.
        retry_url=here if status == 503 and request.method == "GET" else None,
    )


def _own_description(error: HTTPException) -> str | None:
    """A message a view passed to abort(), rather than Werkzeug's stock text."""
    if error.description and error.description != type(error).description:
        return error.description
    return None
