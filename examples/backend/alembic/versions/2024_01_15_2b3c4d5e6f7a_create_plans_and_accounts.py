"""create plans and accounts

Revision ID: 2b3c4d5e6f7a
Revises: 1a2b3c4d5e6f
Create Date: 2024-01-15 09:30:02.480121

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "2b3c4d5e6f7a"
down_revision: Union[str, Sequence[str], None] = "1a2b3c4d5e6f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "owner_id",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("plan", sa.String(20), sa.ForeignKey("plans.code"), nullable=False),
    )
    # Seed rows written from the migration: they belong in scripts/sql/ (DG003).
    op.bulk_insert(
        plans,
        [
            {"code": "free", "name": "Free", "monthly_cents": 0},
            {"code": "team", "name": "Team", "monthly_cents": 4900},
            {"code": "business", "name": "Business", "monthly_cents": 19900},
        ],
    )


def downgrade() -> None:
    op.drop_table("accounts")
    op.drop_table("plans")
