"""reactions: members' "Helpful" and "Me too" on posts, the posts' two counters, a
setting to hear of them, and the notification kind that batches them per post

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 19:30:00

The notifications table gains a kind. PostgreSQL swaps the CHECK constraint in place;
SQLite cannot alter a constraint, so the table is rebuilt (it has no triggers) and its
indexes made again, as 0022 did. posts and users gain plain ADD COLUMNs, which keep their
row-version triggers.

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'reply', 'thread', 'mention', 'quote', 'flag_decided', 'post_hidden', "
    "'post_restored', 'sanction', 'appeal_decided', 'followup', 'report_excluded', "
    "'exclusion_decided'"
)
NEW_KINDS = OLD_KINDS + ", 'reaction'"
UNREAD_REACTION = "read_at IS NULL AND kind = 'reaction'"


def _notification_kinds(kinds: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_notifications_kind'), 'notifications', type_='check')
        op.create_check_constraint(op.f('ck_notifications_kind'), 'notifications', f"kind IN ({kinds})")
        return
    op.create_table('notifications_rebuilt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('text', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"kind IN ({kinds})", name='ck_notifications_kind'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name='fk_notifications_actor_id_users'),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name='fk_notifications_board_id_boards'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name='fk_notifications_post_id_posts'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name='fk_notifications_thread_id_threads'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_notifications_user_id_users'),
    sa.PrimaryKeyConstraint('id', name='pk_notifications')
    )
    op.execute('INSERT INTO notifications_rebuilt SELECT id, user_id, kind, thread_id, post_id, '
               'board_id, actor_id, count, text, created_at, updated_at, read_at, mailed_at '
               'FROM notifications')
    op.drop_table('notifications')
    op.rename_table('notifications_rebuilt', 'notifications')
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at', 'updated_at'], unique=False)
    op.create_index('uq_notifications_unread_reply', 'notifications', ['user_id', 'thread_id'], unique=True, sqlite_where=sa.text("read_at IS NULL AND kind = 'reply'"))


def upgrade():
    op.add_column('posts', sa.Column('helpful_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('posts', sa.Column('me_too_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('users', sa.Column('notify_reactions', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table('reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('helpful', 'me_too')", name=op.f('ck_reactions_kind')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_reactions_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reactions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reactions')),
    sa.UniqueConstraint('post_id', 'user_id', 'kind', name=op.f('uq_reactions_post_id_user_id_kind'))
    )
    op.create_index(op.f('ix_reactions_user_id'), 'reactions', ['user_id'], unique=False)
    _notification_kinds(NEW_KINDS)
    op.create_index('uq_notifications_unread_reaction', 'notifications', ['user_id', 'post_id'], unique=True, sqlite_where=sa.text(UNREAD_REACTION), postgresql_where=sa.text(UNREAD_REACTION))


def downgrade():
    op.drop_index('uq_notifications_unread_reaction', table_name='notifications')
    op.execute("DELETE FROM notifications WHERE kind = 'reaction'")
    _notification_kinds(OLD_KINDS)
    op.drop_index(op.f('ix_reactions_user_id'), table_name='reactions')
    op.drop_table('reactions')
    op.drop_column('users', 'notify_reactions')
    op.drop_column('posts', 'me_too_count')
    op.drop_column('posts', 'helpful_count')
