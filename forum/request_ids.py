"""Every request has an id: the X-Request-ID the proxy sent, when it looks like one, else a
new one. It goes back in the X-Request-ID header, on the error pages ("Reference: …") and
on every log line written while the request runs, so what a member reports leads to the
lines about it. With LOG_FORMAT = "json" the log is one JSON object a line, for a log
collector; "text" keeps Flask's lines."""

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-ID"
# What the proxy may send: no spaces, quotes or line breaks to forge a log line with.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def request_id() -> str:
    """This request's id (made the first time it is asked for)."""
    if "request_id" not in g:
        sent = request.headers.get(HEADER, "")
        g.request_id = sent if _ACCEPTED.fullmatch(sent) else os.urandom(16).hex()
    return g.request_id


def register_request_ids(app: Flask) -> None:
    @app.after_request
    def _send_request_id(response):
        response.headers[HEADER] = request_id()
        return response

    app.add_template_global(request_id)
    _configure_logging(app)


class RequestIdFilter(logging.Filter):
    """Puts the request's id on each record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else "-"
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _configure_logging(app: Flask) -> None:
    """JSON lines on standard error for the whole process, or Flask's own handler; either
    way every record carries the request id. Done once per process, whatever the number of
    apps (the tests make many)."""
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "forum_json", False)]
    if app.config["LOG_FORMAT"] == "json":
        app.logger.removeHandler(default_handler)  # else each line would go out twice
        if not ours:
            handler = logging.StreamHandler(sys.stderr)
            handler.forum_json = True
            handler.setFormatter(JsonLines())
            handler.addFilter(RequestIdFilter())
            root.addHandler(handler)
            if root.level > logging.INFO or root.level == logging.NOTSET:
                root.setLevel(logging.INFO)
    elif not any(isinstance(f, RequestIdFilter) for f in default_handler.filters):
        default_handler.addFilter(RequestIdFilter())
