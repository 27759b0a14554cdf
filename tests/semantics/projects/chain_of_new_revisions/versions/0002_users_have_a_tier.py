"""users have a tier

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("tier", sa.String(20), nullable=True))
    op.execute("UPDATE users SET tier = 'free' WHERE tier IS NULL")
    op.alter_column("users", "tier", nullable=False, existing_type=sa.String(20))
    op.create_index("ix_users_tier", "users", ["tier"])


def downgrade():
    op.drop_index("ix_users_tier", table_name="users")
    op.drop_column("users", "tier")
