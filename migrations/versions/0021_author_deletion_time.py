"""author deletion time: when a post was deleted, so its author may undo it for 14 days

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 12:40:00

A post its author deleted is final for everyone but the author, who may undo it for 14
days (forum/policy/moderation.py); `flask forum purge-expired` then erases its text, its
earlier versions and its search entry. Posts deleted before this migration count as
deleted now: their authors get the whole 14 days.

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both backends: the table is not rebuilt, so its triggers
    # (search, row versions) stay as they are.
    op.add_column('posts', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_posts_deleted_at'), 'posts', ['deleted_at'], unique=False)
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # SQLite keeps UTC without an offset
    posts = sa.table(
        'posts', sa.column('state', sa.String), sa.column('deleted_at', sa.DateTime(timezone=True))
    )
    op.execute(posts.update().where(posts.c.state == 'deleted').values(deleted_at=now))


def downgrade():
    op.drop_index(op.f('ix_posts_deleted_at'), table_name='posts')
    # SQLite drops a column in place since 3.35, so the table keeps its triggers.
    op.drop_column('posts', 'deleted_at')
