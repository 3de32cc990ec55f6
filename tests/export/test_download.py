"""A member downloads a copy of everything we hold about them, within the request."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.auth.models import Identity
from forum.boards.models import Board
from forum.extensions import db, utcnow
from forum.moderation.sanctions import appeal_sanction, impose_sanction
from forum.moderation.services import flag_post
from forum.notifications.fanout import notify_member
from forum.privacy.models import Consent
from forum.reports.models import ExperienceReport
from forum.reports.services import file_report, update_report
from forum.threads.models import Post
from forum.threads.services import delete_post, edit_post
from tests.conftest import age_accounts, first_post_id, login
from tests.export.conftest import FILES, ISO_UTC, download

SCRIPT_POST = "Before <script>alert('pwned')</script> after, and **bold**."
DIGEST = "d1g3st-0f-an-e-mail-address-that-must-stay-with-us"


@pytest.fixture
def world(app, make_user, make_board, make_thread, make_post, member, moderator):
    """The member's posts, an edit, a report with an update, a flag, a sanction with an
    appeal, a consent, an identity; and another member whose data must stay out."""
    stranger = make_user("stranger-sam")
    board = make_board(name="Talk board")
    theirs = make_thread(
        board=board, author=stranger, title="Sam's question", body="Sam's own private words."
    )
    make_post(theirs, author=member, body="My reply to Sam.")
    mine = make_thread(board=board, author=member, title="My own thread", body="First version.")
    make_post(mine, author=member, body=SCRIPT_POST)
    age_accounts(app, member, stranger, moderator)
    with app.app_context():
        pat = db.session.get(User, member.id)
        stranger_row = db.session.get(User, stranger.id)
        stranger_row.notify_email = "sam@example.org"
        pat.notify_email = "pat@example.org"
        pat.declared_interest = "I volunteer at a pain clinic."
        db.session.commit()
        post = db.session.get(Post, first_post_id(app, mine))
        edit_post(pat, post, "Second version.", post.version)

        treatment = Board(
            slug="epidurals",
            name="Epidurals",
            category="Treatments",
            description="",
            aliases=[],
            position=50,
            family="injection",
        )
        db.session.add(treatment)
        db.session.commit()
        answers = {"treatment": treatment, "pain_before": 8, "pain_best": 3, "pgic": 2}
        report_post = file_report(
            pat, treatment, "My epidural story", "It helped.", answers, visibility="members"
        )
        report = db.session.scalar(
            sa.select(ExperienceReport).where(ExperienceReport.post_id == report_post.id)
        )
        update_report(
            pat,
            report,
            {**answers, "pgic": 4, "side_effects": {"flare": "mild"}, "body_region": "neck"},
            report.version,
        )

        flag_post(
            db.session.get(User, member.id),
            db.session.get(Post, first_post_id(app, theirs)),
            "misinformation",
            "This dose is wrong.",
        )
        sanction = impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, member.id),
            "warning",
            "Please keep to the guidelines.",
            None,
        )
        appeal_sanction(db.session.get(User, member.id), sanction, "I did keep to them, honestly.")

        db.session.add_all(
            [
                Consent(
                    user_id=member.id,
                    purpose="health_data",
                    text_version="test-1",
                    given_at=utcnow() - timedelta(days=2),
                    withdrawn_at=utcnow() - timedelta(days=1),
                ),
                Identity(
                    user_id=member.id,
                    provider="google",
                    issuer="https://accounts.google.com",
                    subject="pat-subject-123",
                    email_digest=DIGEST,
                    last_used_at=utcnow(),
                ),
                # The stranger's sign-in must not leak either.
                Identity(
                    user_id=stranger.id,
                    provider="github",
                    issuer="https://github.com",
                    subject="sam-subject-999",
                ),
            ]
        )
        db.session.commit()
        notify_member(member.id, "post_restored", None, "restored", "")
        db.session.commit()
    return {"stranger": stranger, "mine": mine, "theirs": theirs}


def test_zip_holds_the_three_documented_files(client, member):
    login(client, member)
    export = download(client)
    assert export.names == FILES
    for key in [
        "profile",
        "identities",
        "posts",
        "experience_reports",
        "flags",
        "sanctions",
        "notifications",
        "subscriptions",
        "reading",
        "consents",
    ]:
        assert key in export.document
        assert key in export.readme, f"README.txt does not explain {key}"
    assert ISO_UTC.match(export.document["generated_at"])


def test_export_holds_the_members_data(client, member, world):
    login(client, member)
    doc = download(client).document

    profile = doc["profile"]
    assert profile["pseudonym"] == "patient-pat"
    assert profile["role"] == "member"
    assert profile["declared_interest"] == "I volunteer at a pain clinic."
    assert profile["hide_history"] is False
    assert profile["notification_preferences"]["email_address"] == "pat@example.org"
    assert ISO_UTC.match(profile["created_at"])

    by_text = {post["body_markdown"]: post for post in doc["posts"]}
    assert set(by_text) == {"My reply to Sam.", "Second version.", SCRIPT_POST, "It helped."}
    edited = by_text["Second version."]
    assert edited["thread"]["title"] == "My own thread"
    assert edited["thread"]["board"] == "Talk board"
    assert edited["starts_thread"] is True
    assert [r["body_markdown"] for r in edited["revisions"]] == ["First version."]
    assert ISO_UTC.match(edited["revisions"][0]["written_at"])
    assert by_text["My reply to Sam."]["thread"]["title"] == "Sam's question"
    assert by_text["It helped."]["thread"]["visibility"] == "members"

    [report] = doc["experience_reports"]
    assert report["answers"]["pgic"] == 4
    assert report["labels"]["pgic"] == "No change"
    assert report["labels"]["treatment"] == "Epidurals"
    assert report["labels"]["body_region"] == "Neck"
    assert report["labels"]["side_effects"] == {"flare": "Pain flare after the procedure (Mild)"}
    [before] = report["revisions"]
    assert before["answers"]["pgic"] == 2
    assert before["labels"]["pgic"] == "Much improved"

    [flag] = doc["flags"]
    assert flag["reason"] == "misinformation"
    assert flag["note"] == "This dose is wrong."
    assert flag["outcome"] is None
    assert flag["thread"]["title"] == "Sam's question"

    [sanction] = doc["sanctions"]
    assert sanction["kind"] == "warning"
    assert sanction["reason"] == "Please keep to the guidelines."
    assert sanction["appeal"]["text"] == "I did keep to them, honestly."
    assert "mod-maria" not in str(sanction)  # who imposed it stays with the moderators

    [consent] = [c for c in doc["consents"] if c["text_version"] == "test-1"]
    assert consent["purpose"] == "health_data"
    assert ISO_UTC.match(consent["given_at"]) and ISO_UTC.match(consent["withdrawn_at"])

    [identity] = doc["identities"]
    assert identity["provider"] == "google"
    assert identity["subject"] == "pat-subject-123"
    assert identity["holds_email_digest"] is True

    texts = [n["text_shown"] for n in doc["notifications"]]
    assert "A moderator warned you: Please keep to the guidelines." in texts
    watched = {s["thread"]["title"] for s in doc["subscriptions"] if "thread" in s}
    assert {"Sam's question", "My own thread"} <= watched


def test_export_holds_nothing_of_other_members_and_no_secrets(app, client, member, world):
    login(client, member)
    export = download(client)
    for text in (export.raw_json, export.html):
        assert "Sam's own private words." not in text
        assert "stranger-sam" not in text
        assert "sam@example.org" not in text
        assert "sam-subject-999" not in text
        assert DIGEST not in text
        assert "session_version" not in text
        assert app.config["SECRET_KEY"] not in text


def test_posts_page_shows_posts_by_thread_with_sanitised_html(client, member, world):
    login(client, member)
    html = download(client).html
    assert html.startswith("<!doctype html>") or "<!doctype html>" in html
    assert "<h2>My own thread</h2>" in html
    assert "<h2>Sam&#39;s question</h2>" in html
    assert "In Talk board</p>" in html
    assert "In Epidurals · readable by signed-in members only</p>" in html
    assert "Second version." in html
    # The Markdown's <script> is text on the page, never an element.
    assert "<script" not in html
    assert "&lt;script&gt;alert" in html
    assert "<strong>bold</strong>" in html
    # Self-contained: nothing is fetched when the file is opened.
    for resource in ("<link", "<img", "src=", "<style", "http-equiv"):
        assert resource not in html


def test_deleted_posts_are_exported_since_we_still_hold_them(app, client, member, make_thread):
    thread = make_thread(author=member, title="A thread I regret", body="Regretted words.")
    with app.app_context():
        post = db.session.get(Post, first_post_id(app, thread))
        delete_post(db.session.get(User, member.id), post)
    login(client, member)
    export = download(client)
    [post] = export.document["posts"]
    assert (post["state"], post["deleted_by"]) == ("deleted", "you")
    assert post["body_markdown"] == "Regretted words."
    assert "Regretted words." in export.html
    assert "deleted" in export.html


def test_a_member_with_nothing_gets_an_empty_export(client, make_user):
    newcomer = make_user("newcomer")
    login(client, newcomer)
    export = download(client)
    assert export.document["posts"] == []
    assert export.document["profile"]["pseudonym"] == "newcomer"
    assert "You have not written any posts." in export.html


def test_page_explains_the_export_and_offers_a_button(client, member):
    login(client, member)
    response = client.get("/settings/export")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "firsthand-export.json" in page and "posts.html" in page
    assert 'action="/settings/export"' in page
    assert "Download my data" in page


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_visitors_are_sent_to_sign_in(client, method):
    response = client.open("/settings/export", method=method)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_export_holds_the_security_events_recorded_for_the_member(client, member):
    login(client, member)
    address = {"REMOTE_ADDR": "198.51.100.23"}
    assert client.get("/moderation", environ_base=address).status_code == 403
    sign_in, event = download(client).document["security_events"]
    assert sign_in["event"] == "sign_in"
    assert (event["event"], event["status"], event["path"]) == ("forbidden", 403, "/moderation")
    assert event["network"] == "198.51.100.0/24"


def test_export_holds_the_devices_the_member_is_signed_in_on(client, member):
    client.environ_base.update(
        HTTP_USER_AGENT="Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        REMOTE_ADDR="198.51.100.23",
    )
    login(client, member, remember=True)
    [session] = download(client).document["sessions"]
    assert (session["device"], session["network"]) == ("Firefox on Android", "198.51.100.0/24")
    assert session["keep_me_signed_in"] is True
    assert set(session) == {  # never the token's digest
        "device",
        "network",
        "signed_in_at",
        "last_seen_at",
        "ends_at",
        "keep_me_signed_in",
    }
