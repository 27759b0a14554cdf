"""handles from logins

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
    op.execute("UPDATE users SET handle = login WHERE handle IS NULL")
    op.alter_column("users", "login", new_column_name="legacy_login", existing_type=sa.String(50))


def downgrade():
    op.alter_column("users", "legacy_login", new_column_name="login", existing_type=sa.String(50))
