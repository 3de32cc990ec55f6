"""/metrics: Prometheus' text format, to the allowed addresses only; requests, latency and
statements by endpoint, the rendered-page cache, and the jobs and backlogs as the database
has them."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from forum import create_app
from forum.extensions import db, utcnow
from forum.jobs import runner
from forum.notifications.models import OutgoingMail
from forum.threads.models import slugify
from tests.conftest import base_config
from tests.health.test_health import NOBODY_LISTENS


def scrape(client, address="127.0.0.1") -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(figures, name, **labels) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_latency_and_statements_by_endpoint(app, client, make_thread, count_queries):
    thread = make_thread(title="Counted")
    before = scrape(client)
    with count_queries() as statements:
        assert client.get(f"/t/{thread.id}/{slugify(thread.title)}").status_code == 200
    after = scrape(client)

    ok = {"endpoint": "threads.detail", "method": "GET", "status": "200"}
    assert (
        value(after, "forum_requests_total", **ok)
        == value(before, "forum_requests_total", **ok) + 1
    )
    endpoint = {"endpoint": "threads.detail"}
    counted = value(after, "forum_request_seconds_count", **endpoint) - value(
        before, "forum_request_seconds_count", **endpoint
    )
    assert counted == 1
    ran = value(after, "forum_request_statements_sum", **endpoint) - value(
        before, "forum_request_statements_sum", **endpoint
    )
    assert ran == len(statements) > 0
    # The checks themselves are not counted as pages.
    assert not any(labels and ("endpoint", "health.metrics") in labels for _, labels in after)


def test_rendered_page_cache_hits_and_misses(client, make_thread):
    make_thread(title="Popular")
    before = scrape(client)
    client.get("/")
    client.get("/")
    after = scrape(client)

    def grew(result):
        return value(after, "forum_rendered_pages_total", result=result) - value(
            before, "forum_rendered_pages_total", result=result
        )

    assert (grew("miss"), grew("hit")) == (1, 1)


def test_jobs_and_backlogs_come_from_the_database(app, client, make_user):
    member = make_user("waiting-for-mail")
    with app.app_context():
        db.session.add(
            OutgoingMail(
                user_id=member.id,
                to_address="w@example.org",
                subject="s",
                body_text="b",
                kind="confirm",
                dedupe_key="metrics-test",
                next_attempt_at=utcnow() - timedelta(minutes=10),
            )
        )
        db.session.commit()
        runner.schedule()
        runner.run_due_jobs("host-a")

    figures = scrape(client)

    assert value(figures, "forum_backlog_items", backlog="mail") == 1
    assert 590 < value(figures, "forum_backlog_oldest_seconds", backlog="mail") < 3600
    assert value(figures, "forum_backlog_items", backlog="exports") == 0
    assert value(figures, "forum_job_runs_recorded", job="purge-expired", outcome="succeeded") == 1
    assert value(figures, "forum_job_failures_in_a_row", job="build-exports") == 0
    assert ("forum_job_last_run_age_seconds", (("job", "release-outcomes"),)) in figures


@pytest.mark.parametrize(
    ("allow", "address", "status"),
    [
        (None, "127.0.0.1", 200),
        (None, "::1", 200),
        (None, "203.0.113.9", 404),
        (["10.0.0.0/8"], "10.1.2.3", 200),
        (["10.0.0.0/8"], "127.0.0.1", 404),
    ],
)
def test_only_allowed_addresses_read_the_figures(make_app, allow, address, status):
    app = make_app(**({"METRICS_ALLOW": allow} if allow else {}))

    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})

    assert response.status_code == status


def test_figures_still_come_while_the_database_does_not_answer(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'forum.sqlite3'}"
    else:
        unreachable = f"postgresql://postgres@{NOBODY_LISTENS}/forum"
    client = create_app(base_config(unreachable)).test_client()

    figures = scrape(client)

    assert any(name == "python_info" for name, _ in figures)  # the process's own figures
    assert not any(name.startswith("forum_job_") for name, _ in figures)


def test_a_request_refused_by_a_rate_limit_is_counted(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    refused = {"endpoint": "accounts.guidelines", "method": "GET", "status": "429"}
    before = value(scrape(client), "forum_requests_total", **refused)

    statuses = [client.get("/guidelines").status_code for _ in range(2)]

    assert statuses == [200, 429]
    assert value(scrape(client), "forum_requests_total", **refused) == before + 1
