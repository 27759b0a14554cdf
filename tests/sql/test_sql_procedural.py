"""Procedural SQL outside PostgreSQL: anonymous `BEGIN ... END` blocks are what their
statements do; routine bodies (`CREATE TRIGGER/PROCEDURE ... BEGIN ... END`) are one DDL
statement, also when the project's dialect is PostgreSQL and the text is another's."""

from __future__ import annotations

import pytest
from ddlguard.sql import StatementKind, classify_sql

DML, DDL, UNKNOWN, CONTROL = (
    StatementKind.DML,
    StatementKind.DDL,
    StatementKind.UNKNOWN,
    StatementKind.CONTROL,
)

ORACLE_INDEX = (
    "BEGIN\n"
    "  EXECUTE IMMEDIATE 'CREATE INDEX ix_t_a ON t (a)';\n"
    "EXCEPTION WHEN OTHERS THEN\n"
    "  IF SQLCODE != -955 THEN RAISE; END IF;\n"
    "END;"
)

BLOCKS = {
    "execute immediate update": (
        "BEGIN EXECUTE IMMEDIATE 'update t set a = 1'; END;",
        DML,
        "UPDATE",
        ("t",),
    ),
    "execute immediate ddl": (ORACLE_INDEX, DDL, "BEGIN", ()),
    "declare then insert, quoted semicolon": (
        "DECLARE\n  n NUMBER;\nBEGIN\n  SELECT count(*) INTO n FROM t;\n  IF n = 0 THEN\n"
        "    EXECUTE IMMEDIATE 'INSERT INTO t VALUES (''a;b'')';\n  END IF;\nEND;",
        DML,
        "INSERT",
        ("t",),
    ),
    "concatenated literal shows the verb": (
        "BEGIN EXECUTE IMMEDIATE 'UPDATE ' || tbl || ' SET a = 1'; END;",
        DML,
        "UPDATE",
        (),
    ),
    "a variable cannot be read": ("BEGIN EXECUTE IMMEDIATE v_sql; END;", UNKNOWN, "BEGIN", ()),
    "plain statements": (
        "BEGIN UPDATE t SET a = 1; DELETE FROM u; END;",
        DML,
        "UPDATE",
        ("t", "u"),
    ),
    "using clause": (
        "BEGIN EXECUTE IMMEDIATE 'DELETE FROM t WHERE id = :1' USING v_id; END;",
        DML,
        "DELETE",
        ("t",),
    ),
}


@pytest.mark.parametrize("dialect", ["oracle", "postgresql"])
@pytest.mark.parametrize("case", BLOCKS.values(), ids=BLOCKS.keys())
def test_anonymous_blocks_are_one_statement(
    case: tuple[str, StatementKind, str, tuple[str, ...]], dialect: str
) -> None:
    sql, kind, verb, tables = case
    (statement,) = classify_sql(sql, dialect)
    assert (statement.kind, statement.verb, statement.tables) == (kind, verb, tables)
    assert statement.text == sql.rstrip(";")


def test_transactions_are_not_blocks() -> None:
    for dialect, sql in [
        ("oracle", "BEGIN; UPDATE t SET a = 1; COMMIT;"),
        ("mssql", "BEGIN TRANSACTION; UPDATE t SET a = 1; COMMIT;"),
        ("postgresql", "BEGIN; UPDATE t SET a = 1; COMMIT;"),
    ]:
        kinds = [s.kind for s in classify_sql(sql, dialect)]
        assert kinds == [CONTROL, DML, CONTROL], dialect


def test_mssql_declare_is_a_statement_of_its_own() -> None:
    sql = "DECLARE @n INT; UPDATE t SET a = 1"
    assert [s.kind for s in classify_sql(sql, "mssql")][-1] is DML
    assert len(classify_sql(sql, "mssql")) == 2


MYSQL_TRIGGER = (
    "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\n"
    "BEGIN\n"
    "  IF NEW.a IS NULL THEN\n    SET NEW.a = 1;\n"
    "  ELSEIF NEW.a > 5 THEN\n    UPDATE x SET a = 5;\n"
    "  END IF;\n"
    "END"
)
MYSQL_PROCEDURE = (
    "CREATE PROCEDURE p()\nBEGIN\n  DECLARE x INT;\n  UPDATE t SET a = 1;\n"
    "  WHILE x < 5 DO\n    SET x = x + 1;\n  END WHILE;\nEND"
)


@pytest.mark.parametrize("dialect", ["mysql", "postgresql"])
@pytest.mark.parametrize(
    ("sql", "verb"),
    [(MYSQL_TRIGGER, "CREATE TRIGGER"), (MYSQL_PROCEDURE, "CREATE PROCEDURE")],
    ids=["trigger", "procedure"],
)
def test_routine_bodies_are_not_split(sql: str, verb: str, dialect: str) -> None:
    (statement,) = classify_sql(sql, dialect)
    assert (statement.kind, statement.verb) == (DDL, verb)


def test_a_statement_after_a_routine_is_its_own() -> None:
    sql = MYSQL_PROCEDURE + ";\nUPDATE z SET a = 2"
    for dialect in ("mysql", "postgresql"):
        found = [(s.kind, s.verb, s.tables) for s in classify_sql(sql, dialect)]
        assert found == [(DDL, "CREATE PROCEDURE", ()), (DML, "UPDATE", ("z",))], dialect
        assert classify_sql(sql, dialect)[1].text == "UPDATE z SET a = 2"


def test_postgresql_text_libpg_reads_is_untouched() -> None:
    sql = "CREATE TABLE a (x int); UPDATE a SET x = 1; BEGIN; COMMIT"
    found = classify_sql(sql, "postgresql")
    assert [s.parser for s in found] == ["pglast"] * 4


@pytest.mark.parametrize(
    ("sql", "table"),
    [("UPDATE OR IGNORE t SET a = 1", "t"), ('UPDATE OR REPLACE "t" SET a = 1', '"t"')],
)
def test_sqlite_update_or_names_the_table(sql: str, table: str) -> None:
    for dialect in ("sqlite", "postgresql"):
        (statement,) = classify_sql(sql, dialect)
        assert statement.describe() == f"UPDATE on {table}", dialect
