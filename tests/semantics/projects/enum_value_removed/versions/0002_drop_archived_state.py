"""drop archived state

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
    op.execute("UPDATE orders SET state = 'closed' WHERE state = 'archived'")
    op.execute("ALTER TYPE order_state RENAME TO order_state_old")
    op.execute("CREATE TYPE order_state AS ENUM ('open', 'closed')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN state TYPE order_state USING state::text::order_state"
    )
    op.execute("DROP TYPE order_state_old")


def downgrade():
    op.execute("ALTER TYPE order_state RENAME TO order_state_old")
    op.execute("CREATE TYPE order_state AS ENUM ('open', 'archived', 'closed')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN state TYPE order_state USING state::text::order_state"
    )
    op.execute("DROP TYPE order_state_old")
