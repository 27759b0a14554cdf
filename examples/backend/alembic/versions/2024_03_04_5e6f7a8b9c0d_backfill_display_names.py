"""backfill display names

Revision ID: 5e6f7a8b9c0d
Revises: 4d5e6f7a8b9c
Create Date: 2024-03-04 16:21:08.774950

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy import orm

# revision identifiers, used by Alembic.
revision: str = "5e6f7a8b9c0d"
down_revision: Union[str, Sequence[str], None] = "4d5e6f7a8b9c"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

Base = orm.declarative_base()


class User(Base):
    __tablename__ = "users"

    id = sa.Column(sa.BigInteger, primary_key=True)
    email = sa.Column(sa.String(320))
    display_name = sa.Column(sa.String(120))


def upgrade() -> None:
    # An ORM backfill: every row is loaded into Python and written back (DG004).
    session = orm.Session(bind=op.get_bind())
    for user in session.query(User).filter(User.display_name.is_(None)):
        user.display_name = user.email.split("@")[0]
    session.flush()


def downgrade() -> None:
    # The backfill cannot be undone: the names it wrote are indistinguishable from real ones.
    pass
