"""The lazy scope index gives exactly the findings of a full walk.

`Index` walks the value of a simple statement only when a lookup needs it, unless the text
pre-check (`prescan.hot_lines`) finds something on its lines that must be seen up front. Each
case here runs the engine twice, deferring every statement it can (`DEFER_FROM = 0`) and
deferring nothing (a threshold no text reaches), and compares every field of every finding.
The hand-written cases also pin the finding itself, so a pre-check that misses what it must
see fails twice: the two runs differ and the expected finding is missing.
"""

from __future__ import annotations

import ast
import random
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from ddlguard.analysis import scope
from ddlguard.analysis.detector import _INTERESTING, _PREFIXES
from ddlguard.analysis.prescan import hot_lines, normalise
from ddlguard.engine import analyze_source
from ddlguard.model import FileResult
from ddlguard.settings import Settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).parents[2]
HEADER = 'from alembic import op\nimport sqlalchemy as sa\nrevision = "a1"\ndown_revision = None\n'
NEVER = 1 << 62


def _result(source: str, threshold: int) -> FileResult:
    saved = scope.DEFER_FROM
    scope.DEFER_FROM = threshold
    try:
        return analyze_source(source, Path("m.py"), Settings(), in_version_dir=True)
    finally:
        scope.DEFER_FROM = saved


def _signature(result: FileResult) -> list[tuple[object, ...]]:
    return [
        (f.code, f.message, f.severity, f.range, f.statement_range, f.fix, dict(f.data))
        for f in result.findings
    ]


def same_both_ways(source: str) -> FileResult:
    """The lazy result, after checking it equals the full walk's."""
    lazy, full = _result(source, 0), _result(source, NEVER)
    assert _signature(lazy) == _signature(full)
    assert (lazy.error, lazy.info) == (full.error, full.info)
    return lazy


def deferred_count(source: str) -> int:
    saved = scope.DEFER_FROM
    scope.DEFER_FROM = 0
    try:
        tree = ast.parse(source)
        return len(scope.Index(tree, source, methods=_INTERESTING, prefixes=_PREFIXES)._deferred)
    finally:
        scope.DEFER_FROM = saved


def migration(body: str, head: str = "") -> str:
    """HEADER, then `head` at module level, then `body` in upgrade(); at least one statement
    of the body is deferrable (a create_table no rule looks into)."""
    return (
        HEADER
        + textwrap.dedent(head)
        + "\n\ndef upgrade():\n"
        + '    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))\n'
        + textwrap.indent(textwrap.dedent(body), "    ")
    )


def codes(result: FileResult) -> list[str]:
    return [f.code for f in result.findings if f.code.startswith("DG00")]


# -- hand-written cases: each needs the pre-check to see something -----------------------------

CASES = {
    # a name imported from alembic.op, called through parentheses, a comment, a continuation
    "parenthesised callee": (
        migration('(execute)("UPDATE t SET a = 1")\n', "from alembic.op import execute\n"),
        ["DG001"],
    ),
    "comment before the parenthesis": (
        migration(
            '(run  # why\n (\n"UPDATE t SET a = 1"))\n', "from alembic.op import execute as run\n"
        ),
        ["DG001"],
    ),
    "line continuation": (
        migration('run \\\n("DELETE FROM t")\n', "from alembic.op import execute as run\n"),
        ["DG001"],
    ),
    # a local function only passed as a callback in a deferrable statement still runs in upgrade
    "callback reference": (
        migration(
            'op.create_table("u", sa.Column("x", default=helper))\n',
            'def helper():\n    op.execute("UPDATE t SET a = 1")\n',
        ),
        ["DG001"],
    ),
    # a walrus in a statement without any executing word binds the SQL executed later
    "walrus": (migration('print(sql := "UPDATE t SET a = 1")\nop.execute(sql)\n'), ["DG001"]),
    # the index binds a comprehension's target in the enclosing scope: the SQL is found
    "comprehension": (
        migration('x = [s for s in ("UPDATE t SET a = 1",)]\nop.execute(s)\n'),
        ["DG001"],
    ),
    # a lambda is a scope of its own; what it returns is not followed (both ways)
    "lambda": (migration('sql = (lambda: "UPDATE t SET a = 1")()\nop.execute(sql)\n'), ["DG006"]),
    # a Core construct built in a deferrable statement: its node is found again for the fix
    "core construct": (
        migration(
            "stmt = users.update().where(users.c.id == 1).values(active=True)\nop.execute(stmt)\n",
            'users = sa.table("users", sa.column("id"), sa.column("active"))\n',
        ),
        ["DG002"],
    ),
    # the result of a read is used only by a later deferrable statement
    "result used later": (
        migration(
            'conn = op.get_bind()\nrows = conn.execute(sa.text("SELECT id FROM t"))\nprint(rows)\n'
        ),
        ["DG005"],
    ),
    "result never used": (
        migration(
            'conn = op.get_bind()\nrows = conn.execute(sa.text("SELECT id FROM t"))\nprint(1)\n'
        ),
        [],
    ),
    # NFKC: a fullwidth `e` still spells `execute`; non-ASCII lines are always walked
    "fullwidth identifier": (migration('op.\uff45xecute("UPDATE t SET a = 1")\n'), ["DG001"]),
    # the SQL text bound in a deferrable statement far from the call
    "name bound earlier": (
        migration('sql = "UPDATE t SET a = " + str(1)\nx = 1\nop.execute(sql)\n'),
        ["DG001"],
    ),
    # a local helper's parameter gets its value from the call site
    "helper call site": (
        migration('run_sql("UPDATE t SET a = 1")\n', "def run_sql(text):\n    op.execute(text)\n"),
        ["DG001"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_written_case(name: str) -> None:
    source, expected = CASES[name]
    assert deferred_count(source) > 0, "nothing deferred: the case tests nothing"
    assert codes(same_both_ways(source)) == expected


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_keep_line_numbers(newline: str) -> None:
    source, expected = CASES["callback reference"]
    result = same_both_ways(source.replace("\n", newline))
    assert codes(result) == expected
    assert result.findings[0].range.start.line == 6


# -- generated sources ---------------------------------------------------------------------------


def _bench_corpus() -> Iterator[str]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        # bench/corpus.py: the benchmark's own generator
        import corpus  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(REPO / "bench"))
    rng = random.Random(5)
    down = None
    for n in range(150):
        down, text = corpus.migration_text(rng, n, down)
        yield text
    yield corpus.long_migration(600)


def test_benchmark_corpus_and_long_migration() -> None:
    found = 0
    for text in _bench_corpus():
        found += len(same_both_ways(text).findings)
    assert found > 30  # the corpus has backfills, seeds and reads: the runs compared something


def test_example_project() -> None:
    for path in sorted((REPO / "examples" / "backend" / "alembic" / "versions").glob("*.py")):
        same_both_ways(path.read_text("utf-8"))


_STATEMENTS = st.sampled_from(
    [
        'op.create_table("t", sa.Column("id", sa.Integer()))',
        'op.execute("UPDATE t SET a = 1")',
        'sql = "DELETE FROM t"',
        "op.execute(sql)",
        'sql = f"UPDATE {name} SET a = 1"',
        'name = "users"',
        "helper()",
        'op.add_column("t", sa.Column("x", default=helper))',
        "conn = op.get_bind()",
        "rows = conn.execute(sa.text(sql))",
        "print(rows)",
        "stmt = t.update().values(a=1)",
        "conn.execute(stmt)",
        't = sa.table("t", sa.column("a"))',
        "print(q := sql)",
        "op.execute(q)",
        "run(sql)",
        "(run)(sql)",
        "x = [s for s in (sql,)]",
        "op.execute(x[0])",
        "f = lambda: sql",
        "op.execute(f())",
        "session.add(obj)",
        "if name:\n    sql = 'INSERT INTO t VALUES (1)'",
        "for s in (sql,):\n    op.execute(s)",
        "op.\uff45xecute(sql)",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    up=st.lists(_STATEMENTS, max_size=12),
    helper=st.lists(_STATEMENTS, max_size=4),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_generated_migrations(up: list[str], helper: list[str], newline: str) -> None:
    def body(lines: list[str]) -> str:
        return "".join(textwrap.indent(line, "    ") + "\n" for line in lines) or "    pass\n"

    source = (
        HEADER
        + "from alembic.op import execute as run\nfrom sqlalchemy.orm import Session\n"
        + "session = Session()\n\n\ndef helper():\n"
        + body(helper)
        + "\n\ndef upgrade():\n"
        + body(up)
    )
    same_both_ways(source.replace("\n", newline))


# -- the pre-check itself --------------------------------------------------------------------


def _hot(
    text: str, *, words: tuple[str, ...] = (), callees: tuple[str, ...] = (), always: bool = True
) -> list[int]:
    out = hot_lines(normalise(text), words=words, callees=callees, always=always)
    return [line for line in range(1, len(out)) if out[line]]


def test_words_are_whole_identifiers() -> None:
    text = "op.add_column()\nx.add(1)\ntarget = 1\nx.get()\n"
    assert _hot(text, words=("add", "add_all", "get"), always=False) == [2, 4]


def test_callees_are_direct_calls_only() -> None:
    text = "sa.text(1)\ntext (1)\n(text)(1)\ntext\n(2)\nx = text\ncontext(1)\n"
    assert _hot(text, callees=("text",), always=False) == [2, 3, 4, 5]


def test_always_hot() -> None:
    text = "a\nf = lambda: 1\n[x for x in y]\n(y := 1)\n'é'\nb\n"
    assert _hot(text) == [2, 3, 4, 5]


def test_line_numbers_follow_ast_line_breaks() -> None:
    text = "a\r\nb\rc\nd.execute()\n"
    assert _hot(text, words=("execute",), always=False) == [4]
    assert ast.parse("a\r\nb\rc\nd.execute()\n").body[3].lineno == 4


def test_small_files_are_walked_at_once() -> None:
    source = migration('op.execute("UPDATE t SET a = 1")\n')
    assert len(source) < scope.DEFER_FROM
    index = scope.Index(ast.parse(source), source, methods=_INTERESTING, prefixes=_PREFIXES)
    assert index._deferred == []


def test_many_assigned_results_and_core_constructs() -> None:
    """Past `MENTION_SEARCHES` searches everything is walked; Core nodes are found as their
    statements are walked one by one. Both paths must still agree with the full walk."""
    reads = "".join(
        f'op.create_table("x{i}", sa.Column("id", sa.Integer()))\n'
        f'rows{i} = conn.execute(sa.text("SELECT id FROM t{i}"))\n'
        for i in range(scope.MENTION_SEARCHES + 4)
    )
    source = migration("conn = op.get_bind()\n" + reads + "print(rows2)\nprint(rows11)\n")
    assert codes(same_both_ways(source)) == ["DG005", "DG005"]
    core = "".join(f"s{i} = t.update().values(a={i})\nop.execute(s{i})\n" for i in range(20))
    source = migration(core, 't = sa.table("t", sa.column("a"))\n')
    result = same_both_ways(source)
    assert codes(result) == ["DG002"] * 20
    assert all(f.data["movable"] for f in result.findings)
