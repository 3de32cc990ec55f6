"""Domain errors raised by services, and the error pages."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.extensions import db
from forum.security import log_security_event


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


ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Could not do that",
    429: "Too many requests",
    500: "Something went wrong",
}

ERROR_MESSAGES = {
    400: "The request could not be understood. If you were sending a form, go back, "
    "reload the page and try again.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address. It may have been moved or never existed.",
    405: "This address does not accept that kind of request.",
    429: "You are doing that too often. Please wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you did caused it; please try again.",
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
        # A limited form comes back with what the user typed, ready to send again later.
        kept = (
            {
                key: value
                for key, value in request.form.items()
                if key not in ("csrf_token",) and value
            }
            if request.method == "POST"
            else {}
        )
        response.set_data(
            render_template(
                "errors/rate_limited.html",
                title=ERROR_TITLES[429],
                message=ERROR_MESSAGES[429],
                kept=kept,
                action=request.full_path.rstrip("?"),
            )
        )
        response.status_code = 429
        response.content_type = "text/html; charset=utf-8"
        return response

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


def _own_description(error: HTTPException) -> str | None:
    """A message a view passed to abort(), rather than Werkzeug's stock text."""
    if error.description and error.description != type(error).description:
        return error.description
    return None
