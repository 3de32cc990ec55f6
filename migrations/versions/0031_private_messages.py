"""private messages: conversations between two or three members, their messages, members'
reports of a message, who may write to a member, and the notification kind that batches
new messages per conversation

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 02:40:00

users gains a plain ADD COLUMN with its CHECK, which keeps its row-version triggers. The
notifications table gains a column with a foreign key and a kind: PostgreSQL alters it in
place; SQLite cannot add a constraint to a table, so the table is rebuilt (it has no
triggers) and its indexes made again, as 0024 did.

"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'reply', 'thread', 'mention', 'quote', 'flag_decided', 'post_hidden', "
    "'post_restored', 'sanction', 'appeal_decided', 'followup', 'report_excluded', "
    "'exclusion_decided', 'reaction'"
)
NEW_KINDS = OLD_KINDS + ", 'message'"
UNREAD = "read_at IS NULL AND kind = '{}'"
COLUMNS = ('id, user_id, kind, thread_id, post_id, board_id, actor_id, count, text, '
           'created_at, updated_at, read_at, mailed_at')


def _rebuild_sqlite_notifications(kinds: str, with_conversation: bool) -> None:
    columns = [
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
        sa.PrimaryKeyConstraint('id', name='pk_notifications'),
    ]
    if with_conversation:
        columns += [
            sa.Column('conversation_id', sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                    name='fk_notifications_conversation_id_conversations',
                                    ondelete='CASCADE'),
        ]
    op.create_table('notifications_rebuilt', *columns)
    op.execute(f'INSERT INTO notifications_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM notifications')
    op.drop_table('notifications')
    op.rename_table('notifications_rebuilt', 'notifications')
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at', 'updated_at'], unique=False)
    op.create_index('uq_notifications_unread_reply', 'notifications', ['user_id', 'thread_id'], unique=True, sqlite_where=sa.text(UNREAD.format('reply')))
    op.create_index('uq_notifications_unread_reaction', 'notifications', ['user_id', 'post_id'], unique=True, sqlite_where=sa.text(UNREAD.format('reaction')))


def upgrade():
    op.add_column('users', sa.Column(
        'accept_messages', sa.String(length=10),
        sa.CheckConstraint("accept_messages IN ('anyone', 'talked', 'nobody')",
                           name=op.f('ck_users_accept_messages')),
        server_default='anyone', nullable=False))
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('starter_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("subject <> ''", name=op.f('ck_conversations_subject_not_empty')),
    sa.ForeignKeyConstraint(['starter_id'], ['users.id'], name=op.f('fk_conversations_starter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    op.create_index(op.f('ix_conversations_starter_id'), 'conversations', ['starter_id'], unique=False)
    op.create_table('conversation_members',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_up_to', sa.Integer(), server_default='0', nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_members_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_members_user_id_users')),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id', name=op.f('pk_conversation_members'))
    )
    op.create_index('ix_conversation_members_user', 'conversation_members', ['user_id', 'left_at'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    op.create_index(op.f('ix_messages_author_id'), 'messages', ['author_id'], unique=False)
    op.create_index(op.f('ix_messages_conversation_id'), 'messages', ['conversation_id'], unique=False)
    op.create_table('message_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("outcome IN ('kept', 'removed')", name=op.f('ck_message_reports_outcome')),
    sa.CheckConstraint("reason IN ('harassment', 'spam', 'self_harm', 'other')", name=op.f('ck_message_reports_reason')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_message_reports_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_reports_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_message_reports_reporter_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_message_reports_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reports'))
    )
    op.create_index(op.f('ix_message_reports_conversation_id'), 'message_reports', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_message_reports_message_id'), 'message_reports', ['message_id'], unique=False)
    op.create_index(op.f('ix_message_reports_reporter_id'), 'message_reports', ['reporter_id'], unique=False)
    op.create_index('uq_message_reports_open', 'message_reports', ['message_id', 'reporter_id'], unique=True, sqlite_where=sa.text('outcome IS NULL'), postgresql_where=sa.text('outcome IS NULL'))

    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('notifications', sa.Column('conversation_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_notifications_conversation_id_conversations'), 'notifications', 'conversations', ['conversation_id'], ['id'], ondelete='CASCADE')
        op.drop_constraint(op.f('ck_notifications_kind'), 'notifications', type_='check')
        op.create_check_constraint(op.f('ck_notifications_kind'), 'notifications', f"kind IN ({NEW_KINDS})")
    else:
        _rebuild_sqlite_notifications(NEW_KINDS, with_conversation=True)
    op.create_index('uq_notifications_unread_message', 'notifications', ['user_id', 'conversation_id'], unique=True, sqlite_where=sa.text(UNREAD.format('message')), postgresql_where=sa.text(UNREAD.format('message')))


def downgrade():
    op.drop_index('uq_notifications_unread_message', table_name='notifications')
    op.execute("DELETE FROM notifications WHERE kind = 'message'")
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_notifications_kind'), 'notifications', type_='check')
        op.create_check_constraint(op.f('ck_notifications_kind'), 'notifications', f"kind IN ({OLD_KINDS})")
        op.drop_constraint(op.f('fk_notifications_conversation_id_conversations'), 'notifications', type_='foreignkey')
        op.drop_column('notifications', 'conversation_id')
    else:
        _rebuild_sqlite_notifications(OLD_KINDS, with_conversation=False)
    op.drop_index('uq_message_reports_open', table_name='message_reports')
    op.drop_table('message_reports')
    op.drop_table('messages')
    op.drop_index('ix_conversation_members_user', table_name='conversation_members')
    op.drop_table('conversation_members')
    op.drop_index(op.f('ix_conversations_starter_id'), table_name='conversations')
    op.drop_table('conversations')
    op.drop_column('users', 'accept_messages')
