"""Response headers that make the browser refuse what the forum never does (run scripts from
elsewhere, load in a frame, send forms to other sites, sniff content types), and the log of
security events (refused forms, refused access, rate limits)."""

import logging
import re
from datetime import UTC, datetime

from flask import Flask, Response, abort, request
from flask_login import current_user

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


def current_actor() -> str:
    """The member's id, or "visitor"."""
    try:
        if current_user and current_user.is_authenticated:
            return str(current_user.id)
    except Exception:  # an unreadable session must not stop the event being logged
        return "unknown"
    return "visitor"


def log_security_event(event: str, status: int, reason: str = "") -> None:
    """One line on the "forum.security" logger: what happened, who, where, when (UTC)."""
    security_log.warning(
        "security event=%s status=%d actor=%s method=%s target=%s at=%s reason=%s",
        event,
        status,
        current_actor(),
        log_safe(request.method, 10),
        log_safe(request.path),
        datetime.now(UTC).isoformat(timespec="seconds"),
        log_safe(reason, 200),
    )
