"""member_notes: moderators' dated notes on members

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 22:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("body <> ''", name=op.f('ck_member_notes_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_member_notes_author_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_member_notes_member_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_notes'))
    )
    op.create_index(op.f('ix_member_notes_author_id'), 'member_notes', ['author_id'], unique=False)
    op.create_index(op.f('ix_member_notes_member_id'), 'member_notes', ['member_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_member_notes_member_id'), table_name='member_notes')
    op.drop_index(op.f('ix_member_notes_author_id'), table_name='member_notes')
    op.drop_table('member_notes')
