"""prices in cents

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
    op.execute("UPDATE products SET price = price * 100")
    op.alter_column(
        "products",
        "price",
        type_=sa.Integer(),
        postgresql_using="round(price)",
        existing_type=sa.Numeric(10, 2),
    )


def downgrade():
    op.alter_column(
        "products",
        "price",
        type_=sa.Numeric(10, 2),
        postgresql_using="price / 100.0",
        existing_type=sa.Integer(),
    )
