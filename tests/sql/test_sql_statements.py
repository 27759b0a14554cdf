"""Splitting: several statements in one string, comments, literals, garbage, empty text."""

from __future__ import annotations

import pytest
from ddlguard.sql import StatementKind

from .helpers import classify, only


def test_mixed_ddl_and_dml_with_exact_offsets() -> None:
    sql = (
        "ALTER TABLE users ADD COLUMN active boolean;\n"
        "UPDATE users SET active = true;  \n"
        "ALTER TABLE users ALTER COLUMN active SET NOT NULL"
    )
    statements = classify(sql)
    assert [(s.kind, s.verb) for s in statements] == [
        (StatementKind.DDL, "ALTER TABLE"),
        (StatementKind.DML, "UPDATE"),
        (StatementKind.DDL, "ALTER TABLE"),
    ]
    assert statements[1].text == "UPDATE users SET active = true"
    assert statements[1].start == sql.index("UPDATE")


@pytest.mark.parametrize(
    ("sql", "verbs"),
    [
        ("SELECT ';'; DELETE FROM t", ["SELECT", "DELETE"]),
        ("SELECT $$;$$; DELETE FROM t", ["SELECT", "DELETE"]),
        ("SELECT $tag$ ; $$ ; $tag$; DELETE FROM t", ["SELECT", "DELETE"]),
        ('SELECT 1 AS ";"; DELETE FROM t', ["SELECT", "DELETE"]),
        ("SELECT 1 /* ; */; DELETE FROM t -- ;", ["SELECT", "DELETE"]),
        ("SELECT 1;;; ;DELETE FROM t;", ["SELECT", "DELETE"]),
        ("SELECT E'\\';'; DELETE FROM t", ["SELECT", "DELETE"]),
    ],
)
def test_semicolons_inside_quotes_and_comments(sql: str, verbs: list[str]) -> None:
    assert [s.verb for s in classify(sql)] == verbs


@pytest.mark.parametrize(
    "sql",
    [
        "-- UPDATE later\nALTER TABLE t ADD c int",
        "/* DELETE FROM t once deployed */ ALTER TABLE t ADD c int",
        "ALTER TABLE t ADD c int -- then INSERT INTO t",
        "COMMENT ON TABLE t IS 'delete me'",
        "COMMENT ON TABLE t IS 'UPDATE t SET a = 1; DELETE FROM t'",
        "ALTER TABLE t ADD c text DEFAULT 'insert into x'",
        'ALTER TABLE t RENAME COLUMN "update" TO "delete"',
    ],
)
def test_dml_words_in_comments_literals_and_names_are_not_dml(sql: str) -> None:
    assert only(sql).kind is StatementKind.DDL


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_trailing_comment_is_not_part_of_the_statement(dialect: str) -> None:
    sql = "UPDATE t SET a = 1 -- then backfill\n; DELETE FROM u /* done */"
    assert [s.text for s in classify(sql, dialect)] == ["UPDATE t SET a = 1", "DELETE FROM u"]


def test_leading_comment_is_not_part_of_the_statement() -> None:
    sql = "  -- move rows\n  UPDATE t SET a = 1  "
    s = only(sql)
    assert s.text == "UPDATE t SET a = 1"


@pytest.mark.parametrize("sql", ["", "   ", "\n\n", ";", ";;", "-- UPDATE later", "/* x */"])
def test_nothing_to_classify(sql: str) -> None:
    assert classify(sql) == []


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite", "generic"])
@pytest.mark.parametrize(
    "sql",
    ["garbage text here", "!!!", "SELEC * FORM t", "UPDATE", "'unterminated", "$$ open"],
)
def test_garbage_is_a_finding_never_silence(sql: str, dialect: str) -> None:
    statements = classify(sql, dialect)
    assert statements, "garbage must not vanish"
    assert all(s.kind in (StatementKind.UNKNOWN, StatementKind.DML) for s in statements)


def test_one_bad_statement_does_not_hide_the_others() -> None:
    statements = classify("ALTER TABLE t ADD c int; UPDATE t SET c = ; DELETE FROM u")
    assert [(s.kind, s.verb, s.parser) for s in statements] == [
        (StatementKind.DDL, "ALTER TABLE", "pglast"),
        (StatementKind.DML, "UPDATE", "tokens"),
        (StatementKind.DML, "DELETE", "pglast"),
    ]


def test_statement_the_parser_rejects_falls_back_to_its_verb() -> None:
    s = only("UPDATE t SET a = 1 WHERE id IN (")
    assert (s.kind, s.verb, s.tables, s.parser) == (StatementKind.DML, "UPDATE", ("t",), "tokens")


def test_cached_results_are_equal_and_independent() -> None:
    first = classify("UPDATE cached SET a = 1")
    first.clear()
    second = classify("UPDATE cached SET a = 1")
    assert [s.verb for s in second] == ["UPDATE"]
