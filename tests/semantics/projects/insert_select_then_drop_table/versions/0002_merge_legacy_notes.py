"""merge legacy notes

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
    op.execute("INSERT INTO notes (id, body) SELECT id, body FROM legacy_notes")
    op.drop_table("legacy_notes")


def downgrade():
    op.create_table(
        "legacy_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
