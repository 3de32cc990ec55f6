"""patient safety: automatic crisis flags, declared interests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:00:00

A post that matches a crisis phrase gets an urgent flag that no member filed, so a flag's
flagger becomes optional. Members can declare a tie to a clinic, device maker or drug
company; it is shown next to their pseudonym.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _open_flag_index() -> None:
    op.create_index(
        'uq_flags_open_per_member', 'flags', ['post_id', 'flagger_id'], unique=True,
        sqlite_where=sa.text('outcome IS NULL'), postgresql_where=sa.text('outcome IS NULL'),
    )


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_interest', sa.String(length=200), nullable=True))

    # SQLite rebuilds the table to change a column: the partial index is dropped first and
    # made again after, so its WHERE clause survives the rebuild.
    op.drop_index('uq_flags_open_per_member', table_name='flags')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.alter_column('flagger_id', existing_type=sa.Integer(), nullable=True)
    _open_flag_index()


def downgrade():
    op.execute('DELETE FROM flags WHERE flagger_id IS NULL')
    op.drop_index('uq_flags_open_per_member', table_name='flags')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.alter_column('flagger_id', existing_type=sa.Integer(), nullable=False)
    _open_flag_index()

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('declared_interest')
