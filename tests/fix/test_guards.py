"""The guard's SQL: which statements get an exact check, and the query each one gets."""

from __future__ import annotations

import ast
import sqlite3

import pytest
from ddlguard.fix.guards import Check, guard_for, why_not


def checks(sql: str | list[str], ops: str = "", dialect: str = "postgresql") -> list[Check]:
    statements = [sql] if isinstance(sql, str) else sql
    guard = guard_for(ast.parse(ops).body, statements, dialect)
    assert guard is not None, why_not(statements, dialect)
    return list(guard.checks)


def only_sql(sql: str, dialect: str = "postgresql") -> str:
    [check] = checks(sql, dialect=dialect)
    return check.sql


def test_update_looks_for_rows_still_differing_from_the_set_values() -> None:
    assert only_sql("UPDATE users SET credits = 0 WHERE credits IS NULL") == (
        "SELECT 1 FROM users WHERE credits IS NULL AND users.credits IS DISTINCT FROM 0 LIMIT 1"
    )


def test_update_with_alias_from_and_several_columns() -> None:
    sql = only_sql(
        'UPDATE "Users" u SET full_name = first || last, org = o.name FROM orgs o '
        "WHERE o.id = u.org_id"
    )
    assert sql == (
        'SELECT 1 FROM "Users" AS u, orgs AS o WHERE o.id = u.org_id AND '
        "(u.full_name IS DISTINCT FROM first || last OR u.org IS DISTINCT FROM o.name) LIMIT 1"
    )


def test_update_without_where() -> None:
    assert only_sql("UPDATE users SET active = true") == (
        "SELECT 1 FROM users WHERE users.active IS DISTINCT FROM TRUE LIMIT 1"
    )


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("UPDATE products SET price = price * 100", "columns it sets itself"),
        ("UPDATE products p SET price = p.price * 100", "columns it sets itself"),
        ("UPDATE users SET token = gen_random_uuid()", "gen_random_uuid()"),
        ("UPDATE users SET seen = now() WHERE seen IS NULL", "now()"),
        ("UPDATE users SET seen = CURRENT_TIMESTAMP", "changes between runs"),
        ("UPDATE users SET m = (SELECT max(n) FROM users) + 1", "subquery"),
        ("UPDATE users SET (a, b) = (1, 2)", "row of columns"),
        ("UPDATE users SET tags[1] = 'x'", "array elements"),
        ("WITH x AS (SELECT 1) UPDATE users SET a = 1", "WITH"),
        ("UPDATE users SET a = 1 RETURNING id", "returns rows"),
        ("DELETE FROM users WHERE id = (SELECT max(id) FROM users)", "subquery"),
        ("DELETE FROM logs WHERE created < now() - interval '1 year'", "now()"),
        ("INSERT INTO t (a) SELECT a FROM s", "INSERT … VALUES"),
        ("INSERT INTO t VALUES (1)", "named columns"),
        ("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2", "DO UPDATE"),
        ("INSERT INTO t (id) VALUES (nextval('s'))", "no value that stays"),
        ("TRUNCATE users", "no guard is known"),
        ("UPDATE users SET", "cannot parse"),
    ],
)
def test_no_exact_guard(sql: str, reason: str) -> None:
    assert guard_for([], [sql], "postgresql") is None
    assert reason in (why_not([sql], "postgresql") or "")


def test_delete_keeps_its_condition_and_self_join() -> None:
    assert only_sql(
        "DELETE FROM users a USING users b WHERE a.id > b.id AND a.email = b.email"
    ) == ("SELECT 1 FROM users AS a, users AS b WHERE a.id > b.id AND a.email = b.email LIMIT 1")
    assert only_sql("DELETE FROM sessions") == "SELECT 1 FROM sessions LIMIT 1"


def test_delete_with_subquery_on_another_table() -> None:
    assert (
        only_sql("DELETE FROM orders WHERE user_id NOT IN (SELECT id FROM users)")
        == "SELECT 1 FROM orders WHERE NOT user_id IN (SELECT id FROM users) LIMIT 1"
    )


def test_insert_looks_for_each_row_and_skips_volatile_values() -> None:
    assert only_sql(
        "INSERT INTO statuses (id, name, created) VALUES (1, 'new', now()), (2, NULL, now())"
    ) == (
        "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM statuses WHERE id = 1 AND name = 'new') OR "
        "NOT EXISTS (SELECT 1 FROM statuses WHERE id = 2 AND name IS NULL)"
    )


def test_insert_on_conflict_do_nothing_is_checked_like_a_plain_insert() -> None:
    assert only_sql("INSERT INTO s (id) VALUES (1) ON CONFLICT DO NOTHING") == (
        "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM s WHERE id = 1)"
    )


def test_later_statement_that_disturbs_an_earlier_check_refuses() -> None:
    pair = ["UPDATE t SET a = 1 WHERE b = 0", "UPDATE t SET a = 2 WHERE b = 0"]
    assert guard_for([], pair, "postgresql") is None
    assert "later statement" in (why_not(pair, "postgresql") or "")
    # a DELETE after an UPDATE only removes rows: the UPDATE's check cannot fire again
    fine = ["UPDATE t SET a = 1 WHERE a IS NULL", "DELETE FROM t WHERE b < 0"]
    assert len(checks(fine)) == 2
    # an UPDATE of other columns of the same table does not disturb it either
    assert len(checks(["UPDATE t SET a = 1", "UPDATE t SET b = 2"])) == 2
    # unless it changes a column the earlier one's condition reads
    shifted = ["UPDATE t SET a = 1 WHERE b = 0", "UPDATE t SET b = 0 WHERE b = 5"]
    assert guard_for([], shifted, "postgresql") is None


DDL = """
op.alter_column("users", "credits", nullable=False, existing_type=sa.Integer())
op.create_unique_constraint("uq_email", "users", ["email"])
op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])
op.create_check_constraint("ck_mode", "forms", "mode IN (1, 2, 3)")
op.create_primary_key("pk", "pairs", ["a", "b"])
op.create_index("ix", "t2", ["a"], unique=True)
op.create_index("ix2", "t3", ["a"])
op.drop_column("users", "legacy")
"""


def test_ddl_preconditions_follow_the_statement_checks() -> None:
    got = checks("UPDATE users SET credits = 0 WHERE credits IS NULL", DDL)
    assert [c.sql for c in got[1:]] == [
        "SELECT 1 FROM users WHERE credits IS NULL LIMIT 1",
        "SELECT 1 FROM users WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1 LIMIT 1",
        "SELECT 1 FROM orders AS src WHERE src.user_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM users AS ref WHERE ref.id = src.user_id) LIMIT 1",
        "SELECT 1 FROM forms WHERE NOT mode IN (1, 2, 3) LIMIT 1",
        "SELECT 1 FROM pairs WHERE a IS NULL OR b IS NULL UNION ALL "
        "SELECT 1 FROM pairs GROUP BY a, b HAVING count(*) > 1 LIMIT 1",
        "SELECT 1 FROM t2 WHERE a IS NOT NULL GROUP BY a HAVING count(*) > 1 LIMIT 1",
    ]
    assert "credits still holds NULLs" in got[1].why


def test_a_table_an_earlier_deferred_statement_reshapes_gets_no_ddl_check() -> None:
    ops = (
        'op.add_column("users", sa.Column("credits", sa.Integer()))\n'
        'op.alter_column("users", "credits", nullable=False)\n'
    )
    got = checks("UPDATE accounts SET x = 1", ops)
    assert len(got) == 1  # the column does not exist yet when the guard runs


def test_check_condition_must_be_one_expression() -> None:
    ops = 'op.create_check_constraint("ck", "t", "a > 0 FROM pg_class")\n'
    assert len(checks("UPDATE t SET a = 1 WHERE a <= 0", ops)) == 1


def test_identifiers_are_quoted_as_postgresql_needs() -> None:
    ops = 'op.alter_column("User Accounts", "Credits", nullable=False, schema="app")\n'
    got = checks("UPDATE accounts SET x = 1", ops)
    assert got[1].sql == 'SELECT 1 FROM app."User Accounts" WHERE "Credits" IS NULL LIMIT 1'


def test_no_statements_no_guard() -> None:
    assert guard_for([], [], "postgresql") is None


def test_the_generic_dialect_gets_no_guard() -> None:
    assert guard_for([], ["UPDATE t SET a = 1"], "generic") is None
    assert "generic dialect" in (why_not(["UPDATE t SET a = 1"], "generic") or "")


BACKFILL = "UPDATE users SET credits = 0 WHERE credits IS NULL"


@pytest.mark.parametrize(
    ("dialect", "update", "not_null"),
    [
        (
            "mysql",
            "SELECT 1 FROM users WHERE (credits IS NULL) AND (NOT (users.credits <=> (0))) LIMIT 1",
            "SELECT 1 FROM users WHERE credits IS NULL LIMIT 1",
        ),
        (
            "sqlite",
            "SELECT 1 FROM users WHERE (credits IS NULL) AND (users.credits IS NOT (0)) LIMIT 1",
            "SELECT 1 FROM users WHERE credits IS NULL LIMIT 1",
        ),
        (
            "mssql",
            "SELECT TOP 1 1 FROM users WHERE (credits IS NULL) AND ((users.credits <> (0) OR "
            "(users.credits IS NULL AND NOT (0) IS NULL) OR (NOT users.credits IS NULL AND (0) IS "
            "NULL)))",
            "SELECT TOP 1 1 FROM users WHERE credits IS NULL",
        ),
        (
            "oracle",
            "SELECT 1 FROM users WHERE (credits IS NULL) AND ((users.credits <> (0) OR "
            "(users.credits IS NULL AND NOT (0) IS NULL) OR (NOT users.credits IS NULL AND (0) IS "
            "NULL))) FETCH FIRST 1 ROWS ONLY",
            "SELECT 1 FROM users WHERE credits IS NULL FETCH FIRST 1 ROWS ONLY",
        ),
    ],
)
def test_other_dialects_through_sqlglot(dialect: str, update: str, not_null: str) -> None:
    got = checks(BACKFILL, 'op.alter_column("users", "credits", nullable=False)', dialect)
    assert [c.sql for c in got] == [update, not_null]
    assert guard_for([], ["UPDATE p SET price = price * 100"], dialect) is None


def test_insert_rows_in_mysql_and_oracle_select_from_one_row() -> None:
    sql = "INSERT INTO s (id, name) VALUES (1, 'a')"
    assert only_sql(sql, "mysql") == (
        "SELECT 1 FROM (SELECT 1 AS one) AS one_row WHERE NOT EXISTS(SELECT 1 FROM s WHERE id = 1 "
        "AND name = 'a')"
    )
    assert only_sql(sql, "oracle").startswith("SELECT 1 FROM DUAL WHERE NOT EXISTS(")


DDL_SQLITE = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, credits INTEGER, email TEXT);"
    "CREATE TABLE statuses (id INTEGER PRIMARY KEY, name TEXT);"
    "CREATE TABLE orders (id INTEGER, user_id INTEGER)"
)
SQLITE_CASES = [
    (
        "INSERT INTO users (id, email) VALUES (1, 'a'), (2, 'a'), (3, NULL)",
        ["UPDATE users SET credits = 0 WHERE credits IS NULL"],
        'op.alter_column("users", "credits", nullable=False)',
        False,
    ),
    (
        "INSERT INTO users (id, email) VALUES (1, 'a'), (2, 'a'), (3, NULL), (4, NULL)",
        ["DELETE FROM users WHERE email = 'a' AND id > 1"],
        'op.create_unique_constraint("uq", "users", ["email"])',
        False,
    ),
    (
        "INSERT INTO orders VALUES (1, 9), (2, NULL)",
        ["INSERT OR IGNORE INTO users (id, email) VALUES (9, 'x')"],
        'op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])',
        True,
    ),
    (
        "INSERT INTO orders VALUES (1, 1), (1, 2)",
        ["DELETE FROM orders WHERE user_id = 2"],
        'op.create_primary_key("pk", "orders", ["id"])',
        False,
    ),
]


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "postgresql"])
def test_a_primary_key_guard_stops_on_nulls_left_by_the_script(dialect: str) -> None:
    """A NULL the script leaves in a key column makes `create_primary_key` fail: the guard
    must stop first on every dialect (run on SQLite, whose NULL and GROUP BY rules these
    queries share)."""
    guard = guard_for(
        ast.parse('op.create_primary_key("pk", "orders", ["id"])').body,
        ["UPDATE orders SET user_id = 3 WHERE user_id = 2"],
        dialect,
    )
    assert guard is not None
    db = sqlite3.connect(":memory:")
    db.executescript(DDL_SQLITE)
    db.execute("INSERT INTO orders VALUES (1, 1), (NULL, 2)")
    db.execute("UPDATE orders SET user_id = 3 WHERE user_id = 2")
    key = [c for c in guard.checks if "primary key" in c.why]
    assert key and all(db.execute(c.sql).fetchone() is not None for c in key), key
    db.execute("UPDATE orders SET id = 2 WHERE id IS NULL")
    assert all(db.execute(c.sql).fetchone() is None for c in key)


@pytest.mark.parametrize(("seed", "script", "ddl", "stops_when_empty"), SQLITE_CASES)
def test_sqlite_guards_on_a_real_database(
    seed: str, script: list[str], ddl: str, stops_when_empty: bool
) -> None:
    guard = guard_for(ast.parse(ddl).body, script, "sqlite")
    assert guard is not None

    def stops(db: sqlite3.Connection) -> bool:
        return any(db.execute(c.sql).fetchone() is not None for c in guard.checks)

    db = sqlite3.connect(":memory:")
    db.executescript(DDL_SQLITE)
    assert stops(db) is stops_when_empty
    db.executescript(seed)
    assert stops(db)
    for statement in script:
        db.execute(statement)
    assert not stops(db)


def test_volatile_fill_of_nulls_is_proven_by_the_not_null_after_it() -> None:
    fill = "UPDATE users SET token = gen_random_uuid() WHERE token IS NULL"
    ops = 'op.alter_column("users", "token", nullable=False)'
    [check] = checks(fill, ops)
    assert check.sql == "SELECT 1 FROM users WHERE token IS NULL LIMIT 1"
    assert guard_for([], [fill], "postgresql") is None  # without the NOT NULL: no exact check
    narrower = "UPDATE users SET token = now() WHERE token IS NULL AND id > 1"
    assert guard_for(ast.parse(ops).body, [narrower], "postgresql") is None
    other = 'op.alter_column("users", "other", nullable=False)'
    assert guard_for(ast.parse(other).body, [fill], "postgresql") is None


def test_json_and_array_values_are_not_compared() -> None:
    sql = """INSERT INTO s (id, data, tags) VALUES (1, '{"a": 1}', ARRAY['x']), (2, '[1]'::jsonb, '{}')"""
    assert only_sql(sql) == (
        "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM s WHERE id = 1) OR "
        "NOT EXISTS (SELECT 1 FROM s WHERE id = 2)"
    )
    assert "data" not in only_sql("""INSERT INTO s (id, data) VALUES (1, '{"a": 1}')""", "mysql")


def test_preconditions_of_alter_table_text_and_batch_blocks() -> None:
    ops = (
        'op.execute("ALTER TABLE users ALTER COLUMN credits SET NOT NULL, '
        'ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id)")\n'
        'with op.batch_alter_table("forms") as batch_op:\n'
        '    batch_op.create_check_constraint("ck", "mode > 0")\n'
        '    batch_op.alter_column("mode", nullable=False)\n'
    )
    got = checks("UPDATE users SET credits = 0 WHERE credits IS NULL", ops)
    assert [c.sql for c in got[1:]] == [
        "SELECT 1 FROM users WHERE credits IS NULL LIMIT 1",
        "SELECT 1 FROM users AS src WHERE src.org_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM orgs AS ref WHERE ref.id = src.org_id) LIMIT 1",
        "SELECT 1 FROM forms WHERE NOT mode > 0 LIMIT 1",
        "SELECT 1 FROM forms WHERE mode IS NULL LIMIT 1",
    ]


def test_unknown_deferred_code_ends_the_ddl_checks() -> None:
    ops = (
        "helper()\n"  # could do anything to any table
        'op.alter_column("users", "credits", nullable=False)\n'
    )
    assert len(checks("UPDATE users SET credits = 0 WHERE credits IS NULL", ops)) == 1
    ops = 'op.execute("CREATE TABLE x (a int)")\nop.alter_column("x", "a", nullable=False)\n'
    assert len(checks("UPDATE users SET credits = 0", ops)) == 1


@pytest.mark.parametrize(
    ("dialect", "duplicates", "orphans"),
    [
        (
            "mysql",
            "SELECT 1 FROM pairs GROUP BY a, b HAVING COUNT(*) > 1 OR a IS NULL OR b IS NULL "
            "LIMIT 1",
            "SELECT 1 FROM orders AS src WHERE NOT src.user_id IS NULL AND NOT EXISTS(SELECT 1 "
            "FROM users AS ref WHERE ref.id = src.user_id) LIMIT 1",
        ),
        (
            "mssql",
            "SELECT TOP 1 1 FROM pairs GROUP BY a, b HAVING COUNT(*) > 1 OR a IS NULL OR b IS NULL",
            "SELECT TOP 1 1 FROM orders AS src WHERE NOT src.user_id IS NULL AND NOT EXISTS("
            "SELECT 1 FROM users AS ref WHERE ref.id = src.user_id)",
        ),
        (
            "oracle",
            "SELECT 1 FROM pairs GROUP BY a, b HAVING COUNT(*) > 1 OR a IS NULL OR b IS NULL "
            "FETCH FIRST 1 ROWS ONLY",
            "SELECT 1 FROM orders src WHERE NOT src.user_id IS NULL AND NOT EXISTS(SELECT 1 "
            "FROM users ref WHERE ref.id = src.user_id) FETCH FIRST 1 ROWS ONLY",
        ),
        (
            "postgresql",
            "SELECT 1 FROM pairs WHERE a IS NULL OR b IS NULL UNION ALL SELECT 1 FROM pairs "
            "GROUP BY a, b HAVING count(*) > 1 LIMIT 1",
            "SELECT 1 FROM orders AS src WHERE src.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 "
            "FROM users AS ref WHERE ref.id = src.user_id) LIMIT 1",
        ),
    ],
)
def test_key_and_foreign_key_checks_as_each_dialect_spells_them(
    dialect: str, duplicates: str, orphans: str
) -> None:
    """The precondition checks are composed once (guards.py) from each dialect's spelling; a
    primary key's NULLs are looked for on every dialect (a UNION on PostgreSQL, the HAVING of
    the one SELECT the others' guards allow)."""
    ddl = ast.parse(
        'op.create_primary_key("pk", "pairs", ["a", "b"])\n'
        'op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])\n'
    ).body
    guard = guard_for(ddl, ["DELETE FROM pairs WHERE a = 0"], dialect)
    assert guard is not None
    assert [c.sql for c in guard.checks[1:]] == [duplicates, orphans]
    assert guard.checks[2].why == (
        "orders has rows whose (user_id) match no row of users (a foreign key follows)"
    )
