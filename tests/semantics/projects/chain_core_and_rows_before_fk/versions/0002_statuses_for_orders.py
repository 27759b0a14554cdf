"""statuses for orders

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
    op.add_column("users", sa.Column("level", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET level = 1 WHERE level IS NULL")
    op.alter_column("users", "level", nullable=False, existing_type=sa.Integer())
    statuses = sa.table("statuses", sa.column("id", sa.Integer()), sa.column("name", sa.String()))
    op.bulk_insert(statuses, [{"id": 1, "name": "new"}, {"id": 2, "name": "done"}])
    orders = sa.table("orders", sa.column("status_id", sa.Integer()))
    op.execute(orders.update().where(orders.c.status_id.is_(None)).values(status_id=1))
    op.create_foreign_key("fk_orders_status", "orders", "statuses", ["status_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_orders_status", "orders", type_="foreignkey")
    op.alter_column("users", "level", nullable=True, existing_type=sa.Integer())
    op.drop_column("users", "level")
