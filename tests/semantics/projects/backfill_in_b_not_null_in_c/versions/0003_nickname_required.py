"""nickname required

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("users", "nickname", nullable=False, existing_type=sa.String(50))


def downgrade():
    op.alter_column("users", "nickname", nullable=True, existing_type=sa.String(50))
