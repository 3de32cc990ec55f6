"""jobs: the periodic work's schedule, shared by every host that runs it (which host holds
each job, when it is next due, failures in a row), and a record of each run

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 09:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('every_seconds', sa.Integer(), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_jobs'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.Column('error', sa.String(length=2000), nullable=True),
    sa.CheckConstraint("outcome IN ('running', 'succeeded', 'failed')", name=op.f('ck_job_runs_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    op.create_index(op.f('ix_job_runs_job'), 'job_runs', ['job'], unique=False)
    op.create_index(op.f('ix_job_runs_started_at'), 'job_runs', ['started_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_job_runs_started_at'), table_name='job_runs')
    op.drop_index(op.f('ix_job_runs_job'), table_name='job_runs')
    op.drop_table('job_runs')
    op.drop_table('jobs')
