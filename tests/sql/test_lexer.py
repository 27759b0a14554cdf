"""Statement boundaries from the real lexers, and the classifier trimming with them."""

from __future__ import annotations

import pytest
from ddlguard.sql import classify_sql
from ddlguard.sql.lexer import LexError, statement_spans


def texts(sql: str, dialect: str = "postgresql") -> list[tuple[str, str]]:
    """(statement, statement with its `;`) for each statement."""
    return [(sql[s.start : s.end], sql[s.start : s.stop]) for s in statement_spans(sql, dialect)]


def test_postgresql_nests_block_comments() -> None:
    sql = "DELETE FROM users /* keep /* nested */ -- */ WHERE id = 2; -- after\n"
    assert texts(sql) == [
        (
            "DELETE FROM users /* keep /* nested */ -- */ WHERE id = 2",
            "DELETE FROM users /* keep /* nested */ -- */ WHERE id = 2;",
        )
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 'é'; select 2 -- x\n;", ["select 'é'", "select 2"]),
        ("/* a /* b */ c */ UPDATE t SET a = $$;$$ -- d", ["UPDATE t SET a = $$;$$"]),
        (
            "UPDATE t SET a = E'\\';' ; ;; DELETE FROM t",
            ["UPDATE t SET a = E'\\';'", "DELETE FROM t"],
        ),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 2",
            ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", "SELECT 2"],
        ),
    ],
)
def test_postgresql_statements_are_bounded_by_their_tokens(sql: str, expected: list[str]) -> None:
    assert [t for t, _ in texts(sql)] == expected


def test_a_statement_the_parser_rejects_raises() -> None:
    with pytest.raises(LexError):
        statement_spans("UPDATE t SET a = $$x", "postgresql")


def test_other_dialects_split_with_sqlglots_tokenizer() -> None:
    sql = "UPDATE t SET a = 'x;y' /* c */ WHERE b = 1; -- tail\nDELETE FROM `u` # c\n"
    assert texts(sql, "mysql") == [
        (
            "UPDATE t SET a = 'x;y' /* c */ WHERE b = 1",
            "UPDATE t SET a = 'x;y' /* c */ WHERE b = 1;",
        ),
        ("DELETE FROM `u`", "DELETE FROM `u`"),
    ]


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        ("DELETE FROM users /* keep /* nested */ -- */ WHERE id = 2", None),
        (
            "ALTER TABLE t ADD x int /* a /* b */ -- */ NOT NULL DEFAULT 0 -- why\n",
            "ALTER TABLE t ADD x int /* a /* b */ -- */ NOT NULL DEFAULT 0",
        ),
        (" \x0b UPDATE t SET a = 1 \x0c ", "UPDATE t SET a = 1"),
    ],
)
def test_the_classifier_trims_postgresql_with_the_scanner(sql: str, text: str | None) -> None:
    (statement,) = classify_sql(sql, "postgresql")
    assert statement.text == (text or sql)
    assert sql[statement.start : statement.end] == statement.text


@pytest.mark.parametrize("verb", ["ROLLBACK", "ABORT", "REPLACE", "FAIL", "IGNORE", "ignore"])
def test_sqlite_update_or_names_the_table(verb: str) -> None:
    (statement,) = classify_sql(f"UPDATE OR {verb} main.t SET a = 1", "sqlite")
    assert statement.describe() == "UPDATE on main.t"
