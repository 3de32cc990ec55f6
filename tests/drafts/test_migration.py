"""Migration 0027 moves the experience reports' drafts into the one drafts table: a member
halfway through a report when the site is upgraded finds it where they left it."""

import json
import os
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa

from forum import create_app
from forum.extensions import db
from tests.conftest import base_config

STORY = {"title": "Third ESI, half written", "body": "It started on a Monday."}


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own, empty, on the server the tests run on."""
    server = os.environ.get("FORUM_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    server_url = sa.make_url(server).set(drivername="postgresql+psycopg")
    name = f"firsthand_upgrade_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_a_report_draft_survives_the_upgrade(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        flask_migrate.upgrade(revision="0023")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, display_name, display_name_key, created_at)"
                    " VALUES (1, 'halfway-hal', 'halfway-hal', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO boards (id, slug, name, category, description, aliases, position)"
                    " VALUES (7, 'epidurals', 'Epidurals', 'Treatments', '', '[]', 1)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO report_drafts (author_id, board_id, answers, step, created_at,"
                    " updated_at) VALUES (1, 7, :answers, 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"answers": json.dumps(STORY)},
            )

        flask_migrate.upgrade(revision="0027")

        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT author_id, kind, place, board_id, thread_id, step FROM drafts")
            ).all()
            answers = connection.execute(sa.text("SELECT answers FROM drafts")).scalar_one()
            tables = sa.inspect(connection).get_table_names()
        db.engine.dispose()

    assert [tuple(row) for row in rows] == [(1, "report", "report:7", 7, None, 2)]
    assert (json.loads(answers) if isinstance(answers, str) else answers) == STORY
    assert "report_drafts" not in tables
