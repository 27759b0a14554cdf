"""Shared helpers: a project in a temporary folder, findings from the real engine, a plan."""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from ddlguard.engine import analyze_source
from ddlguard.fix import FixPlan, plan_moves
from ddlguard.fix.edits import apply_text_edits
from ddlguard.fix.script import RunLine, ScriptBlock, render_script
from ddlguard.model import Finding
from ddlguard.project import Project
from ddlguard.settings import Settings

TODAY = datetime.date(2026, 11, 25)
MOVE_CODES = frozenset({"DG001", "DG002", "DG003"})
HEAD = '''"""Backfill names

Revision ID: abc123
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "abc123"
down_revision = None
'''


def migration(body: str) -> str:
    """HEAD followed by `body` (dedented): keeps each golden case down to what it is about."""
    return HEAD + textwrap.dedent(body)


def findings_of(
    source: str, settings: Settings | None = None, dialect: str = "postgresql"
) -> list[Finding]:
    result = analyze_source(
        source, Path("m.py"), settings or Settings(), dialect=dialect, in_version_dir=True
    )
    assert result.error is None, result.error
    return [f for f in result.findings if f.code in MOVE_CODES]


def plan(
    tmp_path: Path,
    source: str,
    *,
    settings: Settings | None = None,
    findings: Iterable[Finding] | None = None,
    dialect: str = "postgresql",
) -> FixPlan:
    """Plan every data operation of `source` as a migration of a project rooted at tmp_path."""
    settings = settings or Settings(dialect=dialect)
    found = list(findings) if findings is not None else findings_of(source, settings, dialect)
    project = Project(root=tmp_path, version_dirs=[tmp_path / "alembic" / "versions"])
    result = plan_moves(
        source,
        tmp_path / "alembic" / "versions" / "abc123_backfill_names.py",
        found,
        project=project,
        settings=settings,
        today=TODAY,
        exists=lambda p: p.exists(),
    )
    assert apply_text_edits(source, result.edits) == result.new_source
    return result


def body(script: str) -> str:
    """A script without its header comment (everything before the first blank line)."""
    return script.split("\n\n", 1)[1]


def script(result: FixPlan, name: str) -> str:
    by_name = {f.path.name: f.content for f in result.new_files}
    assert name in by_name, sorted(by_name)
    return by_name[name]


def one_block_script(dialect: str, statements: Sequence[str], run_path: str) -> str:
    """A script of `statements` in one transaction, run after revision a1 of a1_x.py."""
    return render_script(
        migration="alembic/versions/a1_x.py",
        today=datetime.date(2026, 12, 2),
        run_path=run_path,
        blocks=[ScriptBlock((), tuple(statements))],
        transaction=True,
        run=RunLine("upgrade", "after", "a1"),
        dialect=dialect,
    )
