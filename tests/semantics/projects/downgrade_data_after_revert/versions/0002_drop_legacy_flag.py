"""drop legacy flag

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
    op.drop_column("users", "legacy")


def downgrade():
    op.add_column("users", sa.Column("legacy", sa.Boolean(), nullable=True))
    op.execute("UPDATE users SET legacy = (role = 'admin')")
