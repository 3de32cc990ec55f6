"""server-side sessions: one row per device a member is signed in on

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:00:00

The session and remember-me cookies carry a random token; `member_sessions` keeps its
SHA-256 digest, so deleting a row signs that device out. users.session_version is no longer
read; it stays, since dropping a column rebuilds the users table (and its triggers) on SQLite.
Everyone signed in before this migration signs in again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'member_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('remember', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('device', sa.String(length=60), server_default='', nullable=False),
        sa.Column('network', sa.String(length=49), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_member_sessions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member_sessions')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_member_sessions_token_digest')),
    )
    with op.batch_alter_table('member_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('member_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_sessions_user_id'))
    op.drop_table('member_sessions')
