"""PostgreSQL statements, one bullet of the classification rules at a time (pglast decides)."""

from __future__ import annotations

import pytest
from ddlguard.sql import StatementKind

from .helpers import classify, only

DML, DDL, READ, CONTROL, UNKNOWN = (
    StatementKind.DML,
    StatementKind.DDL,
    StatementKind.READ,
    StatementKind.CONTROL,
    StatementKind.UNKNOWN,
)

CASES = [
    # data changes
    ("UPDATE users SET active = true WHERE id = 1", DML, "UPDATE", ("users",)),
    ("update public.users set active = false", DML, "UPDATE", ("public.users",)),
    ('UPDATE "Users" SET a = 1', DML, "UPDATE", ('"Users"',)),
    ("UPDATE ONLY accounts SET a = 1", DML, "UPDATE", ("accounts",)),
    ("INSERT INTO t (a) VALUES (1)", DML, "INSERT", ("t",)),
    ("INSERT INTO t SELECT * FROM s", DML, "INSERT", ("t",)),
    ("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", DML, "INSERT", ("t",)),
    ("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 2", DML, "INSERT", ("t",)),
    ("DELETE FROM sessions WHERE expired", DML, "DELETE", ("sessions",)),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", DML, "MERGE", ("t",)),
    ("TRUNCATE a, b.c", DML, "TRUNCATE", ("a", "b.c")),
    ("TRUNCATE TABLE logs RESTART IDENTITY", DML, "TRUNCATE", ("logs",)),
    ("COPY t FROM STDIN", DML, "COPY", ("t",)),
    ("COPY t (a, b) FROM '/data/t.csv' WITH (FORMAT csv)", DML, "COPY", ("t",)),
    ("SELECT * INTO new_t FROM old_t", DML, "SELECT INTO", ("new_t",)),
    ("SELECT a INTO TEMP tmp FROM old_t", DML, "SELECT INTO", ("tmp",)),
    ("CREATE TABLE a AS SELECT * FROM b", DML, "CREATE TABLE AS", ("a",)),
    ("CREATE TABLE IF NOT EXISTS a AS TABLE b", DML, "CREATE TABLE AS", ("a",)),
    ("EXPLAIN ANALYZE DELETE FROM t", DML, "DELETE", ("t",)),
    # data-modifying CTEs
    ("WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x", DML, "UPDATE", ("t",)),
    (
        "WITH d AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM d",
        DML,
        "INSERT",
        ("b", "a"),
    ),
    ("WITH s AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM s", DML, "INSERT", ("t",)),
    (
        "WITH a AS (SELECT 1), b AS (WITH c AS (DELETE FROM q RETURNING 1) SELECT * FROM c) "
        "SELECT * FROM b",
        DML,
        "DELETE",
        ("q",),
    ),
    # schema changes
    ("CREATE TABLE users (id int PRIMARY KEY)", DDL, "CREATE TABLE", ("users",)),
    ("ALTER TABLE users ADD COLUMN email text", DDL, "ALTER TABLE", ("users",)),
    ("DROP TABLE IF EXISTS old_users", DDL, "DROP TABLE", ()),
    ("CREATE INDEX CONCURRENTLY ix_a ON t (a)", DDL, "CREATE INDEX", ("t",)),
    ("CREATE UNIQUE INDEX ix_b ON t (b)", DDL, "CREATE INDEX", ("t",)),
    ("ALTER TYPE mood ADD VALUE 'meh'", DDL, "ALTER TYPE", ()),
    ("CREATE EXTENSION IF NOT EXISTS pgcrypto", DDL, "CREATE EXTENSION", ()),
    ("COMMENT ON TABLE t IS 'delete me'", DDL, "COMMENT", ()),
    ("COMMENT ON COLUMN t.a IS 'update: insert into x'", DDL, "COMMENT", ()),
    ("GRANT SELECT ON t TO reader", DDL, "GRANT", ("t",)),
    ("REVOKE UPDATE ON t FROM writer", DDL, "REVOKE", ("t",)),
    ("CREATE MATERIALIZED VIEW mv AS SELECT * FROM b", DDL, "CREATE MATERIALIZED VIEW", ("mv",)),
    ("CREATE TABLE a AS SELECT * FROM b WITH NO DATA", DDL, "CREATE TABLE AS", ("a",)),
    ("CREATE VIEW v AS SELECT * FROM b", DDL, "CREATE VIEW", ("v",)),
    ("ALTER TABLE t RENAME COLUMN a TO b", DDL, "ALTER TABLE", ("t",)),
    ("CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING", DDL, "CREATE RULE", ("t",)),
    (
        "CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        DDL,
        "CREATE TRIGGER",
        ("t",),
    ),
    ("CREATE SEQUENCE s", DDL, "CREATE SEQUENCE", ("s",)),
    ("REFRESH MATERIALIZED VIEW mv", DDL, "REFRESH MATERIALIZED VIEW", ("mv",)),
    # function and procedure bodies are definitions, not executions
    (
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$ BEGIN "
        "UPDATE t SET a = 1; DELETE FROM u; RETURN NEW; END $$ LANGUAGE plpgsql",
        DDL,
        "CREATE FUNCTION",
        (),
    ),
    (
        "CREATE FUNCTION f() RETURNS void AS 'BEGIN UPDATE t SET a = 1; END' LANGUAGE plpgsql",
        DDL,
        "CREATE FUNCTION",
        (),
    ),
    (
        "CREATE PROCEDURE p() LANGUAGE sql AS $body$ INSERT INTO t VALUES (1) $body$",
        DDL,
        "CREATE PROCEDURE",
        (),
    ),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1", DDL, "CREATE FUNCTION", ()),
    # reads
    ("SELECT * FROM users", READ, "SELECT", ("users",)),
    ("SELECT id FROM public.users WHERE a = 1", READ, "SELECT", ("public.users",)),
    ("SELECT 1", READ, "SELECT", ()),
    ("SELECT 1 UNION SELECT a FROM t", READ, "SELECT", ()),
    ("VALUES (1), (2)", READ, "VALUES", ()),
    ("TABLE users", READ, "TABLE", ("users",)),
    ("COPY t TO STDOUT", READ, "COPY", ("t",)),
    ("COPY (SELECT * FROM t) TO STDOUT", READ, "COPY", ()),
    ("WITH x AS (SELECT 1) SELECT * FROM x", READ, "SELECT", ("x",)),
    ("SELECT setval('users_id_seq', 10)", READ, "SELECT", ()),
    # control
    ("BEGIN", CONTROL, "BEGIN", ()),
    ("COMMIT", CONTROL, "COMMIT", ()),
    ("ROLLBACK", CONTROL, "ROLLBACK", ()),
    ("SAVEPOINT s1", CONTROL, "SAVEPOINT", ()),
    ("SET lock_timeout = '5s'", CONTROL, "SET", ()),
    ("SET LOCAL statement_timeout TO 0", CONTROL, "SET", ()),
    ("RESET ALL", CONTROL, "RESET", ()),
    ("SHOW search_path", CONTROL, "SHOW", ()),
    ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", CONTROL, "LOCK", ()),
    ("VACUUM ANALYZE t", CONTROL, "VACUUM", ()),
    ("ANALYZE t", CONTROL, "ANALYZE", ()),
    ("EXPLAIN DELETE FROM t", CONTROL, "EXPLAIN", ()),
    ("NOTIFY channel", CONTROL, "NOTIFY", ()),
    # unknowable: a procedure or prepared statement may write anything
    ("CALL archive_old_rows()", UNKNOWN, "CALL", ()),
    ("EXECUTE prepared_update(1)", UNKNOWN, "EXECUTE", ()),
]


@pytest.mark.parametrize(("sql", "kind", "verb", "tables"), CASES)
def test_postgresql_statement(
    sql: str, kind: StatementKind, verb: str, tables: tuple[str, ...]
) -> None:
    s = only(sql)
    assert (s.kind, s.verb, s.tables) == (kind, verb, tables)
    assert s.parser == "pglast"
    assert s.changes_data is (kind is DML)


@pytest.mark.parametrize(
    ("sql", "locking"),
    [
        ("SELECT * FROM t FOR UPDATE", True),
        ("SELECT * FROM t FOR SHARE SKIP LOCKED", True),
        ("SELECT * FROM t FOR NO KEY UPDATE", True),
        ("SELECT * FROM t", False),
        ("SELECT 'for update' FROM t", False),
    ],
)
def test_locking_reads(sql: str, locking: bool) -> None:
    s = only(sql)
    assert s.kind is READ
    assert s.locking is locking


def test_describe_names_the_table() -> None:
    assert only("UPDATE public.accounts SET a = 1").describe() == "UPDATE on public.accounts"
    assert only("SELECT 1").describe() == "SELECT"


def test_non_ascii_offsets_and_names() -> None:
    """libpg_query reports UTF-8 byte offsets; 2-, 3- and 4-byte characters shift them."""
    sql = "SELECT 'é€😀'; /* ü */ UPDATE \"Zürich😀\" SET a = 'ö'; DELETE FROM t"
    _, second, third = classify(sql)
    assert second.text == "UPDATE \"Zürich😀\" SET a = 'ö'"
    assert second.tables == ('"Zürich😀"',)
    assert third.text == "DELETE FROM t"


def test_long_non_ascii_script() -> None:
    sql = ";\n".join(f"UPDATE t{i} SET a = 'é😀'" for i in range(3000))
    statements = classify(sql)
    assert len(statements) == 3000
    assert statements[-1].tables == ("t2999",)
    assert statements[-1].text == "UPDATE t2999 SET a = 'é😀'"
