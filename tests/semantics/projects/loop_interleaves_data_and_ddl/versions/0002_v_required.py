"""v required

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
    for table in ("a", "b"):
        op.execute(f"UPDATE {table} SET v = 0 WHERE v IS NULL")
        op.alter_column(table, "v", nullable=False, existing_type=sa.Integer())


def downgrade():
    for table in ("a", "b"):
        op.alter_column(table, "v", nullable=True, existing_type=sa.Integer())
