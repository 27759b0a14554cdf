"""display name

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
    op.add_column("users", sa.Column("display_name", sa.String(100), nullable=True))
    op.execute("UPDATE users SET display_name = fullname")
    op.drop_column("users", "fullname")


def downgrade():
    op.add_column("users", sa.Column("fullname", sa.String(100), nullable=True))
    op.drop_column("users", "display_name")
