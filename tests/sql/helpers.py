"""Shared assertions for the SQL classifier tests."""

from __future__ import annotations

from ddlguard.sql import SqlStatement, classify_sql


def classify(sql: str, dialect: str = "postgresql") -> list[SqlStatement]:
    """classify_sql, checking the offset contract on every statement it returns."""
    statements = classify_sql(sql, dialect)
    for s in statements:
        assert sql[s.start : s.end] == s.text, s
        assert s.text == s.text.strip(), s
    return statements


def only(sql: str, dialect: str = "postgresql") -> SqlStatement:
    """The one statement in `sql`."""
    statements = classify(sql, dialect)
    assert len(statements) == 1, statements
    return statements[0]
