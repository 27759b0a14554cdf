"""books need authors

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
    op.execute("DELETE FROM books WHERE author_id NOT IN (SELECT id FROM authors)")
    op.create_foreign_key("fk_books_author", "books", "authors", ["author_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_books_author", "books", type_="foreignkey")
