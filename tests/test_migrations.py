"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from forum.extensions import db
from forum.search.schema import include_object


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
