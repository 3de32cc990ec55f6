"""trustworthy outcomes: releases of the published figures, moderators' exclusions of
reports (with their appeals), follow-up reminders, and the notifications they send

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 15:30:00

The notifications table gains three kinds. PostgreSQL swaps the CHECK constraint in
place; SQLite cannot alter a constraint, so the table is rebuilt (it has no triggers) and
its two indexes made again.

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'reply', 'thread', 'mention', 'quote', 'flag_decided', 'post_hidden', "
    "'post_restored', 'sanction', 'appeal_decided'"
)
NEW_KINDS = OLD_KINDS + ", 'followup', 'report_excluded', 'exclusion_decided'"


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
    # Plain ADD COLUMNs: experience_reports keeps its triggers (row versions, outcomes).
    op.add_column('experience_reports', sa.Column('followups_sent', sa.Integer(), server_default='0', nullable=False))
    op.add_column('experience_reports', sa.Column('reminders_off', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('report_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appeal_text', sa.String(length=2000), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("decision IN ('upheld', 'overturned')", name=op.f('ck_report_exclusions_decision')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_report_exclusions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_report_exclusions_moderator_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['experience_reports.id'], name=op.f('fk_report_exclusions_report_id_experience_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_exclusions'))
    )
    op.create_index(op.f('ix_report_exclusions_report_id'), 'report_exclusions', ['report_id'], unique=False)
    op.create_table('outcome_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('pending', sa.Integer(), server_default='0', nullable=False),
    sa.Column('waiting', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_outcome_releases_board_id_boards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_releases'))
    )
    op.create_index('ix_outcome_releases_board_latest', 'outcome_releases', ['board_id', 'id'], unique=False)
    _notification_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('followup', 'report_excluded', 'exclusion_decided')")
    _notification_kinds(OLD_KINDS)
    op.drop_index('ix_outcome_releases_board_latest', table_name='outcome_releases')
    op.drop_table('outcome_releases')
    op.drop_index(op.f('ix_report_exclusions_report_id'), table_name='report_exclusions')
    op.drop_table('report_exclusions')
    op.drop_column('experience_reports', 'reminders_off')
    op.drop_column('experience_reports', 'followups_sent')
