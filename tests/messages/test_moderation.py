"""Reports: either side reports a message; that conversation, and only that one, reaches
the moderators' queue and opens to them; they keep it or remove the message (a strike,
logged)."""

import sqlalchemy as sa

from forum.accounts.models import User
from forum.extensions import db
from forum.messages.models import Message, MessageReport
from forum.moderation_log import ModerationAction
from tests.conftest import login
from tests.messages.conftest import conversation_id, reply, start, text


def _ids(app, cid: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Message.id).where(Message.conversation_id == cid).order_by(Message.id)
            )
        )


def _setup(app, ana, ben):
    """Ana writes to Ben something Ben reports; a second, unreported, conversation too."""
    writer, reader = app.test_client(), app.test_client()
    login(writer, ana)
    login(reader, ben)
    cid = conversation_id(start(writer, "ben", subject="Buy my device", body="Cheap stimulators!"))
    other = conversation_id(start(writer, "ben", subject="Unreported", body="Only between us"))
    return writer, reader, cid, other


def test_a_report_opens_that_conversation_only_to_moderators(app, ana, ben, moderator):
    writer, reader, cid, other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    mod = app.test_client()
    login(mod, moderator)
    assert mod.get(f"/moderation/conversations/{cid}").status_code == 404  # nobody reported it

    form = reader.get(f"/messages/{cid}/m/{message_id}/report")
    assert "A moderator will then be able to read this whole conversation" in text(form)
    sent = reader.post(
        f"/messages/{cid}/m/{message_id}/report", data={"reason": "spam", "note": "Selling"}
    )
    assert sent.status_code == 302
    assert "Reported." in text(reader.get(sent.headers["Location"]))

    queue = text(mod.get("/moderation"))
    assert "Reported conversations" in queue
    assert f"/moderation/conversations/{cid}" in queue
    assert "Selling, advertising or a scam" in queue and "Selling" in queue
    assert "Cheap stimulators!" not in queue  # the text opens on its own page
    page = text(mod.get(f"/moderation/conversations/{cid}"))
    assert "Cheap stimulators!" in page
    # The other conversation stays closed to moderators.
    assert mod.get(f"/moderation/conversations/{other}").status_code == 404
    assert f"/moderation/conversations/{other}" not in queue
    assert mod.get(f"/messages/{cid}").status_code == 404  # not theirs to write in


def test_one_cannot_report_ones_own_message_or_as_an_outsider(app, ana, ben, cleo):
    writer, _reader, cid, _other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    refused = writer.post(f"/messages/{cid}/m/{message_id}/report", data={"reason": "spam"})
    assert refused.status_code == 403
    outsider = app.test_client()
    login(outsider, cleo)
    assert (
        outsider.post(f"/messages/{cid}/m/{message_id}/report", data={"reason": "spam"}).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageReport)) == 0


def test_a_report_without_a_reason_keeps_the_note(app, ana, ben):
    _writer, reader, cid, _other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    refused = reader.post(f"/messages/{cid}/m/{message_id}/report", data={"note": "Pushy seller"})
    assert refused.status_code == 422
    assert "Please choose a reason." in text(refused)
    assert "Pushy seller" in text(refused)


def test_removing_a_reported_message_strikes_and_logs(app, ana, ben, moderator):
    writer, reader, cid, _other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    reader.post(f"/messages/{cid}/m/{message_id}/report", data={"reason": "spam"})
    reply(writer, cid, "Still selling")
    mod = app.test_client()
    login(mod, moderator)
    decided = mod.post(
        f"/moderation/conversations/{cid}/decide",
        data={"decision": "removed", "reason": "Advertising"},
    )
    assert decided.status_code == 302
    for client in (writer, reader):
        page = text(client.get(f"/messages/{cid}"))
        assert "Cheap stimulators!" not in page
        assert "A moderator removed this message after it was reported." in page
        assert "Still selling" in page  # only the reported message goes
    with app.app_context():
        assert db.session.get(User, ana.id).last_strike_at is not None
        line = db.session.scalars(
            sa.select(ModerationAction).where(ModerationAction.action == "message_removed")
        ).one()
        assert (line.target_type, line.target_id) == ("message", message_id)
        assert line.subject_user_id == ana.id and line.reason == "Advertising"
    assert f"/moderation/conversations/{cid}" not in text(mod.get("/moderation"))
    # Decided: the conversation stays open to moderators (the decision can be reviewed).
    assert "Every report here is decided." in text(mod.get(f"/moderation/conversations/{cid}"))


def test_keeping_changes_nothing_but_the_queue(app, ana, ben, moderator):
    _writer, reader, cid, _other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    reader.post(f"/messages/{cid}/m/{message_id}/report", data={"reason": "other"})
    mod = app.test_client()
    login(mod, moderator)
    mod.post(f"/moderation/conversations/{cid}/decide", data={"decision": "kept"})
    assert "Cheap stimulators!" in text(reader.get(f"/messages/{cid}"))
    with app.app_context():
        assert db.session.get(User, ana.id).last_strike_at is None
        assert (
            db.session.scalar(
                sa.select(ModerationAction.action).where(ModerationAction.target_id == cid)
            )
            == "message_report_kept"
        )
    again = mod.post(f"/moderation/conversations/{cid}/decide", data={"decision": "kept"})
    assert again.status_code == 422
    assert "No report in this conversation is waiting" in text(again)


def test_a_member_cannot_open_the_moderators_page(app, ana, ben):
    _writer, reader, cid, _other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    reader.post(f"/messages/{cid}/m/{message_id}/report", data={"reason": "spam"})
    assert reader.get(f"/moderation/conversations/{cid}").status_code == 403
    assert (
        reader.post(
            f"/moderation/conversations/{cid}/decide", data={"decision": "kept"}
        ).status_code
        == 403
    )


def test_leaving_a_reported_conversation_keeps_it_for_the_moderators(app, ana, ben, moderator):
    writer, reader, cid, _other = _setup(app, ana, ben)
    [message_id] = _ids(app, cid)
    reader.post(f"/messages/{cid}/m/{message_id}/report", data={"reason": "harassment"})
    reader.post(f"/messages/{cid}/leave")
    writer.post(f"/messages/{cid}/leave")
    mod = app.test_client()
    login(mod, moderator)
    assert "Cheap stimulators!" in text(mod.get(f"/moderation/conversations/{cid}"))
