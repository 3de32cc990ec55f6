"""row versions: a counter the database bumps on every update of a row that pages show

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 18:40:00

Visitors' pages are fingerprinted by the ids and row versions of the rows they show
(forum/caching.py): one narrow query instead of loading and hashing every column. The
counter is bumped by a trigger, so every write path counts, ORM or Core, service or CLI,
and no code has to remember to.

A board's version also counts every change to what its outcomes summarise: a report filed,
edited or removed for it, a post carrying one changing state, a thread holding one being
hidden or shown. The outcomes page is then tagged by its board's row alone.

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

# What the outcomes of a board summarise (forum/reports/outcomes.py): its reports, counted
# only on visible posts in threads that are not hidden.
TOUCH_BOARDS = "UPDATE boards SET row_version = row_version + 1 WHERE id IN ({})"
REPORT_BOARD_OF_POST = "SELECT board_id FROM experience_reports WHERE post_id = {}.id"
REPORT_BOARDS_OF_THREAD = """SELECT r.board_id FROM experience_reports r
    JOIN posts p ON p.id = r.post_id WHERE p.thread_id = {}.id"""

SQLITE_OUTCOME_TRIGGERS = [
    f"""CREATE TRIGGER experience_reports_touch_board_insert AFTER INSERT ON experience_reports
    BEGIN {TOUCH_BOARDS.format("new.board_id")}; END""",
    # Not for the row-version trigger's own update of the row (new.row_version moved on).
    f"""CREATE TRIGGER experience_reports_touch_board_update AFTER UPDATE ON experience_reports
    WHEN new.row_version = old.row_version
    BEGIN {TOUCH_BOARDS.format("new.board_id, old.board_id")}; END""",
    f"""CREATE TRIGGER experience_reports_touch_board_delete AFTER DELETE ON experience_reports
    BEGIN {TOUCH_BOARDS.format("old.board_id")}; END""",
    f"""CREATE TRIGGER posts_touch_report_board AFTER UPDATE OF state ON posts
    WHEN new.state IS NOT old.state
    BEGIN {TOUCH_BOARDS.format(REPORT_BOARD_OF_POST.format("new"))}; END""",
    f"""CREATE TRIGGER threads_touch_report_boards AFTER UPDATE OF is_hidden ON threads
    WHEN new.is_hidden IS NOT old.is_hidden
    BEGIN {TOUCH_BOARDS.format(REPORT_BOARDS_OF_THREAD.format("new"))}; END""",
]
SQLITE_OUTCOME_TRIGGER_NAMES = [
    "experience_reports_touch_board_insert",
    "experience_reports_touch_board_update",
    "experience_reports_touch_board_delete",
    "posts_touch_report_board",
    "threads_touch_report_boards",
]

POSTGRESQL_OUTCOME_TRIGGERS = [
    f"""CREATE FUNCTION touch_report_board() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {TOUCH_BOARDS.format("NEW.board_id")};
        ELSIF TG_OP = 'UPDATE' THEN {TOUCH_BOARDS.format("NEW.board_id, OLD.board_id")};
        ELSE {TOUCH_BOARDS.format("OLD.board_id")};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER experience_reports_touch_board
    AFTER INSERT OR UPDATE OR DELETE ON experience_reports
    FOR EACH ROW EXECUTE FUNCTION touch_report_board()""",
    f"""CREATE FUNCTION touch_report_board_of_post() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {TOUCH_BOARDS.format(REPORT_BOARD_OF_POST.format("NEW"))}; RETURN NULL; END $$""",
    """CREATE TRIGGER posts_touch_report_board AFTER UPDATE OF state ON posts
    FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state)
    EXECUTE FUNCTION touch_report_board_of_post()""",
    f"""CREATE FUNCTION touch_report_boards_of_thread() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {TOUCH_BOARDS.format(REPORT_BOARDS_OF_THREAD.format("NEW"))}; RETURN NULL; END $$""",
    """CREATE TRIGGER threads_touch_report_boards AFTER UPDATE OF is_hidden ON threads
    FOR EACH ROW WHEN (NEW.is_hidden IS DISTINCT FROM OLD.is_hidden)
    EXECUTE FUNCTION touch_report_boards_of_thread()""",
]
POSTGRESQL_OUTCOME_DOWN = [
    "DROP TRIGGER threads_touch_report_boards ON threads",
    "DROP FUNCTION touch_report_boards_of_thread()",
    "DROP TRIGGER posts_touch_report_board ON posts",
    "DROP FUNCTION touch_report_board_of_post()",
    "DROP TRIGGER experience_reports_touch_board ON experience_reports",
    "DROP FUNCTION touch_report_board()",
]

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
    for statement in POSTGRESQL_OUTCOME_TRIGGERS if postgresql else SQLITE_OUTCOME_TRIGGERS:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for statement in POSTGRESQL_OUTCOME_DOWN:
            op.execute(statement)
    else:
        for name in SQLITE_OUTCOME_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {name}")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_row_version" + (f" ON {table}" if postgresql else ""))
        # Not batch mode: rebuilding the table on SQLite would drop its search triggers.
        op.execute(f"ALTER TABLE {table} DROP COLUMN row_version")
    if postgresql:
        op.execute("DROP FUNCTION bump_row_version()")
