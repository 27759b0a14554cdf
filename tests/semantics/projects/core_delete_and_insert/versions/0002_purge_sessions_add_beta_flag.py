"""purge sessions add beta flag

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

sessions = sa.table("sessions", sa.column("id", sa.Integer), sa.column("expired", sa.Boolean))
flags = sa.table("flags", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade():
    op.execute(sessions.delete().where(sessions.c.expired == sa.true()))
    op.execute(flags.insert().values(id=1, name="beta"))
    op.create_index("ix_sessions_expired", "sessions", ["expired"])


def downgrade():
    op.drop_index("ix_sessions_expired", table_name="sessions")
    op.execute(flags.delete().where(flags.c.name == "beta"))
