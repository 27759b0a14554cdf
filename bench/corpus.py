"""A generated corpus of realistic Alembic migrations, for the benchmarks.

Mostly schema changes, as real histories are, with a share of raw SQL (DDL and DML), Core
constructs and seeds. Deterministic for a given seed, so runs compare like with like.
"""

from __future__ import annotations

import random
from pathlib import Path

_TABLES = ["users", "accounts", "orders", "invoices", "payments", "products", "events", "sessions",
           "audit_log", "teams", "memberships", "subscriptions", "webhooks", "api_keys", "tags"]  # fmt: skip
_TYPES = ["sa.Integer()", "sa.String(length=255)", "sa.Boolean()", "sa.DateTime(timezone=True)",
          "sa.Numeric(12, 2)", "sa.Text()", "postgresql.JSONB()", "sa.BigInteger()"]  # fmt: skip

_HEADER = '''"""{message}

Revision ID: {rev}
Revises: {down}
Create Date: 2024-0{month}-1{day} 10:2{day}:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "{rev}"
down_revision = {down_repr}
branch_labels = None
depends_on = None

'''


def _create_table(rng: random.Random, table: str) -> tuple[list[str], list[str]]:
    cols = ['        sa.Column("id", sa.Integer(), primary_key=True),']
    for i in range(rng.randint(3, 9)):
        cols.append(
            f'        sa.Column("col_{i}", {rng.choice(_TYPES)}, nullable={rng.choice(["True", "False"])}),'
        )
    up = [f'    op.create_table(\n        "{table}",', *cols, '        sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()")),', "    )",
          f'    op.create_index("ix_{table}_created_at", "{table}", ["created_at"])']  # fmt: skip
    down = [
        f'    op.drop_index("ix_{table}_created_at", table_name="{table}")',
        f'    op.drop_table("{table}")',
    ]
    return up, down


def _operations(rng: random.Random, n: int) -> tuple[list[str], list[str], str]:
    table = rng.choice(_TABLES) + f"_{n}"
    kind = rng.random()
    if kind < 0.45:
        up, down = _create_table(rng, table)
        return up, down, f"create {table}"
    if kind < 0.70:
        col = f"extra_{n}"
        up = [f'    op.add_column("{table}", sa.Column("{col}", {rng.choice(_TYPES)}, nullable=True))',
              f'    op.alter_column("{table}", "{col}", existing_type=sa.Integer(), nullable=True)']  # fmt: skip
        down = [f'    op.drop_column("{table}", "{col}")']
        return up, down, f"add {col} to {table}"
    if kind < 0.82:
        up = [f'    op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_{table}_x ON {table} (x)")',
              f'    op.execute("""\n        DO $$ BEGIN\n            IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = \'status_{n}\') THEN\n                CREATE TYPE status_{n} AS ENUM (\'a\', \'b\');\n            END IF;\n        END $$;\n    """)']  # fmt: skip
        down = [f'    op.execute("DROP INDEX IF EXISTS ix_{table}_x")']
        return up, down, f"index {table}"
    if kind < 0.92:
        up = [f'    op.add_column("{table}", sa.Column("active", sa.Boolean(), nullable=True))',
              f"    op.execute(\"UPDATE {table} SET active = true WHERE deleted_at IS NULL AND id > {n}\")",
              f'    op.alter_column("{table}", "active", nullable=False)']  # fmt: skip
        down = [f'    op.drop_column("{table}", "active")']
        return up, down, f"backfill active on {table}"
    if kind < 0.97:
        up = [f'    {table}_t = sa.table("{table}", sa.column("id", sa.Integer), sa.column("name", sa.String))',
              f'    op.bulk_insert({table}_t, [{{"id": 1, "name": "alpha"}}, {{"id": 2, "name": "o\'brien"}}])']  # fmt: skip
        down = [f'    op.execute("DELETE FROM {table} WHERE id IN (1, 2)")']
        return up, down, f"seed {table}"
    up = ["    conn = op.get_bind()",
          f'    rows = conn.execute(sa.text("SELECT id, email FROM {table} WHERE email LIKE :p"), {{"p": "%@x"}}).fetchall()',
          "    for row in rows:",
          f'        conn.execute(sa.text("UPDATE {table} SET email = lower(email) WHERE id = :id"), {{"id": row.id}})']  # fmt: skip
    down = ["    pass"]
    return up, down, f"normalise emails in {table}"


def migration_text(rng: random.Random, n: int, down: str | None) -> tuple[str, str]:
    rev = f"{rng.getrandbits(48):012x}"
    up, dn, message = _operations(rng, n)
    text = _HEADER.format(message=message.capitalize(), rev=rev, down=down or "", down_repr=repr(down),
                          month=1 + n % 9, day=n % 10)  # fmt: skip
    text += (
        "\n\ndef upgrade() -> None:\n"
        + "\n".join(up)
        + "\n\n\ndef downgrade() -> None:\n"
        + "\n".join(dn)
        + "\n"
    )
    return rev, text


def write_corpus(folder: Path, count: int = 1000, seed: int = 7) -> list[Path]:
    """An Alembic project at `folder` with `count` chained migrations; returns their paths."""
    rng = random.Random(seed)
    versions = folder / "alembic" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (folder / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = postgresql://app@localhost/app\n"
    )
    paths: list[Path] = []
    down: str | None = None
    for n in range(count):
        rev, text = migration_text(rng, n, down)
        path = versions / f"{rev}_{n:04d}.py"
        path.write_text(text)
        paths.append(path)
        down = rev
    return paths


def long_migration(lines: int = 2000, seed: int = 3) -> str:
    """One migration of about `lines` lines (many operations), for the editor benchmark."""
    rng = random.Random(seed)
    _, text = migration_text(rng, 0, None)
    body: list[str] = []
    n = 1
    while len(body) < lines - 30:
        up, _, _ = _operations(rng, n)
        body.extend("\n".join(up).split("\n"))
        n += 1
    head, _, _ = text.partition("\n\ndef upgrade() -> None:\n")
    return (
        head
        + "\n\ndef upgrade() -> None:\n"
        + "\n".join(body)
        + "\n\n\ndef downgrade() -> None:\n    pass\n"
    )
