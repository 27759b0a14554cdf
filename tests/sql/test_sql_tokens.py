"""The token-level fallback: what is decided when no parser reads a statement."""

from __future__ import annotations

import pytest
from ddlguard.sql import HOLE, StatementKind
from ddlguard.sql.tokens import classify_tokens, ddl_verb, split_statements

DML, DDL, READ, CONTROL, UNKNOWN = (
    StatementKind.DML,
    StatementKind.DDL,
    StatementKind.READ,
    StatementKind.CONTROL,
    StatementKind.UNKNOWN,
)


@pytest.mark.parametrize(
    ("text", "kind", "verb", "tables"),
    [
        ("UPDATE users SET a = %%%", DML, "UPDATE", ("users",)),
        ("INSERT OR IGNORE INTO t VALUES (", DML, "INSERT", ("t",)),
        ("REPLACE INTO t VALUES (", DML, "REPLACE", ("t",)),
        ("DELETE FROM ONLY s.t WHERE (", DML, "DELETE", ("s.t",)),
        ("LOAD DATA INFILE 'x' INTO TABLE t (", DML, "LOAD DATA", ("t",)),
        ("WITH x AS (DELETE FROM t RETURNING *) SELECT (", DML, "DELETE", ("t",)),
        ("WITH x AS (SELECT * FROM t FOR UPDATE) SELECT (", READ, "SELECT", ()),
        ("SELECT a INTO new_t FROM t WHERE (", DML, "SELECT INTO", ("new_t",)),
        ("SELECT a INTO OUTFILE '/x' FROM t WHERE (", READ, "SELECT", ("t",)),
        ("SELECT a INTO @v FROM t WHERE (", READ, "SELECT", ("t",)),
        ("CREATE TABLE a AS SELECT * FROM b (", DML, "CREATE TABLE AS", ("a",)),
        ("CREATE TABLE a AS SELECT * FROM b WITH NO DATA", DDL, "CREATE TABLE AS", ("a",)),
        (
            "CREATE FUNCTION f() RETURNS TABLE (a int) AS $$ SELECT 1 $$ (",
            DDL,
            "CREATE FUNCTION",
            (),
        ),
        ("CREATE OR REPLACE VIEW v AS SELECT (", DDL, "CREATE VIEW", ()),
        ("COPY t FROM STDIN (", DML, "COPY", ("t",)),
        ("COPY t TO STDOUT (", READ, "COPY", ("t",)),
        ("COPY (SELECT * FROM t) TO STDOUT (", READ, "COPY", ()),
        ("UPDATE zürich.straße SET a = (", DML, "UPDATE", ("zürich.straße",)),
        ('UPDATE "a""b" SET x = (', DML, "UPDATE", ('"a""b"',)),
        ("SET x = (", CONTROL, "SET", ()),
        ("BEGIN", CONTROL, "BEGIN", ()),
        ("BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE", CONTROL, "BEGIN", ()),
        ("BEGIN UPDATE t SET a = 1", DML, "UPDATE", ("t",)),
        ("BEGIN dbms_stats.gather_table_stats('S', 'T')", UNKNOWN, "BEGIN", ()),
        ("DO $$ anything $$", UNKNOWN, "DO", ()),
        (f"{HOLE} FROM t", UNKNOWN, "?", ()),
        (f"UPDATE {HOLE} SET a = (", DML, "UPDATE", ()),
        ("frobnicate the table", UNKNOWN, "FROBNICATE", ()),
    ],
)
def test_classify_tokens(
    text: str, kind: StatementKind, verb: str, tables: tuple[str, ...]
) -> None:
    s = classify_tokens(text)
    assert (s.kind, s.verb, s.tables, s.parser) == (kind, verb, tables, "tokens")


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("CREATE UNIQUE INDEX CONCURRENTLY ix ON t (a)", "CREATE INDEX"),
        ("CREATE OR REPLACE FUNCTION f()", "CREATE FUNCTION"),
        ("CREATE TEMP TABLE t (a int)", "CREATE TABLE"),
        ("CREATE MATERIALIZED VIEW mv AS SELECT 1", "CREATE MATERIALIZED VIEW"),
        ("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r", "ALTER DEFAULT PRIVILEGES"),
        ("COMMENT ON TABLE t IS 'x'", "COMMENT"),
        ("-- lead\nDROP INDEX ix", "DROP INDEX"),
    ],
)
def test_ddl_verb(text: str, verb: str) -> None:
    assert ddl_verb(text) == verb


def test_split_drops_trailing_comments_so_an_appended_semicolon_is_not_commented_out() -> None:
    sql = "UPDATE t SET a = '--x' /* note */ ; DELETE FROM u -- done\n; SELECT $$ -- $$ -- c"
    texts = [sql[s:e] for s, e in split_statements(sql)]
    assert texts == ["UPDATE t SET a = '--x'", "DELETE FROM u", "SELECT $$ -- $$"]


def test_split_keeps_comments_inside_a_statement() -> None:
    sql = "SELECT a -- first\n  , b FROM t"
    assert [sql[s:e] for s, e in split_statements(sql)] == [sql]
