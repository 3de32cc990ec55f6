"""health-data consent and account deletion

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 20:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('text_version', sa.String(length=20), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_user_id'), ['user_id'], unique=False)
    # When the member's active health-data consent was given (None: not given, or withdrawn),
    # kept beside the Consent rows so the per-request check reads the user already loaded.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health_consent_at', sa.DateTime(timezone=True), nullable=True))
    # A report kept as anonymous figures after its author erased their account has no post
    # and no author.
    with op.batch_alter_table('experience_reports', schema=None) as batch_op:
        batch_op.alter_column('post_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Reports kept as anonymous figures cannot go back under a post: they go.
    op.execute('DELETE FROM experience_report_revisions WHERE report_id IN '
               '(SELECT id FROM experience_reports WHERE post_id IS NULL)')
    op.execute('DELETE FROM experience_reports WHERE post_id IS NULL')
    with op.batch_alter_table('experience_reports', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('post_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('health_consent_at')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_user_id'))
    op.drop_table('consents')
