"""data exports: built archives are kept in the database, in pieces, so any app host serves
what any host built; the exports folder (FORUM_EXPORT_DIR) goes. Exports built before this
migration show as expired: their members ask for a new one.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 09:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('data_exports') as batch_op:
        batch_op.add_column(sa.Column('size_bytes', sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f('uq_data_exports_file_name'), type_='unique')
        batch_op.drop_column('file_name')
    op.create_table('data_export_chunks',
    sa.Column('export_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['export_id'], ['data_exports.id'], name=op.f('fk_data_export_chunks_export_id_data_exports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('export_id', 'position', name=op.f('pk_data_export_chunks'))
    )


def downgrade():
    op.drop_table('data_export_chunks')
    with op.batch_alter_table('data_exports') as batch_op:
        batch_op.add_column(sa.Column('file_name', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_data_exports_file_name'), ['file_name'])
        batch_op.drop_column('size_bytes')
