"""unique emails and credits

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
    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))
    op.execute(
        "DELETE FROM emails a USING emails b WHERE a.address = b.address AND a.id > b.id"
    )
    op.create_unique_constraint("uq_emails_address", "emails", ["address"])
    op.execute("UPDATE users SET credits = 10 WHERE credits IS NULL")
    op.alter_column("users", "credits", nullable=False, existing_type=sa.Integer())


def downgrade():
    op.alter_column("users", "credits", nullable=True, existing_type=sa.Integer())
    op.drop_constraint("uq_emails_address", "emails", type_="unique")
    op.drop_column("users", "credits")
