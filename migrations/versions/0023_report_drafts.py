"""report drafts: an experience report written in steps is kept on the server as the
member goes, one draft per member per board

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 18:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_report_drafts_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_report_drafts_board_id_boards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_drafts')),
    sa.UniqueConstraint('author_id', 'board_id', name=op.f('uq_report_drafts_author_id_board_id'))
    )
    op.create_index(op.f('ix_report_drafts_board_id'), 'report_drafts', ['board_id'], unique=False)
    op.create_index(op.f('ix_report_drafts_updated_at'), 'report_drafts', ['updated_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_drafts_updated_at'), table_name='report_drafts')
    op.drop_index(op.f('ix_report_drafts_board_id'), table_name='report_drafts')
    op.drop_table('report_drafts')
