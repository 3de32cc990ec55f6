"""Response headers that make the browser refuse what the forum never does (run scripts from
elsewhere, load in a frame, send forms to other sites, sniff content types), and the log of
security events (refused forms, refused access, rate limits)."""

import logging
import re
from datetime import UTC, datetime

from flask import Flask, Response, abort, has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from forum.audit import SecurityEvent, redact_path, truncate_address
from forum.extensions import db

security_log = logging.getLogger("forum.security")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A thread's address names a condition and a treatment: other sites get the origin at
    # most, never the path.
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

# Sent only over HTTPS: a browser ignores it over http, and a development server on
# 127.0.0.1 must stay reachable without TLS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


# The largest id a BIGINT column holds (an INTEGER in SQLite): a larger one in an address
# names nothing, and would make the database driver raise instead of finding no row.
MAX_ID = 2**63 - 1


def register_security_headers(app: Flask) -> None:
    """The headers on every response; and, before any view runs, the refusal of input no
    view can use (it would reach the database driver and fail there as a 500)."""

    @app.url_value_preprocessor
    def refuse_impossible_values(endpoint: str | None, values: dict | None) -> None:
        if values and any(_impossible(value) for value in values.values()):
            values.clear()  # the error page must not look the value up either
            abort(404)

    @app.before_request
    def refuse_nul_characters() -> None:
        if _holds_nul(request.args, request.form):
            abort(400, "The request held a character no text may contain (U+0000).")

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if _is_members_page(response):
            # A shared computer's back button or disk cache must not show a member's pages.
            response.headers["Cache-Control"] = "no-store"
        return response


def _impossible(value: object) -> bool:
    """A value from the address that can name nothing: an id past the database's range,
    or text holding U+0000 (which PostgreSQL refuses even to compare)."""
    if isinstance(value, int):
        return not 0 <= value <= MAX_ID
    return isinstance(value, str) and "\x00" in value


def _holds_nul(*fields) -> bool:
    """U+0000 is in no legitimate text, and PostgreSQL refuses to store it: a form or query
    that carries one is refused before it reaches a view."""
    return any(
        "\x00" in key or "\x00" in value
        for data in fields
        for key, value in data.items(multi=True)
        if isinstance(value, str)
    )


def _is_members_page(response: Response) -> bool:
    if request.endpoint == "static" or response.mimetype != "text/html":
        return False
    return bool(current_user) and current_user.is_authenticated


# Control characters (CR and LF included) and the Unicode line separators: a value that
# contains them could forge a line of its own in the log.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def log_safe(value: object, limit: int = 300) -> str:
    """A user-controlled value made safe for one log line: control characters escaped
    (a newline becomes \\x0a), and long values cut."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return _UNSAFE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def log_security_event(
    event: str,
    status: int,
    reason: str = "",
    *,
    actor_id: int | None = None,
    keep: bool = True,
    level: int = logging.WARNING,
) -> None:
    """One line on the "forum.security" logger: what happened, who, from which network
    (truncated), where, when (UTC). Unless `keep` is false, the event is also kept in
    security_events (which ends the request's transaction: call it after committing or
    when the request has failed)."""
    if actor_id is None:
        actor_id = _current_actor_id()
    # An administration command (flask forum ...) has no request: it is logged as the CLI.
    web = has_request_context()
    network = truncate_address(request.remote_addr) if web else None
    path = redact_path(request.path) if web else "(command line)"
    method = request.method if web else "CLI"
    at = datetime.now(UTC)
    security_log.log(
        level,
        "security event=%s status=%d actor=%s network=%s method=%s target=%s at=%s reason=%s",
        event,
        status,
        actor_id if actor_id is not None else "visitor",
        network,
        log_safe(method, 10),
        log_safe(path),
        at.isoformat(timespec="seconds"),
        log_safe(reason, 200),
    )
    if keep:
        _keep_event(
            SecurityEvent(
                at=at,
                event=event,
                status=status,
                actor_id=actor_id,
                network=network,
                method=method[:10],
                path=path[:300],
                reason=reason[:300],
            )
        )


def _keep_event(event: "SecurityEvent") -> None:
    """Store the event in its own transaction; a database that cannot take it (down, locked)
    must not turn a refusal into a 500: the log line is already written."""
    try:
        db.session.rollback()
        db.session.add(event)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        security_log.error("security event not stored: %s", type(error).__name__)


def _current_actor_id() -> int | None:
    try:
        if current_user and current_user.is_authenticated:
            return current_user.id
    except Exception:  # an unreadable session must not stop the event being logged
        return None
    return None


def log_moderation_action(actor_id: int | None, action: str, target: str, reason: str) -> None:
    """Moderator actions go to the security log as well as the moderation log."""
    security_log.warning(
        "moderation action=%s actor=%s target=%s at=%s reason=%s",
        log_safe(action, 40),
        actor_id if actor_id is not None else "system",
        log_safe(target, 60),
        datetime.now(UTC).isoformat(timespec="seconds"),
        log_safe(reason, 200),
    )
