"""create forms

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
        "forms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mode", sa.Integer(), nullable=False),
        sa.CheckConstraint("mode IN (1, 2, 3)", name="ck_forms_mode"),
    )


def downgrade():
    op.drop_table("forms")
