"""Numbers and redirect targets from a request: past what the database holds they get a 4xx,
never a 500, and a redirect target with a control character goes home instead."""

import re

import pytest

from forum.extensions import db
from forum.threads.models import Post
from tests.conftest import login
from tests.security.conftest import HUGE_INT, all_rules, build_path, methods_of

INT64_MAX = "9223372036854775807"
PAST_INT64 = "9223372036854775808"
PAST_INT32 = "2147483648"  # past PostgreSQL's INTEGER, which every id column is


@pytest.fixture(params=["visitor", "member"])
def walker(request, make_app, world):
    """A client with exceptions turned into 500 pages, so the walk reports them all."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    if request.param == "member":
        login(client, world.member)
    return app, client


def test_no_int_route_fails_on_ids_past_what_a_column_holds(walker, world):
    app, client = walker
    checked, failures = 0, []
    for rule in all_rules(app):
        if not re.search(r"<int[:(]", rule.rule) or "GET" not in methods_of(rule):
            continue
        for huge in (HUGE_INT, PAST_INT64, INT64_MAX, PAST_INT32):
            path = build_path(rule, world, {"int": huge})
            status = client.get(path).status_code
            checked += 1
            if status >= 500 or status == 200:
                failures.append(f"GET {path} ({rule.endpoint}) -> {status}")
    assert checked >= 20, "the walk found too few int routes"
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        f"/search?q=pain&page={INT64_MAX}",
        f"/search?q=pain&page={HUGE_INT}",
        f"/sitemap-{INT64_MAX}.xml",
        f"/sitemap-{PAST_INT64}.xml",
        f"/b/security?page={INT64_MAX}",
        f"/t/1/x?page={INT64_MAX}",
        f"/notifications?page={INT64_MAX}",
    ],
)
def test_huge_page_numbers_are_not_found(make_app, world, path):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    login(client, world.member)
    path = path.replace("/t/1/x", f"/t/{world.thread_id}/{world.slug}")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("quote", [HUGE_INT, INT64_MAX, PAST_INT64, PAST_INT32, "-1", "abc"])
def test_a_huge_quote_id_shows_an_empty_reply_form(app, client, world, quote):
    login(client, world.member)
    response = client.get(f"/t/{world.thread_id}/reply?quote={quote}")
    assert response.status_code == 200
    assert re.search(r"<textarea[^>]*>\s*</textarea>", response.get_data(as_text=True))


def test_a_huge_sanction_id_is_not_found(make_app, world):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    login(client, world.member)
    for sanction in (HUGE_INT, PAST_INT64, PAST_INT32):
        response = client.post(
            f"/settings/sanctions?sanction={sanction}", data={"text": "Please look again at it."}
        )
        assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "dismiss", "flag_ids": HUGE_INT, "version": "1"},
        {"decision": "dismiss", "flag_ids": f"1,{PAST_INT64}", "version": "1"},
        {"decision": "hide", "flag_ids": "", "version": HUGE_INT},
        {"decision": "hide", "flag_ids": "", "version": PAST_INT64},
        {"decision": "dismiss", "flag_ids": PAST_INT32, "version": "1"},
        {"decision": "hide", "flag_ids": "", "version": PAST_INT32},
    ],
)
def test_a_moderators_huge_version_or_flag_ids_are_refused(make_app, world, data):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    login(client, world.moderator)
    response = client.post(f"/moderation/posts/{world.post_id}/decide", data=data)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "/b/x%0d%0aSet-Cookie:%20a=b",
        "/b/x%0aLocation:%20https://evil.example",
        "/b/x%09y",
        "/b/x%01",
        "/b/x%7f",
        "/%5c%5cevil.example",
        "/b\\x",
    ],
)
def test_next_with_control_characters_or_backslashes_goes_home(make_app, world, target):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    response = client.post(
        f"/login/dev?next={target}", data={"pseudonym": world.member.display_name}
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_a_plain_next_still_works(app, client, world):
    response = client.post(
        f"/login/dev?next=/b/{world.board}?page=1", data={"pseudonym": world.member.display_name}
    )
    assert response.location == f"/b/{world.board}?page=1"


def test_quoting_a_post_of_another_thread_or_a_hidden_one_prefills_nothing(
    app, client, world, make_thread, make_post
):
    other = make_thread(title="Another thread entirely")
    elsewhere = make_post(other, body="Text from elsewhere.")
    hidden = make_post(other, body="Text that was hidden.")
    with app.app_context():
        db.session.get(Post, hidden.id).state = "hidden"
        db.session.commit()
    login(client, world.member)
    for post in (elsewhere, hidden):
        response = client.get(f"/t/{world.thread_id}/reply?quote={post.id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert re.search(r"<textarea[^>]*>\s*</textarea>", page)
        assert "Text from elsewhere." not in page
