"""fill account domains

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
        """
        CREATE TEMPORARY TABLE account_domains AS
            SELECT id, split_part(email, '@', 2) AS domain FROM accounts;
        CREATE INDEX account_domains_id ON account_domains (id);
        UPDATE accounts SET domain = d.domain FROM account_domains d WHERE accounts.id = d.id;
        DROP TABLE account_domains;
        """
    )


def downgrade():
    pass
