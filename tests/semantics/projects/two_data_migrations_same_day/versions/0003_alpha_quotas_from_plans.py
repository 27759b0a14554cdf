"""alpha quotas from plans

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE users SET quota = CASE plan WHEN 'free' THEN 10 ELSE 100 END")


def downgrade():
    pass
