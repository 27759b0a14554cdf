"""The engine's shortcuts give exactly what the long way gives.

- `detect` skips a file that never spells one of the detector's method names (`prescan.mentions`):
  each source here is also run through the detector itself, and the findings must be equal;
  `gate.detect` (the engine's entry, which imports the detector late) must give them too.
- `read_migration_info` reads the revision message from the raw docstring: it must equal the
  first line of `ast.get_docstring(clean=True)`, which it replaced.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest
from ddlguard.analysis import gate
from ddlguard.analysis.detector import _INTERESTING, _PREFIXES, _Detector, detect, imports_peewee
from ddlguard.analysis.migration import docstring_message
from ddlguard.analysis.prescan import mentions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).parents[2]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))
from corpus import write_corpus  # noqa: E402
from robustness.strategies import migrations, typed_migrations  # noqa: E402

FULLWIDTH_EXECUTE = "".join(chr(ord(c) + 0xFEE0) for c in "execute")
HEAD = "from alembic import op\nimport sqlalchemy as sa\nrevision = 'a1'\ndown_revision = None\n"


def both_ways(source: str) -> list[tuple[object, ...]]:
    """detect()'s findings, after checking they equal the detector's without the shortcut."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    try:
        full = _Detector(tree, source, "postgresql").run()
    except RecursionError:
        return []
    short = detect(tree, source)
    assert gate.detect(tree, source) == short  # the entry point that loads the detector late
    sig = [(f.code, f.message, f.range, f.statement_range, f.fix, dict(f.data)) for f in short]
    assert sig == [
        (f.code, f.message, f.range, f.statement_range, f.fix, dict(f.data)) for f in full
    ]
    if not mentions(source, _INTERESTING, _PREFIXES) and not imports_peewee(tree, source):
        assert full == []
    return sig


CASES = {
    # each runs SQL through a spelling the shortcut must see
    "star import": "from alembic.op import *\n\ndef upgrade():\n    execute('DELETE FROM t')\n",
    "aliased import": (
        "from alembic.op import execute as run\n\ndef upgrade():\n    run('UPDATE t SET a = 1')\n"
    ),
    # Python reads identifiers NFKC-normalised: fullwidth letters spell `execute`
    "fullwidth method": f"def upgrade():\n    op.{FULLWIDTH_EXECUTE}('DELETE FROM t')\n",
    "bulk prefix": (
        "from sqlalchemy.orm import Session\n\ndef upgrade():\n"
        "    s = Session(bind=op.get_bind())\n    s.bulk_save_objects([])\n"
    ),
    "orm merge": (
        "from sqlalchemy.orm import Session\n\ndef upgrade():\n"
        "    Session(bind=op.get_bind()).merge(x)\n"
    ),
    "aliased executor": (
        "def upgrade():\n    run = op.execute\n"
        + "    op.add_column('t', None)\n" * 60
        + "    run('DELETE FROM t')\n"
    ),
    "op handed in": (
        "def upgrade(op, tables, tester):\n"
        + "    op.add_column('t', None)\n" * 60
        + "    op.bulk_insert(tables.kinds, [{'id': 1}])\n"
    ),
    "inside a helper": (
        "def _fill(conn):\n    conn.exec_driver_sql('INSERT INTO t VALUES (1)')\n\n"
        "def upgrade():\n    _fill(op.get_bind())\n"
    ),
}


def test_a_long_peewee_file_is_read_whole() -> None:
    # long enough for the lazy index: the model's instance is made on a line nothing marks
    source = (
        HEAD
        + "import peewee\nfrom app.models import Order\n\ndef upgrade():\n"
        + "    op.add_column('t', None)\n" * 60
        + "    o = Order(id=3)\n    o.save()\n"
    )
    assert [s[0] for s in both_ways(source)] == ["DG004"]


def test_a_peewee_file_is_read_whole() -> None:
    # `.save()` spells no executing method: the import lets the file through
    source = (
        HEAD + "import peewee\nfrom app.models import User\n\n"
        "def upgrade():\n    User(name='a').save()\n"
    )
    assert not mentions(source, _INTERESTING, _PREFIXES)
    assert [s[0] for s in both_ways(source)] == ["DG004"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_spelling_is_seen(name: str) -> None:
    source = HEAD + CASES[name]
    assert mentions(source, _INTERESTING, _PREFIXES)
    assert both_ways(source), "the detector finds the data operation"


def test_schema_only_files_are_skipped_and_find_nothing() -> None:
    """Only whole identifiers count: `target`, `adder`, `execute_later` hold no method name."""
    source = HEAD + textwrap.dedent(
        """
        def upgrade():
            op.add_column("users", sa.Column("target", sa.String()))
            op.create_index("ix_adder", "users", ["added_at"])
            op.execute_later = None
        """
    )
    assert not mentions(source, _INTERESTING, _PREFIXES)
    assert both_ways(source) == []


def test_words_in_strings_and_comments_only_make_the_check_run() -> None:
    source = HEAD + "def upgrade():\n    # execute nothing\n    op.create_table('query')\n"
    assert mentions(source, _INTERESTING, _PREFIXES)
    assert both_ways(source) == []


def test_the_benchmark_corpus_and_the_example(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path, 300)
    paths += sorted((REPO / "examples").rglob("versions/*.py"))
    skipped = 0
    for path in paths:
        text = path.read_text("utf-8")
        both_ways(text)
        skipped += not mentions(text, _INTERESTING, _PREFIXES)
    assert 0 < skipped < len(paths)  # the corpus has both kinds


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=migrations())
def test_generated_migrations(doc: object) -> None:
    both_ways(doc.analysed_text)  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=typed_migrations())
def test_half_typed_migrations(text: str) -> None:
    both_ways(text.removeprefix("\ufeff"))


# ---- the revision message ------------------------------------------------------------------


def cleaned_first_line(tree: ast.Module) -> str | None:
    """What read_migration_info computed before: get_docstring(clean=True)'s first line."""
    doc = ast.get_docstring(tree, clean=True)
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else None


WHITESPACE = st.sampled_from(
    [" ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u3000", "\xa0"]
)


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.one_of(WHITESPACE, st.text(max_size=4)), max_size=12))
def test_message_is_the_cleaned_docstrings_first_line(parts: list[str]) -> None:
    tree = ast.Module(body=[ast.Expr(ast.Constant("".join(parts)))], type_ignores=[])
    assert docstring_message(tree) == cleaned_first_line(tree)


@pytest.mark.parametrize(
    "source",
    [
        '"""Add users\n\nRevision ID: 1\n"""\n',
        '"""\n    \tIndented\twith tabs  \n    second\n"""\n',
        "'''   '''\n",
        "x = 1\n",
        "b'bytes'\n",
        "",
    ],
)
def test_message_on_real_docstrings(source: str) -> None:
    tree = ast.parse(source)
    assert docstring_message(tree) == cleaned_first_line(tree)
