"""search vectors in the row on PostgreSQL: a walk over the newest posts reads no TOAST

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:00:00

A search walks the newest posts and tests each one's `search_vector` (forum/search/
services.py). A post's row (its source, its rendered HTML and its vector) is about 2.7 kB,
over the 2 kB at which PostgreSQL moves its largest value out of the row: the vector, so
every post walked cost a lookup in the TOAST table. Stored MAIN, the vector stays in the
row and the post's source and HTML go out of it instead; they are read for
the 20 posts a page shows, not for every post walked. Walking the newest 10,000 posts
took 32-39 ms before and 13 ms after, measured on copies of them.

ALTER ... SET STORAGE changes only rows written from then on, so VACUUM FULL rewrites the
table (outside the migration's transaction: PostgreSQL refuses it inside one). It holds
the table for the rewrite: about a minute at a million posts, and it needs room for a
second copy of the table while it runs. SQLite's full-text table is separate from posts
already: nothing changes there.
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _is_postgresql():
        return
    op.execute("ALTER TABLE posts ALTER COLUMN search_vector SET STORAGE MAIN")
    with op.get_context().autocommit_block():
        op.execute("VACUUM FULL posts")
        # VACUUM FULL leaves every page unmarked in the visibility map: until a plain
        # VACUUM marks them, index-only scans (a walk's next start) read the heap too.
        op.execute("VACUUM posts")


def downgrade():
    # Rows written from now on move their vectors out again; the rest stay where they
    # are, which reads the same. No rewrite: it would hold the table for nothing.
    if _is_postgresql():
        op.execute("ALTER TABLE posts ALTER COLUMN search_vector SET STORAGE EXTENDED")
