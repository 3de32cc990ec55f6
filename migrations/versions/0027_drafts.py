"""drafts: replies and new threads keep a draft on the server too, in one table with the
experience reports' drafts (one per member per place), which it takes over as kind 'report'

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('place', sa.String(length=40), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('report', 'thread', 'reply')", name=op.f('ck_drafts_kind')),
    sa.CheckConstraint("(kind = 'reply') = (thread_id IS NOT NULL)", name=op.f('ck_drafts_reply_thread')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_drafts_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_drafts_board_id_boards')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_drafts_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('author_id', 'place', name=op.f('uq_drafts_author_id_place'))
    )
    op.create_index(op.f('ix_drafts_board_id'), 'drafts', ['board_id'], unique=False)
    op.create_index(op.f('ix_drafts_thread_id'), 'drafts', ['thread_id'], unique=False)
    op.create_index(op.f('ix_drafts_updated_at'), 'drafts', ['updated_at'], unique=False)
    # Every report draft carries on, one per member per board as before.
    op.execute(
        "INSERT INTO drafts (author_id, kind, place, board_id, thread_id, answers, step,"
        " created_at, updated_at)"
        " SELECT author_id, 'report', 'report:' || CAST(board_id AS VARCHAR(20)), board_id,"
        " NULL, answers, step, created_at, updated_at FROM report_drafts"
    )
    op.drop_index(op.f('ix_report_drafts_updated_at'), table_name='report_drafts')
    op.drop_index(op.f('ix_report_drafts_board_id'), table_name='report_drafts')
    op.drop_table('report_drafts')


def downgrade():
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
    # Drafts of replies and new threads have no place in the old table: they are lost.
    op.execute(
        "INSERT INTO report_drafts (author_id, board_id, answers, step, created_at, updated_at)"
        " SELECT author_id, board_id, answers, step, created_at, updated_at FROM drafts"
        " WHERE kind = 'report'"
    )
    op.drop_index(op.f('ix_drafts_updated_at'), table_name='drafts')
    op.drop_index(op.f('ix_drafts_thread_id'), table_name='drafts')
    op.drop_index(op.f('ix_drafts_board_id'), table_name='drafts')
    op.drop_table('drafts')
