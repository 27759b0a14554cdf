"""The no-data-loss invariants of one fix, shared by pytest and `bench/fuzz_long.py`.

The migration after the fix parses; every statement moved is in a new script; no existing
file is overwritten and no script lands outside the scripts folder; the edits reproduce the
new text; schema operations stay; and fixing the fixed file again changes nothing.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from ddlguard.fix import apply_text_edits, plan_moves
from ddlguard.fix.model import FixPlan
from ddlguard.model import Applicability, FileResult
from ddlguard.project import Project

from .properties import SETTINGS, analyze, parse_quietly

TODAY = datetime.date(2026, 1, 2)
ROOT = Path("/project-root-never-written")  # the planner writes nothing; exists() is ours
PATH = ROOT / "alembic" / "versions" / "0001_fuzz.py"
SCHEMA_CALLS = re.compile(r"op\.(add_column|drop_column|create_index|alter_column|create_table)\(")


def plan_fix(source: str, result: FileResult, taken: set[Path]) -> FixPlan:
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
    plan = plan_fix(source, result, taken)
    body = source.removeprefix("\ufeff")
    new_body = plan.new_source.removeprefix("\ufeff")
    parse_quietly(new_body)  # still a migration Python accepts
    assert apply_text_edits(body, plan.edits) == new_body, "edits do not give new_source"
    assert source.startswith("\ufeff") == plan.new_source.startswith("\ufeff"), "BOM lost"
    follow_ups = "".join(f.content for f in plan.new_files if f.path.suffix == ".py")
    after = len(SCHEMA_CALLS.findall(new_body)) + len(SCHEMA_CALLS.findall(follow_ups))
    assert len(SCHEMA_CALLS.findall(body)) <= after  # a split defers some to its revision
    contents = {f.path: f.content for f in plan.new_files}
    for new in plan.new_files:
        assert new.path not in taken, f"would overwrite {new.path}"
        if new.path.suffix == ".py":  # a split's follow-up revision, beside the original
            continue
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
    again = plan_fix(plan.new_source, analyze(plan.new_source), taken | set(contents))
    assert not again.moved, [m.finding.message for m in again.moved]
    assert again.new_source == plan.new_source
