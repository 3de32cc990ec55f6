"""The migrations build exactly the schema the models describe."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from forum.extensions import db
from forum.search.schema import include_object
from tests.conftest import ON_POSTGRESQL


def test_models_and_migrations_agree(app):
    """The test database was built by `flask db upgrade`; autogenerate finds nothing to add."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_are_at_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    with app.app_context():
        migrate = app.extensions["migrate"]
        config = Config(f"{migrate.directory}/alembic.ini")
        config.set_main_option("script_location", migrate.directory)
        heads = ScriptDirectory.from_config(config).get_heads()
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    assert len(heads) == 1, "migrations have more than one head"
    assert set(current) == set(heads)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="how PostgreSQL stores the search vector")
def test_search_vectors_stay_in_their_posts_rows(app):
    """Migration 0016: a search walking the newest posts reads each vector from the post's
    row ('m', MAIN), not from the TOAST table, where the default ('x') put it."""
    with app.app_context():
        storage = db.session.scalar(
            sa.text(
                "SELECT attstorage FROM pg_attribute"
                " WHERE attrelid = 'posts'::regclass AND attname = 'search_vector'"
            )
        )
    assert storage == "m"
