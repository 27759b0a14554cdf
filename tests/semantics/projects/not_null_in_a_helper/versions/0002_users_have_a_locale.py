"""users have a locale

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

def _require_locale():
    op.alter_column("users", "locale", nullable=False, existing_type=sa.String(10))


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(10), nullable=True))
    op.execute("UPDATE users SET locale = 'en' WHERE locale IS NULL")
    _require_locale()


def downgrade():
    op.drop_column("users", "locale")
