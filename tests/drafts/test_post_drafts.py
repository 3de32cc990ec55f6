"""Drafts of replies and new threads (issue 23): "Save draft" keeps what the form holds on
the server, opening the form again (on any device) restores it, posting or "Discard draft"
deletes it, /drafts lists it, and nobody but its author ever sees it."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from forum.accounts.models import User
from forum.boards.models import Board
from forum.drafts.models import Draft, DraftKind
from forum.drafts.services import save_draft
from forum.export.archive import collect_member_data
from forum.extensions import db, utcnow
from forum.retention import purge_expired
from forum.threads.models import Post, Thread
from tests.conftest import csrf_token, login

REPLY = "Mine took three weeks to settle, and the second one was easier because"
NEW_THREAD = {
    "title": "Pump refill, half written",
    "body": "The nurse said",
    "visibility": "members",
}


def _text(response) -> str:
    return response.get_data(as_text=True)


def _drafts(app, user) -> list[Draft]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Draft).where(Draft.author_id == user.id).order_by(Draft.id)
            )
        )


@pytest.fixture
def thread(make_thread, make_board):
    return make_thread(board=make_board(slug="pumps", name="Pumps"), title="Refills and you")


# -- replies ------------------------------------------------------------------------------------


def test_save_draft_keeps_the_reply_and_the_form_restores_it(app, client, member, thread):
    login(client, member)

    saved = client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})

    assert saved.status_code == 303 and saved.location == f"/t/{thread.id}/reply"
    page = _text(client.get(saved.location))
    assert REPLY in page and "Your draft is saved" in page
    [draft] = _drafts(app, member)
    assert (draft.kind, draft.place, draft.thread_id) == ("reply", f"reply:{thread.id}", thread.id)


def test_the_thread_pages_reply_box_restores_the_draft_on_another_device(
    app, client, member, thread
):
    login(client, member)
    client.post(
        f"/t/{thread.id}/reply/draft?next=/t/{thread.id}/{thread.slug}", data={"body": REPLY}
    )

    other_device = app.test_client()
    login(other_device, member)
    page = _text(other_device.get(f"/t/{thread.id}/{thread.slug}"))

    assert REPLY in page
    assert "Discard draft" in page and "Draft saved" in page


def test_saving_again_replaces_the_text_in_the_same_draft(app, client, member, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": "First go"})
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})

    [draft] = _drafts(app, member)
    assert draft.answers == {"body": REPLY}


def test_the_autosave_gets_json_saying_when(client, member, thread):
    login(client, member)

    response = client.post(
        f"/t/{thread.id}/reply/draft", data={"body": REPLY}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200 and response.json["saved_at"]


def test_posting_the_reply_deletes_its_draft(app, client, member, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})

    posted = client.post(f"/t/{thread.id}/reply", data={"body": REPLY})

    assert posted.status_code == 302
    assert _drafts(app, member) == []
    with app.app_context():
        assert db.session.scalar(sa.select(Post).where(Post.body_source == REPLY)) is not None
    assert REPLY not in _text(client.get(f"/t/{thread.id}/reply"))


def test_a_refused_reply_keeps_its_draft(app, client, member, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})

    refused = client.post(f"/t/{thread.id}/reply", data={"body": ""})

    assert refused.status_code == 422
    assert len(_drafts(app, member)) == 1


def test_discard_draft_deletes_it_and_empties_the_form(app, client, member, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    [draft] = _drafts(app, member)

    back = f"/t/{thread.id}/reply"
    discarded = client.post(f"/drafts/{draft.id}/delete?next={back}", data={"body": REPLY})

    assert discarded.status_code == 302 and discarded.location == back
    assert _drafts(app, member) == []
    assert REPLY not in _text(client.get(back))


def test_discard_returns_only_to_a_page_of_this_site(app, client, member, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    [draft] = _drafts(app, member)

    response = client.post(f"/drafts/{draft.id}/delete?next=https://elsewhere.example/")

    assert "elsewhere" not in response.location


def test_a_reply_draft_on_a_thread_its_author_may_no_longer_read_is_not_shown(
    app, client, member, thread
):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    with app.app_context():
        db.session.get(Thread, thread.id).is_hidden = True
        db.session.commit()

    listed = _text(client.get("/drafts"))
    saved_again = client.post(f"/t/{thread.id}/reply/draft", data={"body": "more"})

    assert REPLY not in listed and "Refills and you" not in listed
    assert saved_again.status_code == 404
    with app.app_context():
        db.session.get(Thread, thread.id).is_hidden = False
        db.session.commit()
    assert REPLY in _text(client.get("/drafts"))  # kept, and back when the thread is


# -- new threads --------------------------------------------------------------------------------


def test_a_new_threads_draft_is_saved_and_restored_with_its_choice(app, client, member, thread):
    login(client, member)

    saved = client.post("/b/pumps/new/draft", data={**NEW_THREAD, "submission_key": "k1"})

    assert saved.status_code == 303 and saved.location == "/b/pumps/new"
    page = _text(client.get("/b/pumps/new"))
    assert NEW_THREAD["title"] in page and NEW_THREAD["body"] in page
    [members] = re.findall(r'<input[^>]*value="members"[^>]*>', page)
    assert " checked" in members
    [draft] = _drafts(app, member)
    assert draft.answers == NEW_THREAD  # the form's own fields only


def test_starting_the_thread_deletes_its_draft(app, client, member, thread):
    login(client, member)
    client.post("/b/pumps/new/draft", data=NEW_THREAD)

    assert client.post("/b/pumps/new", data=NEW_THREAD).status_code == 302

    assert _drafts(app, member) == []


# -- the list ------------------------------------------------------------------------------------


def test_the_drafts_page_lists_replies_and_threads_to_continue_or_delete(
    app, client, member, thread
):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    client.post("/b/pumps/new/draft", data=NEW_THREAD)

    page = _text(client.get("/drafts"))

    assert "Reply to “Refills and you”" in page and f'href="/t/{thread.id}/reply"' in page
    assert NEW_THREAD["title"] in page and 'href="/b/pumps/new"' in page
    assert 'href="/drafts"' in _text(client.get("/"))  # the member's menu


def test_the_old_address_of_the_list_moved_for_good(client, member):
    login(client, member)

    response = client.get("/settings/drafts")

    assert response.status_code == 301 and response.location == "/drafts"


def test_the_drafts_page_runs_the_same_statements_for_one_draft_or_many(
    app, client, member, make_thread, count_queries
):
    login(client, member)
    counts = []
    for number in range(5):
        other = make_thread(title=f"Thread number {number}")
        client.post(f"/t/{other.id}/reply/draft", data={"body": REPLY})
        if number in (0, 4):
            with count_queries() as statements:
                assert client.get("/drafts").status_code == 200
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 3, counts


# -- someone else --------------------------------------------------------------------------------


def test_another_member_never_sees_nor_deletes_your_draft(app, client, member, fred, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    client.post("/b/pumps/new/draft", data=NEW_THREAD)
    [reply_draft, _thread_draft] = _drafts(app, member)

    login(client, fred)
    pages = [
        _text(client.get(path))
        for path in ("/drafts", f"/t/{thread.id}/reply", f"/t/{thread.id}/x", "/b/pumps/new")
    ]
    deleted = client.post(f"/drafts/{reply_draft.id}/delete")

    assert not any(REPLY in page or NEW_THREAD["title"] in page for page in pages)
    assert deleted.status_code == 404
    assert len(_drafts(app, member)) == 2


def test_visitors_are_sent_to_sign_in(client, thread):
    response = client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})

    assert response.status_code == 302 and "/login" in response.location


# -- retention, export, erasure ----------------------------------------------------------------


def test_reply_and_thread_drafts_are_purged_after_30_days(app, member, fred, thread):
    with app.app_context():
        thread_row = db.session.get(Thread, thread.id)
        for user, days in ((member, 31), (fred, 29)):
            draft = save_draft(
                db.session.get(User, user.id),
                DraftKind.REPLY,
                db.session.get(Board, thread.board_id),
                {"body": REPLY},
                thread=thread_row,
            )
            draft.updated_at = utcnow() - timedelta(days=days)
        db.session.commit()

        assert purge_expired(utcnow()).drafts == 1

    assert _drafts(app, member) == [] and len(_drafts(app, fred)) == 1


def test_the_data_export_holds_reply_and_thread_drafts(app, client, member, thread):
    login(client, member)
    client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    client.post("/b/pumps/new/draft", data=NEW_THREAD)

    with app.app_context():
        exported = collect_member_data(member.id, utcnow()).document["drafts"]

    assert [(d["kind"], d["thread_id"], d["answers"]) for d in exported] == [
        ("reply", thread.id, {"body": REPLY}),
        ("thread", None, NEW_THREAD),
    ]


# -- the form's token and the rate limit -------------------------------------------------------


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_saving_or_discarding_needs_the_forms_token(csrf_app, make_user, make_thread):
    thread = make_thread()
    author = make_user("careful-cam")
    client = csrf_app.test_client()
    token = csrf_token(_text(client.get("/login/dev")))
    client.post("/login/dev", data={"pseudonym": author.display_name, "csrf_token": token})
    page = _text(client.get(f"/t/{thread.id}/reply"))

    forged = client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY})
    genuine = client.post(
        f"/t/{thread.id}/reply/draft", data={"body": REPLY, "csrf_token": csrf_token(page)}
    )
    [draft] = _drafts(csrf_app, author)
    forged_discard = client.post(f"/drafts/{draft.id}/delete")

    assert forged.status_code == 400
    assert genuine.status_code == 303
    assert forged_discard.status_code == 400
    assert len(_drafts(csrf_app, author)) == 1


def test_saving_a_reply_draft_is_rate_limited(make_app, make_user, make_thread):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DRAFTS="2 per minute")
    thread = make_thread()
    client = app.test_client()
    login(client, make_user("busy-bo"))

    codes = [
        client.post(f"/t/{thread.id}/reply/draft", data={"body": REPLY}).status_code
        for _ in range(3)
    ]

    assert codes == [303, 303, 429]
