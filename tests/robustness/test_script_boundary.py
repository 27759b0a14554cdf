"""Generated SQL is a trust boundary: properties over generated (and hostile) migrations.

For every generated migration fixed by the planner:
- psql, reading the script as psqlscan.l does (`psql_model`), sends exactly BEGIN, the moved
  statements and COMMIT, runs no meta-command and substitutes no variable;
- every line an editor shows outside the statements is blank or a `--` comment;
- each statement in the script parses (libpg_query) to the same tree as the statement the
  database would have received from the migration (SQLAlchemy's text() compile of the string);
- DDL kept in a rewritten string parses to the same trees as the original DDL;
- a hostile revision id is refused with a reason, never written.
"""

from __future__ import annotations

import ast
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from ddlguard.engine import analyze_source
from ddlguard.fix import plan_moves
from ddlguard.fix.model import FixPlan
from ddlguard.fix.script import SAFE_REVISION, parse_run_line
from ddlguard.model import Applicability
from ddlguard.project import Project
from ddlguard.settings import Settings
from hypothesis import event, given
from hypothesis import strategies as st
from pglast import parser as pg

from .psql_model import comment_lines_only, read_script

TODAY = datetime.date(2026, 1, 2)
ROOT = Path("/project-root-never-written")
SETTINGS = Settings()

INJECTIONS = [
    "\nDROP TABLE users;\n--", "\r\\! touch /tmp/ddlguard-pwned\r", "\u2028DELETE FROM users;",
    "\u2029", "\x85", "\x0b", "\x0c", "\x1c\x1d\x1e", "*/", "/*", "$$", "'", '"', "\\", ";",
    ":USER", "\\i /etc/passwd", "\u202e", "\t", "--", "\\\n",
]  # fmt: skip
hostile = st.one_of(
    st.sampled_from(INJECTIONS),
    st.lists(st.sampled_from([*INJECTIONS, "a", " ", "x1"]), max_size=6).map("".join),
    st.text(max_size=20),
)
safe_revision = st.from_regex(r"[a-f0-9]{6,12}", fullmatch=True)

VALUES = [
    "'plain'", "'it''s'", "E'x\\'y'", "$$a;--b$$", "$q$'; /* $q$", "'a\\:b'", "'10:30'",
    "'a\u2028b'", "'--'", "'/*'", "E'\\\\'", "'x\\y'", "U&'\\0041'", "'%'", "'%%'",
]  # fmt: skip
COMMENTS = ["", " /* a /* b */ -- */", " -- trailing\n", " /* ; */", " /* '\"$$ */", "\n"]


@st.composite
def dml(draw: st.DrawFn) -> str:
    value = draw(st.sampled_from(VALUES))
    comment = draw(st.sampled_from(COMMENTS))
    n = draw(st.integers(0, 9))
    return draw(
        st.sampled_from([
            f"UPDATE users SET note = {value}{comment} WHERE id = {n}",
            f"DELETE FROM users{comment} WHERE id = {n} AND note <> {value}",
            f"INSERT INTO users (id, note) VALUES ({n},{comment} {value})",
        ])
    )  # fmt: skip


DDL = [
    "ALTER TABLE users ADD COLUMN x int /* a /* b */ -- */ NOT NULL DEFAULT 0",
    'CREATE INDEX "Ix" ON users (note)',
    "COMMENT ON TABLE users IS 'a; -- b'",
]


@st.composite
def sql_strings(draw: st.DrawFn) -> str:
    """One to three statements, data and maybe schema, joined with `;` and blanks/comments."""
    statements = draw(st.lists(dml(), min_size=1, max_size=3))
    if draw(st.booleans()):
        statements.insert(draw(st.integers(0, len(statements))), draw(st.sampled_from(DDL)))
    glue = draw(st.sampled_from([";\n", "; ", ";\n    ", " ;\n-- between\n"]))
    tail = draw(st.sampled_from(["", ";", ";\n", "\n"]))
    return glue.join(statements) + tail


def python_string(value: str, style: str) -> str:
    if (
        style == "triple"
        and '"""' not in value
        and not value.endswith(('"', "\\"))
        and "\r" not in value
    ):
        candidate = '"""' + value.replace("\\", "\\\\") + '"""'
        if ast.literal_eval(candidate) == value:
            return candidate
    return repr(value)


def migration(
    *, revision: str, message: str, sql: str, comment: str, style: str, phase: str = "upgrade"
) -> str:
    doc = repr(f"{message}\n\nRevision ID: {revision}\n")
    return (
        f"{doc}\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {revision!r}\ndown_revision = None\n\n\n"
        f"def {phase}():\n    # {comment}\n    op.execute({python_string(sql, style)})  # {comment}\n"
    )


def plan(source: str, path: Path) -> FixPlan:
    result = analyze_source(source, path, SETTINGS, in_version_dir=True)
    assert result.error is None, result.error
    offered = [
        f for f in result.findings
        if f.fix is not None and f.fix.applicability is Applicability.UNSAFE
    ]  # fmt: skip
    project = Project(root=ROOT, version_dirs=[path.parent])
    return plan_moves(
        source, path, offered, project=project, settings=SETTINGS, today=TODAY,
        exists=lambda p: False,
    )  # fmt: skip


def trees(sql: str) -> list[Any]:
    """libpg_query's parse trees without positions."""
    return [_strip(s["stmt"]) for s in json.loads(pg.parse_sql_json(sql)).get("stmts", [])]


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip(v)
            for k, v in node.items()
            if k not in ("location", "stmt_location", "stmt_len")
        }
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def sent_by_sqlalchemy(sql: str) -> str:
    """What `op.execute(sql)` sends: Alembic wraps it in text(), SQLAlchemy compiles it."""
    return str(sa.text(sql).compile(dialect=sa.dialects.postgresql.dialect(paramstyle="named")))


def comment_text_only(text: str) -> str:
    """The script without the statements psql sends: what must be comments and blanks."""
    for statement in read_script(text).statements:
        text = text.replace(statement, "", 1)
    return text


def check_script(content: str, expected: list[str]) -> None:
    reading = read_script(content)
    assert not reading.meta_commands, f"psql would run a meta-command: {content!r}"
    assert not reading.variables, f"psql would substitute a variable: {content!r}"
    assert not reading.unterminated, content
    assert reading.statements == ["BEGIN", *expected, "COMMIT"], content
    rest = comment_text_only(content).replace(";", "")
    assert comment_lines_only(rest) == [], (
        f"a line outside the statements is no comment: {content!r}"
    )
    run = parse_run_line(content)
    assert run is not None and run.text() in content.split("\n")[:15]


@given(
    sql=sql_strings(),
    revision=safe_revision,
    message=hostile,
    comment=hostile.map(lambda c: c.replace("\n", " ").replace("\r", " ").replace("\x00", "")),
    filename=hostile.map(lambda f: f.replace("/", "_").replace("\x00", "") or "x"),
    style=st.sampled_from(["triple", "repr"]),
    phase=st.sampled_from(["upgrade", "downgrade"]),
)
def test_scripts_send_exactly_what_the_migration_sent(
    sql: str, revision: str, message: str, comment: str, filename: str, style: str, phase: str
) -> None:
    path = ROOT / "alembic" / "versions" / f"{filename}.py"
    source = migration(
        revision=revision, message=message, sql=sql, comment=comment, style=style, phase=phase
    )
    fixed = plan(source, path)
    sent = sent_by_sqlalchemy(sql)
    original = trees(sent)
    if not fixed.moved:
        assert fixed.skipped, "a data statement was neither moved nor refused"
        event(f"refused: {fixed.skipped[0].reason[:50]}")
        return
    (script,) = [f for f in fixed.new_files if f.path.suffix == ".sql"]
    (moved,) = fixed.moved
    check_script(script.content, list(moved.statements))
    run = parse_run_line(script.content)
    assert run is not None and (run.phase, run.revision) == (phase, revision)
    data = [
        t
        for t in original
        if not any(k in t for k in ("AlterTableStmt", "IndexStmt", "CommentStmt"))
    ]
    assert trees(";\n".join(moved.statements)) == data, (sql, moved.statements)
    schema = [t for t in original if t not in data]
    event("moved with schema kept" if schema else "moved")
    if schema:
        new_tree = ast.parse(fixed.new_source)
        calls = [
            n for n in ast.walk(new_tree)
            if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "execute"
        ]  # fmt: skip
        (call,) = calls
        kept = ast.literal_eval(call.args[0])
        assert trees(sent_by_sqlalchemy(kept)) == schema, (sql, kept)


@given(revision=hostile.filter(bool), sql=sql_strings())
def test_a_hostile_revision_id_is_refused_never_written(revision: str, sql: str) -> None:
    source = migration(revision=revision, message="x", sql=sql, comment="c", style="repr")
    fixed = plan(source, ROOT / "alembic" / "versions" / "m.py")
    if SAFE_REVISION.fullmatch(revision):
        for new in fixed.new_files:
            check_script(new.content, [s for m in fixed.moved for s in m.statements])
            run = parse_run_line(new.content)
            assert run is not None and run.revision == revision
        return
    assert not fixed.new_files and not fixed.moved
    assert fixed.new_source == source
    assert fixed.skipped and all("revision id" in s.reason for s in fixed.skipped), fixed.skipped


@pytest.mark.parametrize(
    ("script", "statements", "metas", "variables"),
    [
        ("-- a\rDROP TABLE x;", ["DROP TABLE x"], 0, 0),  # psql ends a comment at \r
        ("-- a\u2028DROP TABLE x;", [], 0, 0),  # but not at U+2028
        ("-- ok\n\\! id\nSELECT 1;", ["SELECT 1"], 1, 0),
        ("/* /* */ \\! */ SELECT 1;", ["SELECT 1"], 0, 0),
        ("SELECT :x, :'y', a::int, b := 1;", ["SELECT :x, :'y', a::int, b := 1"], 0, 2),
        (
            "SELECT E'\\';\\!', '\\', $$;\\!$$, a$b$c;",
            ["SELECT E'\\';\\!', '\\', $$;\\!$$, a$b$c"],
            0,
            0,
        ),
        ("SELECT 1 \\; SELECT 2;", ["SELECT 1"], 1, 0),
        ("SELECT (1;2);SELECT 3", ["SELECT (1;2)", "SELECT 3"], 0, 0),
    ],
)
def test_the_psql_model_reads_as_psql_does(
    script: str, statements: list[str], metas: int, variables: int
) -> None:
    reading = read_script(script)
    assert reading.statements == statements
    assert (len(reading.meta_commands), len(reading.variables)) == (metas, variables)
