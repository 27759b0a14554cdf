"""unique account owner

Revision ID: 6f7a8b9c0d1e
Revises: 5e6f7a8b9c0d
Create Date: 2024-03-18 08:55:40.020631

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "6f7a8b9c0d1e"
down_revision: Union[str, Sequence[str], None] = "5e6f7a8b9c0d"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    # The migration's outcome depends on the rows it finds (DG005).
    duplicates = conn.execute(
        sa.text("SELECT owner_id FROM accounts GROUP BY owner_id HAVING count(*) > 1")
    ).fetchall()
    if not duplicates:
        op.create_unique_constraint("uq_accounts_owner_id", "accounts", ["owner_id"])


def downgrade() -> None:
    op.drop_constraint("uq_accounts_owner_id", "accounts", type_="unique")
