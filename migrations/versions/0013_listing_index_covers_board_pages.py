"""board listing index covers its pages

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 20:45:00

A board's pages read this index alone (index-only on PostgreSQL, a covering index on
SQLite): is_hidden and id join the columns, so skipping to a deep page never touches
the threads table, and the query filters on is_hidden inside the index.

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_board_listing')
        batch_op.create_index(
            'ix_threads_board_listing',
            ['board_id', 'is_hidden', 'is_pinned', 'last_post_at', 'id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_board_listing')
        batch_op.create_index(
            'ix_threads_board_listing', ['board_id', 'is_pinned', 'last_post_at'], unique=False
        )
