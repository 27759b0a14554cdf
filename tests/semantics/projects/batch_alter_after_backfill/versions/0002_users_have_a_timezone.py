"""users have a timezone

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
    op.add_column("users", sa.Column("tz", sa.String(40), nullable=True))
    op.execute("UPDATE users SET tz = 'UTC' WHERE tz IS NULL")
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("tz", nullable=False, existing_type=sa.String(40))


def downgrade():
    op.drop_column("users", "tz")
