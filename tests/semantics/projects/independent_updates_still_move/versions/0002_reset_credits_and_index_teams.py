"""reset credits and index teams

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
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
    op.create_index("ix_teams_name", "teams", ["name"])
    op.add_column("teams", sa.Column("motto", sa.String(100), nullable=True))


def downgrade():
    op.drop_column("teams", "motto")
    op.drop_index("ix_teams_name", table_name="teams")
