"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""

# ddlguard-checklist: review, then delete this block before committing (ddlguard DG201)
# [ ] Schema only: no INSERT/UPDATE/DELETE, op.bulk_insert, backfill or ORM session here.
# [ ] Data changes go to a reviewed script in scripts/sql/ (see scripts/sql/README.md).
# [ ] downgrade() undoes upgrade(), or a comment says why it cannot.
# [ ] Big tables: CREATE INDEX CONCURRENTLY, no table rewrite, no long lock.
# [ ] An empty upgrade() carries a comment saying why the revision exists.
# end-ddlguard-checklist

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
