"""Every offered fix keeps the no-data-loss invariants (design section 7).

The migration after the fix parses; every statement moved is in a new script; no existing
file is overwritten and no script lands outside the project root; the edits reproduce the
new text; schema operations stay; and fixing the fixed file again changes nothing.
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

from ddlguard.fix import apply_text_edits, plan_moves
from ddlguard.fix.model import FixPlan
from ddlguard.model import Applicability, FileResult
from ddlguard.project import Project
from hypothesis import given
from hypothesis import strategies as st

from .properties import SETTINGS, analyze
from .strategies import Doc, migrations, typed_migrations

TODAY = datetime.date(2026, 1, 2)
ROOT = Path("/project-root-never-written")  # the planner writes nothing; exists() is ours
PATH = ROOT / "alembic" / "versions" / "0001_fuzz.py"
SCHEMA_CALLS = re.compile(r"op\.(add_column|drop_column|create_index|alter_column|create_table)\(")


def _plan(source: str, result: FileResult, taken: set[Path]) -> FixPlan:
    offered = [
        f
        for f in result.findings
        if f.fix is not None and f.fix.applicability is Applicability.UNSAFE
    ]
    project = Project(root=ROOT, version_dirs=[PATH.parent])
    return plan_moves(
        source, PATH, offered, project=project, settings=SETTINGS,
        today=TODAY, exists=lambda p: p in taken,
    )  # fmt: skip


def check_fix(source: str) -> None:
    result = analyze(source)
    if result.error:
        return
    scripts = ROOT / "scripts" / "sql"
    taken = {scripts / f"{TODAY.isoformat()}-add-users.sql", scripts / "keep.sql"}
    plan = _plan(source, result, taken)
    body = source.removeprefix("\ufeff")
    new_body = plan.new_source.removeprefix("\ufeff")
    ast.parse(new_body)  # still a migration Python accepts
    assert apply_text_edits(body, plan.edits) == new_body, "edits do not give new_source"
    assert source.startswith("\ufeff") == plan.new_source.startswith("\ufeff"), "BOM lost"
    assert len(SCHEMA_CALLS.findall(body)) == len(SCHEMA_CALLS.findall(new_body))
    contents = {f.path: f.content for f in plan.new_files}
    for new in plan.new_files:
        assert new.path not in taken, f"would overwrite {new.path}"
        assert new.path.parent == scripts, f"script outside scripts/sql: {new.path}"
    assert len(contents) == len(plan.new_files), "two new files with one path"
    for moved in plan.moved:
        assert moved.statements, f"{moved.finding.code} moved with no statement"
        script = contents[moved.script]
        for statement in moved.statements:
            assert statement in script, f"{statement!r} missing from {moved.script.name}"
    handled = {id(m.finding) for m in plan.moved} | {id(s.finding) for s in plan.skipped}
    for finding in result.findings:
        if finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE:
            assert id(finding) in handled, f"{finding.code} neither moved nor skipped"
    if not plan.moved:
        assert plan.new_source == source and not plan.new_files
        return
    # applying it twice changes nothing
    again = _plan(plan.new_source, analyze(plan.new_source), taken | set(contents))
    assert not again.moved, [m.finding.message for m in again.moved]
    assert again.new_source == plan.new_source


@given(migrations())
def test_fixes_of_generated_migrations_keep_the_invariants(doc: Doc) -> None:
    check_fix(doc.text)


@given(typed_migrations())
def test_fixes_of_half_typed_migrations_keep_the_invariants(text: str) -> None:
    check_fix(text)


@given(st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_known_move_lands_in_the_script(newline: str, bom: bool) -> None:
    source = (
        '"""backfill"""\nfrom alembic import op\n\nrevision = "a1"\ndown_revision = None\n\n'
        'def upgrade():\n    op.add_column("users", sa.Column("x", sa.Integer()))\n'
        '    op.execute("UPDATE users SET x = 1 WHERE id > 0")  # é😀\n\n'
        "def downgrade():\n    pass\n"
    ).replace("\n", newline)
    source = ("\ufeff" if bom else "") + source
    plan = _plan(source, analyze(source), set())
    assert [m.finding.code for m in plan.moved] == ["DG001"]
    assert "UPDATE users SET x = 1 WHERE id > 0" in plan.new_files[0].content
    assert "UPDATE users" not in plan.new_source
    assert 'op.add_column("users"' in plan.new_source
    check_fix(source)
