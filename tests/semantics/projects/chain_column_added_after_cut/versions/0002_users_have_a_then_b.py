"""users have a, then b

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
    op.add_column("users", sa.Column("a", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET a = 1 WHERE a IS NULL")
    op.alter_column("users", "a", nullable=False, existing_type=sa.Integer())
    op.add_column("users", sa.Column("b", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET b = 2 WHERE b IS NULL")
    op.alter_column("users", "b", nullable=False, existing_type=sa.Integer())


def downgrade():
    op.drop_column("users", "b")
    op.drop_column("users", "a")
