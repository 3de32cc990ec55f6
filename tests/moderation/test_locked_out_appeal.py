"""A suspended or banned member cannot sign in, but can still read why and appeal."""

from datetime import timedelta

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db, utcnow
from forum.moderation.models import Appeal
from forum.moderation.sanctions import impose_sanction


def _suspend(app, moderator, member, kind="suspension"):
    with app.app_context():
        impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, member.id),
            kind,
            "Repeated harassment",
            utcnow() + timedelta(days=7) if kind == "suspension" else None,
        )


def test_suspended_member_is_refused_but_can_appeal(app, client, member, moderator):
    _suspend(app, moderator, member)

    refused = client.post("/login/dev", data={"pseudonym": member.display_name})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "suspended until" in page
    assert "See the decision and appeal it" in page

    sanctions_page = client.get("/settings/sanctions").get_data(as_text=True)
    assert "Repeated harassment" in sanctions_page
    with app.app_context():
        sanction_id = db.session.scalar(sa.text("SELECT id FROM sanctions"))
    appeal = client.post(
        f"/settings/sanctions?sanction={sanction_id}",
        data={"text": "I was quoting the other member, not insulting them."},
    )
    assert appeal.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 1

    # Still not signed in anywhere else.
    assert client.get("/settings").status_code == 302
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_banned_member_can_appeal_too(app, client, member, moderator):
    _suspend(app, moderator, member, kind="ban")
    refused = client.post("/login/dev", data={"pseudonym": member.display_name})
    assert "banned" in refused.get_data(as_text=True)
    assert "Repeated harassment" in client.get("/settings/sanctions").get_data(as_text=True)


def test_visitors_without_a_refused_sign_in_are_sent_to_sign_in(client):
    response = client.get("/settings/sanctions")
    assert response.status_code == 302
    assert response.location.startswith("/login")
