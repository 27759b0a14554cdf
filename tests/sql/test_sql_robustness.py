"""No input makes the classifier raise, lose a statement's text, or report bad offsets.

The internal entry points are tested directly: classify_sql guards them with a token-level
fallback, which would hide a crash here.
"""

from __future__ import annotations

import time

import pytest
from ddlguard.sql import HOLE, SqlStatement, StatementKind, classify_sql
from ddlguard.sql.generic import classify_generic
from ddlguard.sql.pg import classify_pg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PIECES = [
    "UPDATE", "INSERT INTO", "DELETE FROM", "SELECT", "FROM", "WHERE", "SET", "VALUES", "DO",
    "$$", "$x$", "'", "''", '"', "`", ";", "--", "\n", "/*", "*/", "(", ")", "t", "a = 1",
    "%s", "%(x)s", ":name", "?", "$1", "{}", "{x}", HOLE, "::int", "BEGIN", "END", "E'\\'",
    "CREATE TABLE", "AS", "WITH x AS", "RETURNING *", "é", "\u2028", "\x00", "#",
]  # fmt: skip

sql_like = st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join)
any_text = st.one_of(sql_like, st.text(max_size=200))


def _check(sql: str, statements: list[SqlStatement]) -> None:
    last = 0
    for s in statements:
        assert sql[s.start : s.end] == s.text
        assert s.start >= last and s.start < s.end
        last = s.end
        assert isinstance(s.kind, StatementKind)
        assert s.parser in ("pglast", "sqlglot", "tokens")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_postgresql_never_raises(sql: str) -> None:
    _check(sql, classify_pg(sql))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from(["mysql", "sqlite", "mssql", "oracle", "generic"]))
def test_other_dialects_never_raise(sql: str, dialect: str) -> None:
    _check(sql, classify_generic(sql, dialect))


@settings(max_examples=200, deadline=None)
@given(sql_like)
def test_text_with_a_data_verb_is_never_silently_clean(sql: str) -> None:
    """Whatever the parse, a statement that starts with a data verb is DML or UNKNOWN."""
    statements = classify_sql("UPDATE t SET a = 1 " + sql)
    assert statements[0].kind in (StatementKind.DML, StatementKind.UNKNOWN)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_deep_nesting(dialect: str) -> None:
    sql = "SELECT " + "(" * 5000 + "1" + ")" * 5000
    _check(sql, classify_sql(sql, dialect))
    do = "DO $$ BEGIN " + "EXECUTE 'DO $x$ BEGIN " * 20 + "UPDATE t SET a = 1"
    _check(do, classify_sql(do, dialect))


def test_many_statements_are_linear_enough() -> None:
    sql = ";\n".join(f"UPDATE t{i} SET a = {i}" for i in range(2000))
    started = time.perf_counter()
    statements = classify_sql(sql)
    assert len(statements) == 2000
    assert statements[-1].tables == ("t1999",)
    assert time.perf_counter() - started < 10


def test_undecodable_bytes_still_parse() -> None:
    """Text decoded with surrogateescape holds lone surrogates; libpg_query still reads it."""
    sql = "UPDATE t SET a = '\udcff'; DELETE FROM u"
    statements = classify_pg(sql)
    _check(sql, statements)
    assert [(s.verb, s.parser) for s in statements] == [("UPDATE", "pglast"), ("DELETE", "pglast")]


def test_recursion_limit_keeps_offsets() -> None:
    statements = classify_pg("  UPDATE t SET a = 1  ", depth=99)
    assert statements[0].kind is StatementKind.UNKNOWN
    assert statements[0].text == "UPDATE t SET a = 1"
