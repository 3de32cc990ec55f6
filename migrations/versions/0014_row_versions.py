"""row versions: a counter the database bumps on every update of a row that pages show

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 18:40:00

Visitors' pages are fingerprinted by the ids and row versions of the rows they show
(forum/caching.py): one narrow query instead of loading and hashing every column. The
counter is bumped by a trigger, so every write path counts, ORM or Core, service or CLI,
and no code has to remember to.

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ("users", "boards", "threads", "posts", "experience_reports")

# SQLite cannot change NEW in a trigger: the row is updated again, which the WHEN clause
# (and SQLite's default of no recursive triggers) keeps from firing once more. An update
# that sets row_version itself is left alone.
SQLITE_TRIGGER = """CREATE TRIGGER {table}_row_version AFTER UPDATE ON {table}
    WHEN new.row_version = old.row_version
    BEGIN
        UPDATE {table} SET row_version = old.row_version + 1 WHERE id = new.id;
    END"""

POSTGRESQL_FUNCTION = """CREATE FUNCTION bump_row_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.row_version = OLD.row_version THEN
            NEW.row_version := OLD.row_version + 1;
        END IF;
        RETURN NEW;
    END $$"""

POSTGRESQL_TRIGGER = """CREATE TRIGGER {table}_row_version BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION bump_row_version()"""


def upgrade():
    for table in TABLES:
        # A constant default: instant on PostgreSQL 11+ and SQLite, whatever the size.
        op.add_column(
            table, sa.Column('row_version', sa.Integer(), server_default='1', nullable=False)
        )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(POSTGRESQL_FUNCTION)
    for table in TABLES:
        op.execute((POSTGRESQL_TRIGGER if postgresql else SQLITE_TRIGGER).format(table=table))


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_row_version" + (f" ON {table}" if postgresql else ""))
        # Not batch mode: rebuilding the table on SQLite would drop its search triggers.
        op.execute(f"ALTER TABLE {table} DROP COLUMN row_version")
    if postgresql:
        op.execute("DROP FUNCTION bump_row_version()")
