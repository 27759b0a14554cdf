"""order statuses

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
    statuses = op.create_table(
        "order_statuses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(20), nullable=False),
    )
    op.bulk_insert(statuses, [{"id": 1, "name": "new"}, {"id": 2, "name": "paid"}])
    op.add_column(
        "orders",
        sa.Column(
            "status_id",
            sa.Integer(),
            sa.ForeignKey("order_statuses.id", name="fk_orders_status"),
            server_default="1",
            nullable=False,
        ),
    )


def downgrade():
    op.drop_column("orders", "status_id")
    op.drop_table("order_statuses")
