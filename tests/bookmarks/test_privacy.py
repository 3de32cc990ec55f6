"""Bookmarks are the member's data: in their export, gone with their account, and another
member's export never shows them."""

import sqlalchemy as sa

from forum.bookmarks.models import Bookmark
from forum.extensions import db
from tests.conftest import login
from tests.export.conftest import download

NOTE = "Ask Dr Marlowe about the pulsed setting"


def test_the_export_holds_each_bookmark_with_its_note(app, client, member, fred, kept_post):
    login(client, member)
    client.post(f"/p/{kept_post}/bookmark", data={"note": NOTE})
    export = download(client)
    [kept] = export.document["bookmarks"]
    assert kept["post_id"] == kept_post
    assert kept["note"] == NOTE
    assert kept["thread"]["title"] == "Pacing after an ablation"
    assert "bookmarks" in export.readme

    other = app.test_client()
    login(other, fred)
    assert download(other).document["bookmarks"] == []


def test_deleting_the_account_deletes_its_bookmarks(app, client, member, kept_post):
    login(client, member)
    client.post(f"/p/{kept_post}/bookmark", data={"note": NOTE})
    response = client.post(
        "/settings/delete",
        data={"confirmation": member.display_name, "posts": "keep", "reports": "keep"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark)) == 0
