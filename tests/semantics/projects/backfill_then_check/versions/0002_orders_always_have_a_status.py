"""orders always have a status

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
    op.execute("UPDATE orders SET status = 'new' WHERE status IS NULL")
    op.create_check_constraint("ck_orders_status", "orders", "status IS NOT NULL")


def downgrade():
    op.drop_constraint("ck_orders_status", "orders", type_="check")
