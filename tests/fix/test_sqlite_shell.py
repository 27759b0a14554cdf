"""The `sqlite3` shell sees every statement ddlguard would write as exactly one statement.

The shell runs a script a line at a time: a line starting with `.` between statements is a
dot-command (`.shell` runs programs), and a statement runs as soon as its lines are complete for
SQLite. `shell_hazard` must refuse every statement the shell would cut, checked against the
real shell: whatever it prints for an UPDATE ran as a command of its own.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from ddlguard.fix.psql import statement_hazard
from ddlguard.fix.script import run_command, terminate
from ddlguard.fix.sqlite_shell import shell_hazard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import one_block_script

SQLITE3 = shutil.which("sqlite3")
# CI (CI=true) installs it (run-tests) and fails without it, as tests/semantics does without
# PostgreSQL; elsewhere the tests that run it skip
needs_shell = pytest.mark.skipif(
    SQLITE3 is None and os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="the sqlite3 shell is not installed (Debian: sqlite3)",
)


def _printed(statement: str) -> str:
    """What the real shell prints for a script holding `statement`: an UPDATE of an empty
    table prints nothing, so whatever is printed ran as a command of its own."""
    assert SQLITE3 is not None
    done = subprocess.run(
        [SQLITE3, "-safe", "-cmd", "CREATE TABLE t (a)", ":memory:"],
        input=terminate(statement) + "\n",
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return done.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 'a\\';\n.shell touch pwned\n'",  # a backslash escapes nothing in SQLite
        "UPDATE t SET a = 'a\\'; SELECT 'hidden' --'",
        "UPDATE t SET a = 1;\n.system id",
        "UPDATE t SET a = 1\n/\nUPDATE t SET a = 2",
        "UPDATE t SET a = 1\ngo\n.shell id",
        ".shell id",
        "# comment\nUPDATE t SET a = 1",
    ],
)
def test_statements_the_shell_would_cut_are_refused(statement: str) -> None:
    assert shell_hazard(statement) is not None
    assert statement_hazard(statement, "sqlite") is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 'x\n.shell not a command inside a string'",
        "UPDATE t\nSET a = 1 -- trailing comment",
        "UPDATE t SET a = 'it''s'",
        "INSERT INTO t (a) VALUES ('#1')",
    ],
)
@needs_shell
def test_statements_the_shell_reads_whole_pass(statement: str) -> None:
    assert shell_hazard(statement) is None
    assert _printed(statement) == ""


# quoting pieces, then a way to end a statement, then a command that prints only when the shell
# runs it as a command of its own (`.print RAN`, `SELECT 'RAN'`), then more quoting pieces
_QUOTING = st.sampled_from(
    ["'", '"', "\\", "`", "[", "]", "--", "/*", "*/", " ", "a", "#", "BEGIN"]
)
_TAILS = st.tuples(
    st.lists(_QUOTING, max_size=6).map("".join),
    st.sampled_from([";", "; ", ";\n", "\n", "\ngo\n", "\n/\n", "\n;\n"]),
    st.sampled_from([".print RAN", "SELECT 'RAN'", "#x\n.print RAN", "END; SELECT 'RAN'"]),
    st.lists(_QUOTING, max_size=4).map("".join),
).map("".join)


@needs_shell
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TAILS)
def test_what_passes_is_one_statement_to_the_real_shell(tail: str) -> None:
    statement = f"UPDATE t SET a = {tail}".strip()
    if shell_hazard(statement) is not None:
        return
    assert _printed(statement) == ""


@pytest.mark.parametrize(
    ("dialect", "command"),
    [
        ("postgresql", 'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/sql/x.sql'),
        ("sqlite", 'sqlite3 -bail -safe "$DATABASE_FILE" < scripts/sql/x.sql'),
        ("mysql", 'mysql --binary-mode --database="$DATABASE_NAME" < scripts/sql/x.sql'),
        ("mssql", "scripts/sql/x.sql with your database's client, stopping at the first error"),
    ],
)
def test_the_header_runs_the_script_with_the_dialects_own_client(
    dialect: str, command: str
) -> None:
    text = one_block_script(dialect, ["UPDATE t SET a = 1"], "scripts/sql/x.sql")
    assert f"--   {command}\n" in text
    hostile = run_command(dialect, "scripts/sql/x\n;DROP TABLE t.sql")
    assert "\n" not in hostile and "'scripts/sql/x\\x0a;DROP TABLE t.sql'" in hostile


@needs_shell
def test_the_sqlite_command_runs_a_written_script(tmp_path: Path) -> None:
    """The header's command, as written, runs the script on a database file: the rows change
    and a failing statement stops it with the transaction rolled back (`-bail`)."""
    database = tmp_path / "app.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (a INTEGER)")
        db.execute("INSERT INTO t VALUES (1), (2)")
    ok = ["UPDATE t SET a = a * 10"]
    failing = ["UPDATE t SET a = 0", "UPDATE missing SET a = 1"]
    for name, blocks in (("ok.sql", ok), ("failing.sql", failing)):
        script = tmp_path / "scripts" / "sql" / name
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(
            one_block_script("sqlite", blocks, f"scripts/sql/{name}"),
            encoding="utf-8",
        )
        command = next(
            line.removeprefix("--   ")
            for line in script.read_text("utf-8").splitlines()
            if line.startswith("--   sqlite3 ")
        )
        subprocess.run(
            ["sh", "-c", command],
            cwd=tmp_path,
            env={"DATABASE_FILE": str(database), "PATH": os.environ["PATH"]},
            capture_output=True,
            check=False,
        )
    with sqlite3.connect(database) as db:
        assert sorted(db.execute("SELECT a FROM t")) == [(10,), (20,)]
