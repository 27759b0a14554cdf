"""roles replace is_admin

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("is_admin", sa.Boolean),
    sa.column("role", sa.String),
)


def upgrade():
    op.execute(users.update().where(users.c.is_admin == sa.true()).values(role="admin"))
    op.drop_column("users", "is_admin")


def downgrade():
    op.add_column("users", sa.Column("is_admin", sa.Boolean(), nullable=True))
    op.execute("UPDATE users SET is_admin = (role = 'admin')")
