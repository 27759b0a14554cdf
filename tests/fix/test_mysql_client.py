"""The `mysql` client runs every statement ddlguard writes for MySQL as the migration would have:
as one statement, whatever the server's sql_mode.

Checked on a real MariaDB server through its real client, run as the script's header says
(`mysql --binary-mode`, with `--force` here so that nothing after an error is skipped): an
UPDATE prints nothing, so whatever prints `RAN` ran as a statement of its own. The modes are
set per connection (`--init-command`), as a server's configured sql_mode would be.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from ddlguard.fix.followup import _text_literal
from ddlguard.fix.guards import guard_for, why_not
from ddlguard.fix.mysql_client import BACKSLASH, EXECUTABLE_COMMENT
from ddlguard.fix.psql import statement_hazard
from ddlguard.fix.script import terminate
from ddlguard.sql.classify import classify_sql
from ddlguard.sql.lexer import LexError, statement_spans
from ddlguard.sql.model import StatementKind
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .helpers import one_block_script
from .mariadb import INSTALL_HINT, Server, find_server, running_server

MODES = ("", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI,NO_BACKSLASH_ESCAPES")
TABLES = "CREATE TABLE t (a TEXT, `charset` TEXT, `delimiter` TEXT); CREATE TABLE users (id INT);"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    found = find_server()
    if found is None:
        # CI (CI=true) installs it (run-tests) and must not skip, as with PostgreSQL
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    with running_server(*found) as running:
        running.sql("CREATE DATABASE app", database="mysql")
        running.sql(TABLES)
        yield running


def _printed(server: Server, statement: str, mode: str) -> str:
    """What the client prints for a script holding `statement` under `mode`."""
    done = server.run(
        terminate(statement) + "\n",
        "--binary-mode",
        "--force",
        "--database=app",
        f"--init-command=SET SESSION sql_mode='{mode}'",
    )
    return done.stdout


def _moved(sql: str) -> list[str]:
    """The statements of `sql` ddlguard would write to a MySQL script: its own reading bounds
    them (`fix/sqltext.py`), only data statements move, and none with a hazard."""
    try:
        spans = statement_spans(sql, "mysql")
    except LexError:
        return []
    moved = []
    for span in spans:
        text = sql[span.start : span.end]
        found = classify_sql(text, "mysql")
        dml = len(found) == 1 and found[0].kind is StatementKind.DML
        if dml and statement_hazard(text, "mysql") is None:
            moved.append(text)
    return moved


HOSTILE = "UPDATE t SET a = 'x\\'; SELECT 'RAN'; DROP TABLE users; -- '"


def test_a_backslash_in_a_string_is_an_injection_under_no_backslash_escapes(
    server: Server,
) -> None:
    """The hazard itself, without ddlguard: one UPDATE to ddlguard, to the default mode and to
    a driver that sends one statement; an UPDATE, a SELECT and a DROP TABLE from the script."""
    assert len(statement_spans(HOSTILE, "mysql")) == 1
    assert _printed(server, HOSTILE, "") == ""
    assert server.sql("SHOW TABLES LIKE 'users'").strip() == "users"
    assert "RAN" in _printed(server, HOSTILE, "NO_BACKSLASH_ESCAPES")
    assert server.sql("SHOW TABLES LIKE 'users'").strip() == ""
    server.sql("CREATE TABLE users (id INT)")
    assert statement_hazard(HOSTILE, "mysql") == BACKSLASH


@pytest.mark.parametrize(
    "statement",
    [
        HOSTILE,
        'UPDATE t SET a = "x\\"; SELECT \'RAN\'; -- "',  # ANSI_QUOTES: "…" is a name, no escapes
        "UPDATE t SET a = 'tab\\there'",  # a tab by default, backslash-t otherwise
        "UPDATE t SET a = 1 WHERE `a\\` = 1",
        "DELETE FROM t WHERE a LIKE 'a\\_b'",
    ],
)
def test_statements_holding_a_backslash_are_refused(statement: str) -> None:
    assert statement_hazard(statement, "mysql") == BACKSLASH
    # the other dialects read a backslash one way only (PostgreSQL: standard_conforming_strings)
    assert statement_hazard("UPDATE t SET a = 'tab\\there'", "postgresql") is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 1 /*!; SELECT 'RAN' -- */",
        "UPDATE t SET a = 1 /*M!100000; SELECT 'RAN' # */",
        "UPDATE t SET a = 1 /*!, a = 'RAN' */",  # one statement, but not the one reviewed
        "UPDATE t SET a = /*!;SELECT 'RAN'/*/*",  # found by the property below
    ],
)
def test_statements_holding_an_executable_comment_are_refused(
    server: Server, statement: str
) -> None:
    """The client cuts at a `;` inside `/*! … */`: proven here, with ddlguard's refusal."""
    if ";" in statement:
        assert "RAN" in _printed(server, statement, "")
    assert statement_hazard(statement, "mysql") == EXECUTABLE_COMMENT


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t SET a = 'it''s'",
        "UPDATE t SET a = 'x\n;\nSELECT ''RAN'''",
        "UPDATE t SET a = 1 -- trailing ; comment",
        "UPDATE t SET a = 1 # hash ; comment",
        "UPDATE t SET a = 1 /* ; SELECT 'RAN' */",
        "UPDATE t SET a = 1 /*+ ; SELECT 'RAN' */",
        "UPDATE t\nSET a = 'delimiter //'",
        "UPDATE t SET\n  `charset` = 'x',\ndelimiter = 'y'",
        "UPDATE t SET a = 1 --1",
    ],
)
def test_statements_without_a_backslash_are_one_statement_in_every_mode(
    server: Server, statement: str
) -> None:
    [moved] = _moved(statement)  # ddlguard's reading: one statement, comments around it cut
    for mode in MODES:
        assert _printed(server, moved, mode) == "", mode
        assert _printed(server, statement, mode) == "", mode


# quoting and comment pieces, a way to end a statement, a statement that prints only when it
# runs on its own, then more pieces (the shape of test_sqlite_shell's generator)
_PIECES = st.sampled_from(
    [
        *("'", '"', "\\", "`", "''", '""', "--", "-- ", "#", "/*", "*/", "/*!", "/*M!", "/*+"),
        *(" ", "a", "\n", "1", "delimiter //", "charset utf8", "\\C utf8"),
    ]
)
_TAILS = st.tuples(
    st.lists(_PIECES, max_size=6).map("".join),
    st.sampled_from([";", "; ", ";\n", "\n", "\n;\n", "//", "\\g", "\\G", "\\d //"]),
    st.sampled_from(["SELECT 'RAN'", "#x\nSELECT 'RAN'", "delimiter //\nSELECT 'RAN' //"]),
    st.lists(_PIECES, max_size=4).map("".join),
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TAILS)
@example("'x\\'; SELECT 'RAN'; -- '")
@example("1 /*!; SELECT 'RAN' */")
@example("1 -- ;\nSELECT 'RAN'")
def test_what_ddlguard_would_move_is_one_statement_to_the_real_client(
    server: Server, tail: str
) -> None:
    for statement in _moved(f"UPDATE t SET a = {tail}".strip()):
        for mode in MODES:
            assert _printed(server, statement, mode) == "", (statement, mode)


def test_a_mysql_guard_with_a_printed_escape_is_not_built() -> None:
    """sqlglot prints a line break in a MySQL string as `\\n`: a follow-up's guard would look for
    other values than the script wrote on a server with NO_BACKSLASH_ESCAPES."""
    statements = ["UPDATE users SET note = 'two\nlines' WHERE note IS NULL"]
    assert guard_for(ast.parse("").body, statements, "mysql") is None
    assert "backslash" in (why_not(statements, "mysql") or "")
    assert guard_for(ast.parse("").body, statements, "sqlite") is not None


ROWS = (
    "DROP TABLE IF EXISTS accounts; CREATE TABLE accounts (id INT PRIMARY KEY, note TEXT,"
    " credits INT, email VARCHAR(100)); INSERT INTO accounts VALUES (1, NULL, NULL, 'a@old.example'),"
    " (2, 'x', 3, 'b@new.example'), (3, NULL, 7, 'c@old.example')"
)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts SET credits = 0 WHERE credits IS NULL",
        "UPDATE accounts SET note = 'it''s; done' WHERE id = 2",
        "UPDATE accounts SET note = CONCAT('n', id) WHERE note IS NULL",
        "DELETE FROM accounts WHERE email LIKE '%@old.example'",
        "UPDATE accounts SET note = 'at 10:30' WHERE note IS NULL",  # text() would bind :30
        "INSERT INTO accounts (id, note, credits) VALUES (10, 'seeded', 5)",
    ],
)
def test_a_guard_finds_the_script_not_run_then_run_in_every_mode(
    server: Server, statement: str
) -> None:
    """A follow-up's guard is printed by sqlglot as MySQL reads by default; on the real server,
    in every sql_mode, its first check finds a row before the statement ran and none after.
    The checks run as the follow-up runs them: `bind.execute(text(<its literal>))` on
    SQLAlchemy with PyMySQL (which doubles `%` and unescapes `\\:` on the way)."""
    guard = guard_for(ast.parse("").body, [statement], "mysql")
    assert guard is not None, why_not([statement], "mysql")
    queries = [sa.text(ast.literal_eval(_text_literal(c.sql))) for c in guard.checks]
    for mode in MODES:
        engine = sa.create_engine(
            f"mysql+pymysql://root@localhost/app?unix_socket={server.socket}",
            connect_args={"init_command": f"SET SESSION sql_mode = '{mode}'"},
            poolclass=sa.pool.NullPool,
        )
        server.sql(ROWS)
        with engine.connect() as conn:
            assert conn.execute(queries[0]).first() is not None, mode
        server.sql(f"SET SESSION sql_mode = '{mode}'; " + statement)
        with engine.connect() as conn:
            for query, check in zip(queries, guard.checks, strict=True):
                assert conn.execute(query).first() is None, (mode, check.sql)
        engine.dispose()


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ('UPDATE accounts SET note = "x" WHERE note IS NULL', '"…"'),  # a column: ANSI_QUOTES
        ("UPDATE accounts SET note = note || 'x'", "||"),  # concatenation: PIPES_AS_CONCAT
        ("DELETE FROM accounts WHERE id = 1 || id = 3", "||"),
    ],
)
def test_no_guard_is_built_from_what_the_sql_mode_changes(statement: str, why: str) -> None:
    assert guard_for(ast.parse("").body, [statement], "mysql") is None
    assert why in (why_not([statement], "mysql") or "")


MIGRATION = '''"""Reset notes

Revision ID: a1
Revises:
"""
from alembic import op

revision = "a1"
down_revision = None


def upgrade():
    op.execute({sql!r})


def downgrade():
    pass
'''


def _project(root: Path, sql: str) -> Path:
    (root / "pyproject.toml").write_text('[tool.ddlguard]\ndialect = "mysql"\n', "utf-8")
    (root / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n", "utf-8")
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    path = versions / "a1_reset_notes.py"
    path.write_text(MIGRATION.format(sql=sql), "utf-8")
    return path


def _fix(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", "--fix", "--unsafe-fixes", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_fix_leaves_a_statement_with_a_backslash_in_the_migration(tmp_path: Path) -> None:
    migration = _project(tmp_path, "UPDATE t SET a = 'x\\'; DROP TABLE users; -- '")
    before = migration.read_bytes()
    done = _fix(tmp_path)
    assert done.returncode == 1
    assert "not moved: the SQL holds a backslash" in done.stdout
    assert migration.read_bytes() == before
    assert not (tmp_path / "scripts").exists()


def _header_command(script: Path) -> str:
    return next(
        line.removeprefix("--   ")
        for line in script.read_text("utf-8").splitlines()
        if line.startswith("--   mysql ")
    )


def _run_as_written(server: Server, command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The header's command as a user runs it: their shell, their database name, their own
    option file (`~/.my.cnf`, here in a home of the test's) saying where the server is."""
    home = cwd.parent / f"{cwd.name}-home"
    home.mkdir(exist_ok=True)
    (home / ".my.cnf").write_text(f"[client]\nsocket={server.socket}\nuser=root\n", "utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "DATABASE_NAME": "app"}
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_a_moved_statement_runs_through_the_header_command_in_every_mode(
    server: Server, tmp_path: Path
) -> None:
    """The fix's script, run with its header's command, changes the rows the migration would
    have changed, under the default mode and with the server configured for NO_BACKSLASH_ESCAPES
    and ANSI_QUOTES."""
    sql = "UPDATE t SET a = 'moved; ''quoted'' \"double\"' WHERE a = 'x'"
    _project(tmp_path, sql)
    done = _fix(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [script] = (tmp_path / "scripts" / "sql").glob("*.sql")
    command = _header_command(script)
    try:
        for mode in MODES:
            server.sql(
                f"SET GLOBAL sql_mode = '{mode}'; DELETE FROM t; INSERT INTO t (a) VALUES ('x')"
            )
            ran = _run_as_written(server, command, tmp_path)
            assert ran.returncode == 0, (mode, ran.stderr)
            assert server.sql("SELECT a FROM t") == "moved; 'quoted' \"double\"\n", mode
    finally:
        server.sql("SET GLOBAL sql_mode = DEFAULT")


def test_a_failing_script_stops_at_its_first_error_and_changes_nothing(
    server: Server, tmp_path: Path
) -> None:
    """`mysql` without `--force` stops at the first error; the script's transaction is then
    never committed, so its earlier statements are undone."""
    server.sql(
        "DROP TABLE IF EXISTS n; CREATE TABLE n (a INT) ENGINE=InnoDB; INSERT INTO n VALUES (1)"
    )
    script = tmp_path / "scripts" / "sql" / "failing.sql"
    script.parent.mkdir(parents=True)
    script.write_text(
        one_block_script(
            "mysql", ["UPDATE n SET a = 10", "UPDATE missing SET a = 1"], "scripts/sql/failing.sql"
        ),
        encoding="utf-8",
    )
    ran = _run_as_written(server, _header_command(script), tmp_path)
    assert ran.returncode != 0 and "missing" in ran.stderr
    assert server.sql("SELECT a FROM n") == "1\n"
