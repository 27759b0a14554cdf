"""invoice status and indexes

Revision ID: 8b9c0d1e2f3a
Revises: 7a8b9c0d1e2f
Create Date: 2024-04-22 10:41:57.640295

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "8b9c0d1e2f3a"
down_revision: Union[str, Sequence[str], None] = "7a8b9c0d1e2f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Schema only: a DO block that creates a type (no data change), then a column using it.
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'invoice_status') THEN
                CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid', 'void');
            END IF;
        END
        $$;
        """
    )
    op.add_column(
        "invoices",
        sa.Column(
            "status",
            sa.Enum("draft", "open", "paid", "void", name="invoice_status", create_type=False),
            server_default="draft",
            nullable=False,
        ),
    )
    # Building an index on a big table without blocking writes.
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_invoices_account_id_created_at "
            "ON invoices (account_id, created_at)"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_invoices_account_id_created_at")
    op.drop_column("invoices", "status")
    op.execute("DROP TYPE IF EXISTS invoice_status")
