"""trust levels: when a member last had a flag upheld or a sanction (their level is computed
from it), a level a moderator set by hand, and what each flag weighs towards hiding a post

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 22:30:00

Plain ADD COLUMNs with column CHECKs, which SQLite allows and which keep the users table's
row-version triggers. last_strike_at is filled from the flags already upheld and the
sanctions already imposed.

"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('last_strike_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column(
        'trust_level_override', sa.String(length=16),
        sa.CheckConstraint("trust_level_override IN ('new', 'member', 'established')",
                           name=op.f('ck_users_trust_level_override')),
        nullable=True))
    op.add_column('flags', sa.Column(
        'weight', sa.Integer(), sa.CheckConstraint('weight >= 1', name=op.f('ck_flags_weight')),
        server_default='1', nullable=False))
    op.execute(
        "UPDATE users SET last_strike_at = (SELECT max(at) FROM ("
        " SELECT flags.resolved_at AS at FROM flags JOIN posts ON posts.id = flags.post_id"
        "  WHERE posts.author_id = users.id AND flags.outcome = 'upheld'"
        " UNION ALL"
        " SELECT sanctions.starts_at AS at FROM sanctions WHERE sanctions.user_id = users.id"
        ") AS strikes)"
    )


def downgrade():
    # Each CHECK belongs to its own column, so SQLite drops these in place too.
    op.drop_column('flags', 'weight')
    op.drop_column('users', 'trust_level_override')
    op.drop_column('users', 'last_strike_at')
