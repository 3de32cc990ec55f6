"""search: SQLite FTS5 table or PostgreSQL tsvector column, kept up to date by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 18:00:00

Each post is indexed with its body and, for a thread's first post, the thread's title.
Triggers keep the index in step with every write path (new posts, edits, approvals that
give a reply its place, thread renames), so no service has to remember to.
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_UP = [
    # porter: "injections" finds "injection"; remove_diacritics: "neuralgie" = "névralgie".
    """CREATE VIRTUAL TABLE post_search USING fts5(
        title, body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER post_search_insert AFTER INSERT ON posts BEGIN
        INSERT INTO post_search (rowid, title, body) VALUES (
            new.id,
            CASE WHEN new.position = 1
                 THEN (SELECT title FROM threads WHERE id = new.thread_id) ELSE '' END,
            new.body_source);
    END""",
    """CREATE TRIGGER post_search_update AFTER UPDATE OF body_source, position ON posts BEGIN
        DELETE FROM post_search WHERE rowid = old.id;
        INSERT INTO post_search (rowid, title, body) VALUES (
            new.id,
            CASE WHEN new.position = 1
                 THEN (SELECT title FROM threads WHERE id = new.thread_id) ELSE '' END,
            new.body_source);
    END""",
    """CREATE TRIGGER post_search_delete AFTER DELETE ON posts BEGIN
        DELETE FROM post_search WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER post_search_retitle AFTER UPDATE OF title ON threads BEGIN
        UPDATE post_search SET title = new.title
        WHERE rowid = (SELECT id FROM posts WHERE thread_id = new.id AND position = 1);
    END""",
    """INSERT INTO post_search (rowid, title, body)
        SELECT posts.id, CASE WHEN posts.position = 1 THEN threads.title ELSE '' END,
               posts.body_source
        FROM posts JOIN threads ON threads.id = posts.thread_id""",
]

SQLITE_DOWN = [
    "DROP TRIGGER post_search_retitle",
    "DROP TRIGGER post_search_delete",
    "DROP TRIGGER post_search_update",
    "DROP TRIGGER post_search_insert",
    "DROP TABLE post_search",
]

POSTGRESQL_UP = [
    "ALTER TABLE posts ADD COLUMN search_vector tsvector",
    # The title weighs more than the body (A over B) in the ranking.
    """CREATE FUNCTION posts_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', CASE WHEN NEW.position = 1 THEN
                coalesce((SELECT title FROM threads WHERE id = NEW.thread_id), '')
                ELSE '' END), 'A')
            || setweight(to_tsvector('english', NEW.body_source), 'B');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER posts_search_vector BEFORE INSERT OR UPDATE OF body_source, position
        ON posts FOR EACH ROW EXECUTE FUNCTION posts_search_vector()""",
    # A renamed thread touches its first post, whose trigger then indexes the new title.
    """CREATE FUNCTION threads_search_retitle() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET position = position WHERE thread_id = NEW.id AND position = 1;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER threads_search_retitle AFTER UPDATE OF title ON threads
        FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
        EXECUTE FUNCTION threads_search_retitle()""",
    """UPDATE posts SET search_vector =
        setweight(to_tsvector('english', CASE WHEN posts.position = 1 THEN threads.title
                                          ELSE '' END), 'A')
        || setweight(to_tsvector('english', posts.body_source), 'B')
        FROM threads WHERE threads.id = posts.thread_id""",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER threads_search_retitle ON threads",
    "DROP FUNCTION threads_search_retitle()",
    "DROP TRIGGER posts_search_vector ON posts",
    "DROP FUNCTION posts_search_vector()",
    "DROP INDEX ix_posts_search_vector",
    "ALTER TABLE posts DROP COLUMN search_vector",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_UP)
    else:
        _run(SQLITE_UP)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_DOWN)
    else:
        _run(SQLITE_DOWN)
