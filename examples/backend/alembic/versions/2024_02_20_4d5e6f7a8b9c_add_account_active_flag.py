"""add account active flag

Revision ID: 4d5e6f7a8b9c
Revises: 3c4d5e6f7a8b
Create Date: 2024-02-20 11:47:19.337402

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "4d5e6f7a8b9c"
down_revision: Union[str, Sequence[str], None] = "3c4d5e6f7a8b"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

accounts = sa.table(
    "accounts",
    sa.column("plan", sa.String),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    # A SQLAlchemy Core UPDATE executed from the migration (DG002).
    op.execute(accounts.update().where(accounts.c.plan == "legacy").values(active=False))


def downgrade() -> None:
    op.drop_column("accounts", "active")
