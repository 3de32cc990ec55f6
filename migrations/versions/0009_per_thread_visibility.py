"""per-thread visibility

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 20:05:00

Every thread says who may read it: 'public' or 'members' (signed-in members only).
Threads started before members could choose were public, so they become 'public'. The
server default exists only to fill them in: new threads always name their visibility
(the model has no default).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # recreate='never': on SQLite, rebuilding `threads` would drop the search trigger on it
    # (0006) and trip the foreign keys of posts; ADD COLUMN with an inline CHECK needs no
    # rebuild.
    with op.batch_alter_table('threads', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column(
            'visibility',
            sa.String(length=16),
            sa.CheckConstraint(
                "visibility IN ('public', 'members')", name=op.f('ck_threads_visibility')
            ),
            server_default='public',
            nullable=False,
        ))
    # Dropping the default again: SQLite cannot without that rebuild, and there the ORM
    # still sends every thread's visibility (the model has no default).
    if op.get_bind().dialect.name != 'sqlite':
        with op.batch_alter_table('threads', schema=None) as batch_op:
            batch_op.alter_column('visibility', server_default=None)


def downgrade():
    # SQLite (3.35+) drops a column along with its own CHECK constraint, without a rebuild.
    with op.batch_alter_table('threads', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('visibility')
