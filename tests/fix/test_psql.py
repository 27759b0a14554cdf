"""What psql would do to a statement itself: meta-commands, variables, hidden line breaks."""

from __future__ import annotations

import pytest
from ddlguard.fix.psql import statement_hazard


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 'x\\y'",
        "UPDATE t SET a = E'x\\'y'",
        "UPDATE t SET a = $$\\! id$$",
        'UPDATE "a\\b" SET c = 1',
        "UPDATE t SET a = 1 -- \\! id\n WHERE b = 2",
        "UPDATE t SET a = 1 /* \\! /* \\i x */ */",
        "UPDATE t SET a = b::int, c = U&'\\0041'",
        "UPDATE t SET a = 'x\u2028y'",  # a line break inside a literal is data
        "UPDATE t SET a = arr[1 : n]",
    ],
)
def test_what_psql_sends_as_it_is(statement: str) -> None:
    assert statement_hazard(statement, "postgresql") is None


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("UPDATE t SET a = 1 \\! id", "meta-command"),
        ("UPDATE t SET a = :USER", "replace :USER"),
        ("UPDATE t SET a = :'x'", "replace :'x'"),
        ('UPDATE t SET a = :"x"', 'replace :"x"'),
        ("UPDATE t SET a = arr[1:n]", "replace :n"),
        ("UPDATE t SET a = 1 -- note\u2028WHERE id = 2", "line break"),
        ("UPDATE t SET a = 1 /* \x0c */", "line break"),
        ("UPDATE t SET a = 'x\x00'", "NUL"),
    ],
)
def test_what_psql_would_change_or_hide_is_named(statement: str, why: str) -> None:
    hazard = statement_hazard(statement, "postgresql")
    assert hazard is not None and why in hazard


def test_other_dialects_are_read_with_sqlglots_tokens() -> None:
    assert statement_hazard("UPDATE t SET a = 1 \\! id", "mysql") is not None
    assert statement_hazard("UPDATE t SET a = :x", "sqlite") is not None
    assert statement_hazard("UPDATE t SET a = 'x\\y'", "mssql") is None
    # MySQL refuses a backslash even in a string: it depends on the sql_mode (test_mysql_client)
    assert statement_hazard("UPDATE t SET a = 'x\\y'", "mysql") is not None
