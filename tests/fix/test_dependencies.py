"""Dependency analysis: footprints of data SQL and what the operations after it touch."""

from __future__ import annotations

import ast

import pytest
from ddlguard.fix.dependencies import Dependencies, first_dependent, sql_footprint
from ddlguard.fix.inverse import inverse_prefix
from ddlguard.fix.scope import Scope


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mysql"])
def test_footprint_has_written_and_read_tables(dialect: str) -> None:
    fp = sql_footprint(
        ["UPDATE orders SET total = (SELECT sum(x) FROM lines WHERE lines.o = orders.id)"], dialect
    )
    assert fp.known and {"orders", "lines"} <= fp.tables


def test_footprint_knows_temporary_tables() -> None:
    fp = sql_footprint(["CREATE TEMPORARY TABLE m AS SELECT id FROM users"], "postgresql")
    assert fp.temporary == {"m"} and "users" in fp.tables


def test_unparseable_sql_is_unknown() -> None:
    assert not sql_footprint(["UPDATE ((("], "postgresql").known


def ops_after(source: str, dialect: str = "postgresql"):  # type: ignore[no-untyped-def]
    tree = ast.parse(source)
    upgrade = next(s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "upgrade")
    deps = Dependencies(tree, source, Scope(tree, upgrade), dialect)
    return deps.operations([(s, s) for s in upgrade.body])


USERS = sql_footprint(["UPDATE users SET credits = 0"], "postgresql")


@pytest.mark.parametrize(
    ("line", "dependent"),
    [
        ('op.alter_column("users", "credits", nullable=False)', True),
        ('op.alter_column("orders", "total", nullable=False)', False),
        ('op.create_index("ix", "users", ["credits"])', False),
        ('op.create_index("ix", "users", ["credits"], unique=True)', True),
        ('op.add_column("users", sa.Column("x", sa.Integer()))', False),
        ('op.add_column("users", sa.Column("x", sa.Integer(), nullable=False))', True),
        ('op.add_column("orders", sa.Column("u", sa.Integer(), sa.ForeignKey("users.id")))', True),
        ('op.create_foreign_key("fk", "orders", "users", ["u"], ["id"])', True),
        ('op.drop_table("users")', True),
        ('op.rename_table("users", "people")', True),
        ('op.execute("ALTER TABLE users ALTER COLUMN credits SET NOT NULL")', True),
        ('op.execute("CREATE INDEX ix ON users (credits)")', False),
        ("op.execute(\"ALTER TYPE mood ADD VALUE 'meh'\")", True),  # enum: tables unknown
        ("op.alter_column(TABLE, 'credits', nullable=False)", True),  # name not resolvable
        ("helper_from_elsewhere()", True),
        ('print("done")', False),
    ],
)
def test_which_operations_depend_on_an_update_of_users(line: str, dependent: bool) -> None:
    source = f"from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    {line}\n"
    assert (first_dependent(USERS, ops_after(source)) is not None) is dependent


def test_helpers_are_followed() -> None:
    source = """from alembic import op

def _tighten():
    op.alter_column("users", "credits", nullable=False)

def _index():
    op.create_index("ix", "orders", ["total"])

def upgrade():
    _index()
    _tighten()
"""
    dep = first_dependent(USERS, ops_after(source))
    assert dep is not None and dep.label == "_tighten()"


def test_inverse_prefix_takes_the_mirrored_leading_statements() -> None:
    up = ast.parse(
        'op.alter_column("users", "credits", nullable=False)\n'
        'op.create_index("ix", "users", ["credits"])\n'
    ).body
    down = ast.parse(
        'op.drop_index("ix", "users")\n'
        'op.alter_column("users", "credits", nullable=True)\n'
        'op.drop_column("users", "credits")\n'
    ).body
    assert inverse_prefix(up, down) == down[:2]
    assert inverse_prefix(up, down[2:]) == []


CREDITS = sql_footprint(["UPDATE users SET credits = 0 WHERE credits IS NULL"], "postgresql")


@pytest.mark.parametrize(
    ("line", "dependent"),
    [
        ('op.alter_column("users", "credits", nullable=False)', True),
        ('op.alter_column("users", "name", nullable=False)', False),  # not set, not read
        ('op.drop_column("users", "legacy")', False),
        ('op.create_unique_constraint("uq", "users", ["email"])', False),
        ('op.create_unique_constraint("uq", "users", ["credits", "email"])', True),
        ('op.create_check_constraint("ck", "users", "name <> \'\'")', True),  # condition unread
        ('op.create_foreign_key("fk", "orders", "users", ["u"], ["id"])', True),
    ],
)
def test_an_update_is_about_the_columns_it_sets_and_reads(line: str, dependent: bool) -> None:
    source = f"from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    {line}\n"
    assert (first_dependent(CREDITS, ops_after(source)) is not None) is dependent


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM users WHERE name IS NULL",  # rows go: any column's constraint meets it
        "INSERT INTO users (credits) VALUES (1)",
        "UPDATE users SET credits = 0 WHERE users.* IS NULL",
    ],
)
def test_whole_row_statements_meet_every_column(sql: str) -> None:
    fp = sql_footprint([sql], "postgresql")
    source = 'from alembic import op\n\ndef upgrade():\n    op.alter_column("users", "name", nullable=False)\n'
    assert first_dependent(fp, ops_after(source)) is not None


def test_a_column_read_in_where_counts() -> None:
    fp = sql_footprint(["UPDATE users SET credits = 0 WHERE is_admin"], "postgresql")
    source = 'from alembic import op\n\ndef upgrade():\n    op.drop_column("users", "is_admin")\n'
    assert first_dependent(fp, ops_after(source)) is not None


def test_a_whole_row_passed_to_a_function_meets_every_column() -> None:
    fp = sql_footprint(["UPDATE users u SET credits = score(u)"], "postgresql")
    source = 'from alembic import op\n\ndef upgrade():\n    op.alter_column("users", "name", nullable=False)\n'
    assert first_dependent(fp, ops_after(source)) is not None


def test_an_autocommit_block_runs_nothing_by_itself() -> None:
    source = (
        "from alembic import op\n\ndef upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        '        op.create_index("ix", "orders", ["total"])\n'
    )
    assert first_dependent(USERS, ops_after(source)) is None


B_FILL = sql_footprint(["UPDATE users SET b = id * 2 WHERE b IS NULL"], "postgresql")


@pytest.mark.parametrize(
    ("line", "crosses"),
    [
        ('op.alter_column("users", "a", nullable=False)', False),
        ('op.alter_column("users", "b", nullable=False)', True),
        ('op.add_column("users", sa.Column("c", sa.Integer()))', False),
        ('op.add_column("users", sa.Column("b", sa.Integer()))', True),
        ('op.add_column("users", sa.Column(NAME, sa.Integer()))', True),  # name not literal
        ('op.add_column("users", sa.Column("c", sa.Integer(), sa.ForeignKey("users.id")))', True),
        ('op.alter_column("users", "b_old", new_column_name="b")', True),
        ('op.alter_column("users", "a", new_column_name=NAME)', True),
        ('op.alter_column("users", "a", new_column_name="c")', False),
        ('op.drop_column("users", "legacy")', False),
        ('op.create_index("ix", "users", ["a"])', False),
        ('op.create_table("audit", sa.Column("id", sa.Integer()))', False),
        ('op.create_table("users", sa.Column("id", sa.Integer()))', True),
        ('op.create_unique_constraint("uq", "users", ["id"])', False),  # read, not set
        ('op.create_unique_constraint("uq", "users", ["b"])', True),
        ('op.alter_column("users", "id", nullable=False)', False),
        ('op.alter_column("users", "id", type_=sa.BigInteger())', True),  # changes what it reads
        ('op.alter_column("users", "id", nullable=False, server_default="0")', True),
        ('op.create_index("ix", "users", ["id"], unique=True, postgresql_where="b > 0")', True),
        ('op.rename_table("people", "users")', True),
        ('op.rename_table("people", NAME)', True),
        ('op.rename_table("people", "persons")', False),
        ('op.execute("ALTER TABLE people RENAME TO users")', True),
        ('op.execute("ALTER TABLE people RENAME TO persons")', False),
    ],
)
def test_which_operations_an_update_cannot_run_ahead_of(line: str, crosses: bool) -> None:
    """Run ahead of an operation that stood before it (a chained backfill, downgrade data
    before the revert), an UPDATE needs it to leave what it reads and sets alone."""
    source = f"from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    {line}\n"
    found = first_dependent(B_FILL, ops_after(source), crossed_backwards=True)
    assert (found is not None) is crosses


def test_adding_a_column_still_counts_for_a_delete_run_ahead_of_it() -> None:
    """A DELETE (or INSERT) is about whole rows: any change to its table crosses it."""
    delete = sql_footprint(["DELETE FROM users WHERE a IS NULL"], "postgresql")
    source = 'from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    op.add_column("users", sa.Column("c", sa.Integer()))\n'
    assert first_dependent(delete, ops_after(source), crossed_backwards=True) is not None


def test_a_not_null_on_a_column_an_update_only_reads_does_not_need_it() -> None:
    """NOT NULL on `a` changes no value of `a`: an UPDATE reading it gives the same rows before
    or after; one that sets it may be rejected by it, so that one still counts."""
    reads = sql_footprint(["UPDATE users SET b = a * 2 WHERE b IS NULL"], "postgresql")
    sets = sql_footprint(["UPDATE users SET a = 0 WHERE a IS NULL"], "postgresql")
    source = (
        "from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n"
        '    op.alter_column("users", "a", nullable=False)\n'
    )
    assert first_dependent(reads, ops_after(source)) is None
    assert first_dependent(sets, ops_after(source)) is not None
    assert first_dependent(reads, ops_after(source), crossed_backwards=True) is None
