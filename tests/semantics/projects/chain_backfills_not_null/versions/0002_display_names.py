"""display names and initials

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
    op.add_column("users", sa.Column("display", sa.String(50), nullable=True))
    op.add_column("users", sa.Column("initials", sa.String(2), nullable=True))
    op.execute("UPDATE users SET display = upper(name) WHERE display IS NULL")
    op.alter_column("users", "display", nullable=False, existing_type=sa.String(50))
    op.execute("UPDATE users SET initials = left(display, 1) WHERE initials IS NULL")
    op.alter_column("users", "initials", nullable=False, existing_type=sa.String(2))
    op.create_index("ix_users_initials", "users", ["initials"])


def downgrade():
    op.drop_index("ix_users_initials", "users")
    op.alter_column("users", "initials", nullable=True, existing_type=sa.String(2))
    op.alter_column("users", "display", nullable=True, existing_type=sa.String(50))
    op.drop_column("users", "initials")
    op.drop_column("users", "display")
