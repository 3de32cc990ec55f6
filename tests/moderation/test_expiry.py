"""Silences and suspensions lift by themselves when their end time comes (a moved clock)."""

from datetime import UTC, datetime, timedelta

import time_machine

from forum.accounts.models import User
from forum.extensions import db
from forum.moderation.sanctions import impose_sanction
from tests.conftest import login

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _impose(app, moderator, member, kind, days):
    with app.app_context():
        impose_sanction(
            db.session.get(User, moderator.id),
            db.session.get(User, member.id),
            kind,
            "Cooling-off period",
            NOW + timedelta(days=days),
        )


def test_a_silence_lifts_when_its_time_is_up(app, make_thread, member, moderator):
    thread = make_thread(title="Thread during a silence")
    with time_machine.travel(NOW, tick=False) as clock:
        _impose(app, moderator, member, "silence", days=2)
        client = app.test_client()
        login(client, member, remember=True)  # still signed in two days later
        refused = client.post(f"/t/{thread.id}/reply", data={"body": "Still here"})
        assert refused.status_code == 403
        assert "silenced until 27 November 2026" in refused.get_data(as_text=True)

        clock.shift(timedelta(days=2, minutes=1))

        back = client.post(f"/t/{thread.id}/reply", data={"body": "Back"})
        assert back.status_code == 302 and "/login" not in back.headers["Location"]
        assert "You are silenced" not in client.get("/").get_data(as_text=True)


def test_a_suspension_lifts_when_its_time_is_up(app, member, moderator):
    with time_machine.travel(NOW, tick=False) as clock:
        _impose(app, moderator, member, "suspension", days=7)
        client = app.test_client()
        refused = client.post("/login/dev", data={"pseudonym": member.display_name})
        assert refused.status_code == 403
        assert "suspended until 02 December 2026" in refused.get_data(as_text=True)

        clock.shift(timedelta(days=7, minutes=1))

        assert client.post("/login/dev", data={"pseudonym": member.display_name}).status_code == 302
        assert member.display_name in client.get("/").get_data(as_text=True)
