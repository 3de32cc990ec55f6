"""Each request's id: taken from the proxy's X-Request-ID when it looks like one, else made;
sent back, shown on error pages, and on every log line the request writes."""

import io
import json
import logging
import re

import pytest

from forum.request_ids import JsonLines, RequestIdFilter

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_every_response_has_a_new_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]

    assert HEX_ID.fullmatch(first)
    assert HEX_ID.fullmatch(second)
    assert first != second


def test_the_proxys_id_is_kept(client):
    response = client.get("/", headers={"X-Request-ID": "lb-7f3a.91c2-0001"})

    assert response.headers["X-Request-ID"] == "lb-7f3a.91c2-0001"


@pytest.mark.parametrize(
    "sent", ["short", "x" * 129, "has spaces in it", 'quote"d-request-id', "semi;colon-request-id"]
)
def test_an_id_that_could_forge_a_log_line_is_replaced(client, sent):
    response = client.get("/", headers={"X-Request-ID": sent})

    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])


def test_error_pages_give_the_reference(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    reference = response.headers["X-Request-ID"]
    assert f"give this reference: <code>{reference}</code>" in response.get_data(as_text=True)


def test_json_lines_carry_the_request_id(app, client):
    """What a request logs, as a log collector reads it."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonLines())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("forum.test_request_ids")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.get("/__logs_twice")
    def logs_twice():
        logger.info("first line")
        try:
            raise ValueError("broken")
        except ValueError:
            logger.exception("second line, with what went wrong")
        return "done"

    try:
        response = client.get("/__logs_twice", headers={"X-Request-ID": "from-the-proxy-42"})
        with app.app_context():  # outside a request: no id
            logger.info("no request")
    finally:
        logger.removeHandler(handler)

    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    assert response.headers["X-Request-ID"] == "from-the-proxy-42"
    assert [(line["message"], line["request_id"]) for line in lines] == [
        ("first line", "from-the-proxy-42"),
        ("second line, with what went wrong", "from-the-proxy-42"),
        ("no request", "-"),
    ]
    assert "ValueError: broken" in lines[1]["exception"]
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "forum.test_request_ids"


def test_json_logging_puts_one_handler_on_the_process(make_app):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        make_app(LOG_FORMAT="json")
        make_app(LOG_FORMAT="json")
        added = [handler for handler in root.handlers if handler not in before]
        assert len(added) == 1
        assert isinstance(added[0].formatter, JsonLines)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
