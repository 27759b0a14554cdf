"""colors

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
    colors = op.create_table(
        "colors",
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("label", sa.String(50), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.bulk_insert(
        colors,
        [
            {"code": "red", "label": "O'Red", "active": True},
            {"code": "blue", "label": None, "active": False},
        ],
    )


def downgrade():
    op.drop_table("colors")
