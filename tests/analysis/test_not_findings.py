"""What must never be flagged: schema changes, unexecuted SQL, SQL in comments and docstrings."""

from __future__ import annotations

from .helpers import analyse

CLEAN = '''
"""add plan column

UPDATE users SET plan = 'free'  -- mentioned in the docstring only
"""
import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "a1"

# op.execute("UPDATE users SET plan = 'free'")
NOTE = "DELETE FROM users"  # a string never executed


def upgrade():
    """Runs UPDATE users SET x = 1 -- not really."""
    op.create_table("plans", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column(
        "users",
        sa.Column("plan", sa.Text(), server_default=sa.text("'free'"), nullable=False),
    )
    op.create_index("ix_users_plan", "users", ["plan"], postgresql_concurrently=True)
    op.execute("CREATE INDEX CONCURRENTLY ix_a ON users (a)")
    op.execute("ALTER TYPE status ADD VALUE 'archived'")
    op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    op.execute("COMMENT ON TABLE users IS 'people'")
    op.execute("GRANT SELECT ON users TO reader")
    op.execute("SET lock_timeout = '5s'")
    stmt = sa.text("UPDATE users SET plan = 'free'")  # built, never executed
    with op.batch_alter_table("users") as batch:
        batch.alter_column("plan", nullable=True)
    insert_rows = op.bulk_insert  # a reference, never called


def downgrade():
    op.drop_column("users", "plan")
    op.drop_table("plans")
'''


def test_a_schema_only_migration_has_no_findings() -> None:
    assert analyse(CLEAN) == []


def test_function_definition_with_dml_body_is_ddl() -> None:
    source = '''
from alembic import op
def upgrade():
    op.execute("""
        CREATE FUNCTION touch() RETURNS trigger AS $$
        BEGIN
            UPDATE audit SET n = n + 1;
            RETURN NEW;
        END $$ LANGUAGE plpgsql
    """)
'''
    assert analyse(source) == []
