"""add user status

Revision ID: 3c4d5e6f7a8b
Revises: 2b3c4d5e6f7a
Create Date: 2024-02-02 14:03:55.905118

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3c4d5e6f7a8b"
down_revision: Union[str, Sequence[str], None] = "2b3c4d5e6f7a"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("users", sa.Column("status", sa.String(20), nullable=True))
    # A backfill in the migration: it locks users for as long as it runs (DG001).
    op.execute("UPDATE users SET status = 'active' WHERE status IS NULL")
    op.alter_column("users", "status", nullable=False, server_default="active")


def downgrade() -> None:
    # Deleting rows to undo a column: data loss on rollback (DG001).
    op.execute("DELETE FROM users WHERE status = 'pending'")
    op.drop_column("users", "status")
