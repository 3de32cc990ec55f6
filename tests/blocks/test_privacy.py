"""Blocks in the data export (whom the member blocked; never who blocked them) and in
erasure (both ways go; tests/privacy checks every table after it as well)."""

import time

import sqlalchemy as sa

from forum.accounts.models import User
from forum.blocks.models import Block
from forum.blocks.services import set_block
from forum.extensions import db
from forum.privacy.erasure import Erasure, erase_account
from tests.conftest import login
from tests.export.conftest import download


def _block(app, blocker, blocked):
    with app.app_context():
        set_block(db.session.get(User, blocker.id), db.session.get(User, blocked.id), True)


def test_the_export_lists_whom_the_member_blocked_and_not_who_blocked_them(
    app, client, bea, fred, make_user
):
    olive = make_user("olive-other")
    _block(app, bea, fred)
    _block(app, olive, bea)  # Olive's choice: not in Bea's export
    login(client, bea)
    export = download(client)
    assert [entry["member"] for entry in export.document["blocks"]] == ["fred"]
    assert export.document["blocks"][0]["created_at"]
    assert "olive-other" not in export.raw_json
    assert "blocks" in export.readme
    assert "Not who blocked you" in " ".join(export.readme.split())


def test_erasure_takes_the_blocks_both_ways(app, bea, fred, make_user):
    olive = make_user("olive-other")
    _block(app, bea, fred)
    _block(app, olive, bea)
    _block(app, olive, fred)  # nothing to do with Bea: it stays
    with app.app_context():
        erase_account(
            db.session.get(User, bea.id), Erasure("keep", "keep"), "bea-blocks", time.time(), 600
        )
        rows = db.session.execute(sa.select(Block.blocker_id, Block.blocked_id)).all()
    assert [tuple(row) for row in rows] == [(olive.id, fred.id)]
