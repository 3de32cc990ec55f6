"""Help that every page offers, the medical disclaimer, and links to the guidelines
wherever a moderator's reason is shown."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.sanctions import impose_sanction
from forum.threads.models import Post
from tests.conftest import first_post_id, login

HELPLINES = ("988", "HOME to 741741", "116 123", "findahelpline.com")


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_help_page_is_public_and_lists_the_helplines(client):
    response = client.get("/help")
    assert response.status_code == 200
    text = _text(response)
    for helpline in HELPLINES:
        assert helpline in text
    assert 'href="https://findahelpline.com"' in response.get_data(as_text=True)
    assert "volunteers" in text and "not a crisis service" in text
    assert "emergency" in text


@pytest.fixture
def pages(app, make_board, make_thread, member):
    board = make_board(slug="tens", name="TENS")
    with app.app_context():  # a treatment board, so it has an outcomes page
        db.session.execute(sa.update(Board).where(Board.id == board.id).values(family="injection"))
        db.session.commit()
    thread = make_thread(board=board, author=member)
    return [
        "/",
        "/help",
        "/guidelines",
        "/b/tens",
        "/b/tens/outcomes",
        f"/t/{thread.id}/{thread.slug}",
        f"/u/{member.display_name}",
        "/search",
    ]


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_footer_links_to_help(client, member, pages, signed_in):
    if signed_in:
        login(client, member)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        footer = response.get_data(as_text=True).split('class="site-footer"', 1)[1]
        assert re.search(r'<a[^>]*href="/help"[^>]*>Need help now\?</a>', footer), path


def test_error_pages_link_to_help_too(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert 'href="/help"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/b/tens", "/b/tens/outcomes"])
def test_board_and_outcomes_pages_show_the_medical_disclaimer(client, pages, path):
    page = client.get(path).get_data(as_text=True)
    box = re.search(r'<aside class="disclaimer".*?</aside>', page, re.S)
    assert box, path
    assert "Not medical advice" in box.group(0)
    assert 'href="/guidelines#disclaimer"' in box.group(0)
    assert 'id="disclaimer"' in client.get("/guidelines").get_data(as_text=True)


def test_a_moderators_reason_links_to_the_guidelines(client, app, make_thread, member, moderator):
    thread = make_thread(author=member, body="Buy my cream.")
    post_id = first_post_id(app, thread)
    with app.app_context():
        moderation.decide_on_post(
            db.session.get(User, moderator.id),
            db.session.get(Post, post_id),
            "hide",
            "Advertising is not allowed",
            [],
        )
    login(client, member)
    page = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    notice = re.search(r'<p class="notice" role="note">.*?</p>', page, re.S).group(0)
    assert "Advertising is not allowed" in notice
    assert 'href="/guidelines"' in notice

    notifications = client.get("/notifications").get_data(as_text=True)
    assert "Advertising is not allowed" in unescape(notifications)
    assert 'href="/guidelines"' in notifications


def test_a_sanctions_reason_links_to_the_guidelines(client, app, member, moderator):
    with app.app_context():
        impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, member.id),
            "warning",
            "Please be kind",
            None,
        )
    login(client, member)
    page = client.get("/settings/sanctions").get_data(as_text=True)
    assert "Please be kind" in page
    assert 'href="/guidelines"' in page
