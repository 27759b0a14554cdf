"""The fix never changes what a deploy does, proven on a real PostgreSQL (DESIGN.md §4 and §7).

For each fixture project under projects/: the real `ddlguard check --unsafe-fixes` runs on a copy;
the original runs on one fresh database, the fixed copy (its scripts where their run lines say) on
another, seeded the same way; `pg_dump --schema-only` and every table's sorted rows must match,
step by step up and down, and after `alembic upgrade head` in one go.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from ddlguard.engine import analyze_source
from ddlguard.settings import Settings

from .cases import Case, all_cases
from .deploy import alembic_config
from .postgres import Cluster, DatabasePool
from .projects import (
    FixedProject,
    build_project,
    fix_copies,
    revision_of,
    second_run,
    versions_of,
)
from .proof import prove_one_go, prove_stepwise

CASES = all_cases()
CHANGING = [case for case in CASES if case.may_change]


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


@dataclass(frozen=True)
class Prepared:
    """Every case's original copy and fixed copy (or why preparing it failed)."""

    top: Path  # the git repository holding every fixed copy
    originals: dict[str, Path]
    fixed: dict[str, FixedProject | str]


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    base = tmp_path_factory.mktemp("semantics")
    originals = {case.name: build_project(case, base / "original" / case.name) for case in CASES}
    return Prepared(base / "fixed", originals, fix_copies(CASES, base))


@pytest.fixture
def project(request: pytest.FixtureRequest, prepared: Prepared) -> tuple[Case, Path, FixedProject]:
    case: Case = request.param
    fixed = prepared.fixed[case.name]
    if isinstance(fixed, str):
        pytest.fail(f"preparing {case.name} failed: {fixed}", pytrace=False)
    return case, prepared.originals[case.name], fixed


@pytest.fixture(scope="session")
def second_patches(prepared: Prepared) -> dict[str, str]:
    """What a second `--unsafe-fixes` run would change in each fixed copy (one CLI run)."""
    ready = [c for c in CHANGING if isinstance(prepared.fixed[c.name], FixedProject)]
    return second_run(ready, prepared.top)


@pytest.mark.parametrize("project", CASES, ids=_ids(CASES), indirect=True)
def test_the_fix_does_what_the_case_expects(project: tuple[Case, Path, FixedProject]) -> None:
    case, _, fixed = project
    observed = fixed.outcomes()
    assert observed in case.expect, (
        f"{case.about}\nexpected {' or '.join('+'.join(sorted(e)) for e in case.expect)},"
        f" the fix did {'+'.join(sorted(observed))}\n{fixed.describe()}"
    )
    for script in fixed.scripts:
        assert script.problem is None, f"scripts/sql/{script.name}: {script.problem}"
    for name, text in fixed.after.items():
        ast.parse(text, name)  # every migration still parses
    for name, text in fixed.before.items():
        if revision_of(versions_of(fixed.root) / name) in case.unchanged:
            assert fixed.after[name] == text, f"{name} must not change:\n{fixed.describe()}"
    if case.new_revision_name is not None:  # named like the project's own revisions
        for name in fixed.new_revision_files:
            assert re.fullmatch(case.new_revision_name, name), name
    if observed == {"refuse"}:  # nothing moved, and the finding stays in the report
        assert fixed.after == fixed.before and not fixed.scripts
        assert "All checks passed" not in fixed.output, fixed.output
        assert re.search(r": DG00[1-3] ", fixed.output), fixed.output


@pytest.mark.parametrize("project", CHANGING, ids=_ids(CHANGING), indirect=True)
def test_a_second_run_changes_nothing_and_new_revisions_are_clean(
    project: tuple[Case, Path, FixedProject], second_patches: dict[str, str]
) -> None:
    case, _, fixed = project
    again = second_patches[case.name]
    assert again == "", f"a second run would change:\n{again}"
    for name in fixed.new_revision_files:
        path = versions_of(fixed.root) / name
        source = path.read_text(encoding="utf-8")
        result = analyze_source(source, path, Settings(), in_version_dir=True)
        flagged = [f"{f.code} {f.message}" for f in result.findings]
        assert result.error is None and flagged == [], f"ddlguard flags {name}: {flagged}"


@pytest.mark.parametrize("project", CHANGING, ids=_ids(CHANGING), indirect=True)
def test_step_by_step_up_and_down_is_unchanged(
    project: tuple[Case, Path, FixedProject], cluster: Cluster, databases: DatabasePool
) -> None:
    case, original, fixed = project
    prove_stepwise(cluster, databases, case, original, fixed)


@pytest.mark.parametrize("project", CHANGING, ids=_ids(CHANGING), indirect=True)
def test_upgrade_head_in_one_go_is_unchanged_or_stops_at_a_guard(
    project: tuple[Case, Path, FixedProject], cluster: Cluster, databases: DatabasePool
) -> None:
    """An existing database (seeded at the case's last seed revision) deployed at once."""
    case, original, fixed = project
    prove_one_go(cluster, databases, case, original, fixed, seeded=True)


@pytest.mark.parametrize("project", CHANGING, ids=_ids(CHANGING), indirect=True)
def test_upgrade_head_on_an_empty_database(
    project: tuple[Case, Path, FixedProject], cluster: Cluster, databases: DatabasePool
) -> None:
    """A fresh install (a new developer, a CI database): `alembic upgrade head` from nothing."""
    case, original, fixed = project
    prove_one_go(cluster, databases, case, original, fixed, seeded=False)


@pytest.mark.parametrize("project", CHANGING, ids=_ids(CHANGING), indirect=True)
def test_offline_sql_mode_still_renders(project: tuple[Case, Path, FixedProject]) -> None:
    """`alembic upgrade head --sql` needs no database: a guard must not run there."""
    _, _, fixed = project
    config = alembic_config(fixed.root)
    command.upgrade(config, "head", sql=True)
    rendered = config.output_buffer.getvalue()  # type: ignore[union-attr]
    assert "CREATE TABLE alembic_version" in rendered
