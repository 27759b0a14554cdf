"""add credits

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
    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
    op.alter_column("users", "credits", nullable=False)


def downgrade():
    op.drop_column("users", "credits")
