"""forms mode four

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
    op.drop_constraint("ck_forms_mode", "forms", type_="check")
    op.create_check_constraint("ck_forms_mode", "forms", "mode IN (1, 2, 3, 4)")


def downgrade():
    op.execute("UPDATE forms SET mode = 3 WHERE mode = 4")
    op.drop_constraint("ck_forms_mode", "forms", type_="check")
    op.create_check_constraint("ck_forms_mode", "forms", "mode IN (1, 2, 3)")
