"""search the newest posts first on SQLite: a second FTS5 index of the newest 10,000 posts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:00:00

A search ranks the newest 1,000 matches with FTS5's bm25(), which weighs each of the
query's phrases by how many posts hold it and counts them on every search by reading the
phrase's whole list of posts: a word a quarter of the posts contain cost 3.8 ms at 10,000
posts and 59 ms at a million. `post_search_recent` indexes the posts with the newest
10,000 ids only, kept so by the same triggers that keep `post_search`: a search whose
1,000 candidates are all among them (a common word, a treatment's names) ranks them there,
at the cost of an index of 10,000 posts whatever the forum's size; a rarer query, whose
lists are short, goes to the full index as before. PostgreSQL walks its newest posts
instead (forum/search/services.py): nothing changes there.
"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# The newest this many ids; forum/search/schema.py RECENT_POSTS says the same.
RECENT = 10_000
ROW = """SELECT posts.id, CASE WHEN posts.position = 1 THEN threads.title ELSE '' END,
               posts.body_source
        FROM posts JOIN threads ON threads.id = posts.thread_id"""

UPGRADE = [
    """CREATE VIRTUAL TABLE post_search_recent USING fts5(
        title, body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    # A new post comes in; the one that is no longer among the newest ids goes out.
    f"""CREATE TRIGGER post_search_recent_insert AFTER INSERT ON posts BEGIN
        INSERT INTO post_search_recent (rowid, title, body) {ROW} WHERE posts.id = new.id;
        DELETE FROM post_search_recent WHERE rowid <= new.id - {RECENT};
    END""",
    f"""CREATE TRIGGER post_search_recent_update AFTER UPDATE OF body_source, position
        ON posts BEGIN
        DELETE FROM post_search_recent WHERE rowid = old.id;
        INSERT INTO post_search_recent (rowid, title, body) {ROW}
        WHERE posts.id = new.id AND new.id > (SELECT max(id) FROM posts) - {RECENT};
    END""",
    """CREATE TRIGGER post_search_recent_delete AFTER DELETE ON posts BEGIN
        DELETE FROM post_search_recent WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER post_search_recent_retitle AFTER UPDATE OF title ON threads BEGIN
        UPDATE post_search_recent SET title = new.title
        WHERE rowid = (SELECT id FROM posts WHERE thread_id = new.id AND position = 1);
    END""",
    f"""INSERT INTO post_search_recent (rowid, title, body) {ROW}
        WHERE posts.id > (SELECT max(id) FROM posts) - {RECENT}""",
]

DOWNGRADE = [
    "DROP TRIGGER post_search_recent_retitle",
    "DROP TRIGGER post_search_recent_delete",
    "DROP TRIGGER post_search_recent_update",
    "DROP TRIGGER post_search_recent_insert",
    "DROP TABLE post_search_recent",
]


def _run(statements):
    if op.get_bind().dialect.name == "sqlite":
        for statement in statements:
            op.execute(statement)


def upgrade():
    _run(UPGRADE)


def downgrade():
    _run(DOWNGRADE)
