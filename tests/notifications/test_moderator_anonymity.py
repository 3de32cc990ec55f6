"""What a member receives about a moderator's action says "a moderator", never which one:
the notifications page, the mail and the data export. The moderation log keeps names."""

from datetime import timedelta

import pytest

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.moderation import sanctions
from forum.moderation.services import decide_on_post, moderator_edit, restore_post
from forum.threads.models import Post
from tests.conftest import login
from tests.export.conftest import download
from tests.notifications.conftest import inbox  # noqa: F401 (a fixture)
from tests.notifications.test_mail_smtp import give_address, mail_config, send_mail


@pytest.fixture
def acted_on(make_user, make_thread, make_post):
    """Moderator "modone" edits, hides, restores and removes posts by "pat", then warns
    and silences her. Returns (pat, modone)."""

    def act(app):
        pat = make_user("pat")
        modone = make_user("modone", role="moderator")
        thread = make_thread(title="Facet joint injections")
        posts = [make_post(thread, author=pat, body=f"Pat's post number {n}.") for n in range(3)]
        with app.app_context():
            moderator = db.session.get(User, modone.id)
            post = db.session.get(Post, posts[0].id)
            moderator_edit(moderator, post, "Edited by a moderator.", post.version, "Tidied")
            decide_on_post(moderator, db.session.get(Post, posts[1].id), "hide", "Off topic", [])
            restore_post(moderator, db.session.get(Post, posts[1].id), "On second look")
            decide_on_post(moderator, db.session.get(Post, posts[2].id), "delete", "Spam", [])
            for kind, ends_at in (("warning", None), ("silence", utcnow() + timedelta(days=2))):
                sanctions.impose_sanction(
                    moderator, db.session.get(User, pat.id), kind, "Be kind", ends_at
                )
        return pat, modone

    return act


def test_the_notifications_page_says_a_moderator(app, client, acted_on):
    pat, _ = acted_on(app)
    login(client, pat)
    page = client.get("/notifications").get_data(as_text=True)
    assert "modone" not in page
    assert page.count("A moderator") >= 5
    assert "A moderator hid your post in" in page
    assert "A moderator warned you: Be kind" in page


def test_the_mail_says_a_moderator(make_app, inbox, acted_on):  # noqa: F811
    app = make_app(**mail_config(inbox.port))
    pat, _ = acted_on(app)
    give_address(app, pat, "pat@example.org", "instant")
    send_mail(app)
    mails = inbox.to("pat@example.org")
    assert len(mails) >= 5
    for mail in mails:
        assert "modone" not in mail.subject
        assert "modone" not in mail.body
    assert any("A moderator removed your post" in mail.subject for mail in mails)


def test_the_export_says_a_moderator(app, client, acted_on):
    pat, _ = acted_on(app)
    login(client, pat)
    export = download(client)
    for text in (export.raw_json, export.html, export.readme):
        assert "modone" not in text
    shown = [n["text_shown"] for n in export.document["notifications"]]
    assert "A moderator warned you: Be kind" in shown


def test_moderators_still_see_who_acted(app, client, acted_on, moderator):
    acted_on(app)
    login(client, moderator)
    assert "modone" in client.get("/moderation/log").get_data(as_text=True)
