"""unique email addresses

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
    op.execute(
        "DELETE FROM emails a USING emails b WHERE a.address = b.address AND a.id > b.id"
    )
    op.create_unique_constraint("uq_emails_address", "emails", ["address"])


def downgrade():
    op.drop_constraint("uq_emails_address", "emails", type_="unique")
