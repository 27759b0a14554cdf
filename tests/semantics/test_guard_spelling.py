"""A guard reads its values as the statement does, whatever `standard_conforming_strings` says.

pglast prints every string as a plain '…' literal. With the setting on (the default) a
backslash in one is itself; with it off, an escape. A value the statement spelled E'…' or $$…$$
and the guard prints plain would then be another value: such a guard is not built. Proven on
the real server, each way: before the statement ran the guard's first check finds a row, after
it none.
"""

from __future__ import annotations

import ast

import pytest
from ddlguard.fix.guards import guard_for, why_not
from pglast import parse_sql
from pglast.stream import RawStream

from .postgres import Cluster

TABLE = (
    "DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int PRIMARY KEY, body text);"
    " INSERT INTO notes VALUES (1, NULL), (2, 'keep'), (3, E'a\\\\nb'), (4, E'x\\\\d')"
)
BUILT = [
    "UPDATE notes SET body = 'a\\d+' WHERE body IS NULL",  # plain: printed as written
    "UPDATE notes SET body = E'two\\nlines' WHERE body IS NULL",  # a real line break
    "UPDATE notes SET body = $$no backslash$$ WHERE body IS NULL",
    "DELETE FROM notes WHERE body = 'keep'",
]
REFUSED = [
    "DELETE FROM notes WHERE body = E'a\\\\nb'",  # the guard would look for a line break
    "UPDATE notes SET body = E'a\\\\nb' WHERE body IS NULL",  # a, backslash, n, b
    "UPDATE notes SET body = $$a\\nb$$ WHERE body IS NULL",
]


@pytest.mark.parametrize("setting", ["on", "off"])
@pytest.mark.parametrize("statement", BUILT)
def test_a_built_guard_reads_as_the_statement_either_way(
    cluster: Cluster, database: str, setting: str, statement: str
) -> None:
    guard = guard_for(ast.parse("").body, [statement], "postgresql")
    assert guard is not None, why_not([statement], "postgresql")
    with cluster.connect(database) as conn:
        conn.execute("SET escape_string_warning = off")
        conn.execute(f"SET standard_conforming_strings = {setting}")
        conn.execute(TABLE)
        assert conn.execute(guard.checks[0].sql).fetchall() == [(1,)]
        conn.execute(statement)
        for check in guard.checks:
            assert conn.execute(check.sql).fetchall() == [], check.sql


@pytest.mark.parametrize("statement", REFUSED)
def test_no_guard_where_the_setting_would_change_a_printed_value(
    cluster: Cluster, database: str, statement: str
) -> None:
    """The refusal, and why: with the setting off, the statement as pglast prints it (the way
    a guard is printed) changes other rows, or writes other values, than the statement."""
    assert guard_for(ast.parse("").body, [statement], "postgresql") is None
    assert "standard_conforming_strings" in (why_not([statement], "postgresql") or "")
    printed = str(RawStream()(parse_sql(statement)[0].stmt))
    assert "E'" not in printed and "$$" not in printed
    with cluster.connect(database) as conn:
        conn.execute("SET escape_string_warning = off")
        conn.execute("SET standard_conforming_strings = off")
        rows = []
        for sql in (statement, printed):
            conn.execute(TABLE)
            conn.execute(sql)
            rows.append(conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall())
        assert rows[0] != rows[1]
