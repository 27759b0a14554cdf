"""add nickname

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
    op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
    op.execute("UPDATE users SET nickname = 'anon' WHERE nickname IS NULL")


def downgrade():
    op.drop_column("users", "nickname")
