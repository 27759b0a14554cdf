"""MySQL, SQLite, SQL Server, Oracle and generic SQL through sqlglot."""

from __future__ import annotations

import pytest
from ddlguard.sql import StatementKind

from .helpers import classify, only

DML, DDL, READ, CONTROL = (
    StatementKind.DML,
    StatementKind.DDL,
    StatementKind.READ,
    StatementKind.CONTROL,
)

MYSQL = [
    ("UPDATE users SET a = 1 WHERE id = 2", DML, "UPDATE", ("users",)),
    ("UPDATE `my table` SET a = 1", DML, "UPDATE", ("`my table`",)),
    ("UPDATE a JOIN b ON a.id = b.id SET a.x = b.x", DML, "UPDATE", ("a",)),
    ("DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id", DML, "DELETE", ("t1",)),
    ("INSERT INTO db.t VALUES (1)", DML, "INSERT", ("db.t",)),
    ("INSERT IGNORE INTO t VALUES (1)", DML, "INSERT", ("t",)),
    ("INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2", DML, "INSERT", ("t",)),
    ("REPLACE INTO t (a) VALUES (1)", DML, "REPLACE", ("t",)),
    ("TRUNCATE TABLE t", DML, "TRUNCATE", ("t",)),
    ("CREATE TABLE t2 AS SELECT * FROM t", DML, "CREATE TABLE AS", ("t2",)),
    ("LOAD DATA INFILE 'rows.csv' INTO TABLE t", DML, "LOAD DATA", ("t",)),
    ("ALTER TABLE t ADD COLUMN c INT", DDL, "ALTER TABLE", ("t",)),
    ("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB", DDL, "CREATE TABLE", ("t",)),
    ("CREATE INDEX ix ON t (a)", DDL, "CREATE INDEX", ()),
    ("DROP TABLE IF EXISTS t", DDL, "DROP TABLE", ()),
    ("RENAME TABLE a TO b", DDL, "RENAME TABLE", ()),
    ("GRANT SELECT ON t TO u", DDL, "GRANT", ()),
    ("SELECT * FROM t", READ, "SELECT", ("t",)),
    ("SELECT a INTO @x FROM t", READ, "SELECT", ("t",)),
    ("SELECT a INTO OUTFILE 'rows.csv' FROM t", READ, "SELECT", ("t",)),
    ("SET NAMES utf8mb4", CONTROL, "SET", ()),
    ("START TRANSACTION", CONTROL, "START", ()),
    ("COMMIT", CONTROL, "COMMIT", ()),
    ("LOCK TABLES t WRITE", CONTROL, "LOCK", ()),
    ("SHOW TABLES", CONTROL, "SHOW", ()),
]

SQLITE = [
    ("INSERT OR IGNORE INTO t VALUES (1)", DML, "INSERT", ("t",)),
    ("INSERT OR REPLACE INTO t VALUES (1)", DML, "INSERT", ("t",)),
    ("REPLACE INTO t VALUES (1)", DML, "REPLACE", ("t",)),
    ('UPDATE "t" SET a = 1', DML, "UPDATE", ('"t"',)),
    ("DELETE FROM t WHERE a IS NULL", DML, "DELETE", ("t",)),
    ("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 2", DML, "INSERT", ("t",)),
    ("WITH s AS (SELECT 1) INSERT INTO t SELECT * FROM s", DML, "INSERT", ("t",)),
    ("CREATE TABLE t2 AS SELECT * FROM t", DML, "CREATE TABLE AS", ("t2",)),
    ("CREATE TABLE t (a INTEGER)", DDL, "CREATE TABLE", ("t",)),
    ("ALTER TABLE t RENAME TO u", DDL, "ALTER TABLE", ("t",)),
    ("CREATE UNIQUE INDEX ix ON t (a)", DDL, "CREATE INDEX", ()),
    (
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET a = 1; DELETE FROM v; END",
        DDL,
        "CREATE TRIGGER",
        (),
    ),
    ("SELECT * FROM t", READ, "SELECT", ("t",)),
    ("VALUES (1)", READ, "VALUES", ()),
    ("PRAGMA foreign_keys = ON", CONTROL, "PRAGMA", ()),
    ("VACUUM", CONTROL, "VACUUM", ()),
    ("BEGIN", CONTROL, "BEGIN", ()),
]

OTHERS = [
    ("mssql", "SELECT * INTO new_t FROM old_t", DML, "SELECT INTO", ("new_t",)),
    ("mssql", "UPDATE [dbo].[t] SET a = 1", DML, "UPDATE", ("[dbo].[t]",)),
    (
        "mssql",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1",
        DML,
        "MERGE",
        ("t",),
    ),
    ("mssql", "ALTER TABLE t ADD c INT", DDL, "ALTER TABLE", ("t",)),
    ("oracle", "UPDATE t SET a = :1", DML, "UPDATE", ("t",)),
    ("oracle", "COMMENT ON TABLE t IS 'delete me'", DDL, "COMMENT", ("t",)),
    ("oracle", "BEGIN UPDATE t SET a = 1", DML, "UPDATE", ("t",)),
    ("generic", "DELETE FROM t WHERE a = {}", DML, "DELETE", ("t",)),
    ("generic", "CREATE TABLE t (a INT)", DDL, "CREATE TABLE", ("t",)),
]


def _check(dialect: str, sql: str, kind: StatementKind, verb: str, tables: tuple[str, ...]) -> None:
    s = only(sql, dialect)
    assert (s.kind, s.verb, s.tables) == (kind, verb, tables)


@pytest.mark.parametrize(("sql", "kind", "verb", "tables"), MYSQL)
def test_mysql(sql: str, kind: StatementKind, verb: str, tables: tuple[str, ...]) -> None:
    _check("mysql", sql, kind, verb, tables)


@pytest.mark.parametrize(("sql", "kind", "verb", "tables"), SQLITE)
def test_sqlite(sql: str, kind: StatementKind, verb: str, tables: tuple[str, ...]) -> None:
    _check("sqlite", sql, kind, verb, tables)


@pytest.mark.parametrize(("dialect", "sql", "kind", "verb", "tables"), OTHERS)
def test_other_dialects(
    dialect: str, sql: str, kind: StatementKind, verb: str, tables: tuple[str, ...]
) -> None:
    _check(dialect, sql, kind, verb, tables)


def test_sqlglot_decides_what_it_parses() -> None:
    assert only("UPDATE t SET a = 1", "mysql").parser == "sqlglot"
    assert only("INSERT OR IGNORE INTO t VALUES (1)", "sqlite").parser == "sqlglot"


def test_mysql_splitting_knows_its_quoting_and_comments() -> None:
    sql = "UPDATE t SET a = 'x\\';y' # ; DELETE FROM nothing\n; INSERT INTO `a;b` VALUES (1)"
    statements = classify(sql, "mysql")
    assert [(s.verb, s.tables) for s in statements] == [("UPDATE", ("t",)), ("INSERT", ("`a;b`",))]


def test_mysql_trigger_body_is_one_statement() -> None:
    sql = (
        "CREATE TRIGGER tr BEFORE UPDATE ON a FOR EACH ROW BEGIN "
        "IF NEW.x THEN SET NEW.y = CASE WHEN 1 THEN 2 END; END IF; UPDATE b SET c = 1; END; "
        "DELETE FROM z"
    )
    statements = classify(sql, "mysql")
    assert [(s.kind, s.verb) for s in statements] == [(DDL, "CREATE TRIGGER"), (DML, "DELETE")]


def test_mixed_statements_in_sqlite() -> None:
    sql = (
        "CREATE TABLE t (a INT); -- INSERT later\nINSERT INTO t VALUES (?); PRAGMA user_version = 2"
    )
    statements = classify(sql, "sqlite")
    assert [s.kind for s in statements] == [DDL, DML, CONTROL]
    assert statements[1].text == "INSERT INTO t VALUES (?)"


def test_dml_words_in_mysql_literals_and_comments() -> None:
    sql = "ALTER TABLE t COMMENT = 'delete me' -- UPDATE later"
    assert only(sql, "mysql").kind is DDL


def test_dialect_name_is_case_insensitive() -> None:
    assert only("REPLACE INTO t VALUES (1)", "MySQL").verb == "REPLACE"
