"""flag staff

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STAFF = ["ann", "bob"]
users = sa.table("users", sa.column("name", sa.String), sa.column("flag", sa.Boolean))


def upgrade():
    op.execute("UPDATE users SET flag = false")
    for name in STAFF:
        op.execute(users.update().where(users.c.name == name).values(flag=True))


def downgrade():
    pass
