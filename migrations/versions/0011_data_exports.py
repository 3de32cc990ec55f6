"""data exports

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 20:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('file_name', sa.String(length=64), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'building', 'ready', 'failed')", name=op.f('ck_data_exports_status')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
        sa.UniqueConstraint('file_name', name=op.f('uq_data_exports_file_name')),
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_data_exports_in_progress', ['user_id'], unique=True, sqlite_where=sa.text("status IN ('queued', 'building')"), postgresql_where=sa.text("status IN ('queued', 'building')"))


def downgrade():
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index('uq_data_exports_in_progress', sqlite_where=sa.text("status IN ('queued', 'building')"), postgresql_where=sa.text("status IN ('queued', 'building')"))
        batch_op.drop_index(batch_op.f('ix_data_exports_user_id'))
    op.drop_table('data_exports')
