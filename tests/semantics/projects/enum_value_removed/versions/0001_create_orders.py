"""create orders

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "state",
            sa.Enum("open", "archived", "closed", name="order_state"),
            nullable=False,
        ),
    )


def downgrade():
    op.drop_table("orders")
    op.execute("DROP TYPE order_state")
