"""Symlinked migrations are one file under their real path; a dangling link is a taken name."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from ddlguard.cli.fixing import run_fixes
from ddlguard.fix.naming import script_names
from ddlguard.runner import check_paths
from ddlguard.safe_write import name_taken

from .cli_helpers import json_findings, make_project, migration, run_cli


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "proj"
    versions = make_project(root)
    (root / ".git").mkdir()
    return root, versions


@pytest.mark.parametrize("target_in", ["same folder", "elsewhere in the project"])
def test_a_symlinked_migration_is_reported_once_under_its_real_path(
    project: tuple[Path, Path], target_in: str
) -> None:
    root, versions = project
    if target_in == "same folder":
        real = versions / "0001_add.py"
    else:
        (root / "shared").mkdir()
        real = root / "shared" / "0001_add.py"
    real.write_text(migration("0001"), "utf-8")
    (versions / "0000_link.py").symlink_to(real)  # sorts before its target
    proc = run_cli("check", "--format", "json", cwd=root, timeout=60)
    findings = json_findings(proc)
    assert not [f for f in findings if f["code"] == "DG103"], findings
    dg001 = [f for f in findings if f["code"] == "DG001"]
    assert len(dg001) == 1 and dg001[0]["path"] == real.relative_to(root).as_posix(), dg001


def test_a_symlinked_migration_is_fixed_through_its_real_path(project: tuple[Path, Path]) -> None:
    root, versions = project
    (root / "shared").mkdir()
    real = root / "shared" / "0001_add.py"
    real.write_text(migration("0001"), "utf-8")
    link = versions / "0001_add.py"
    link.symlink_to(real)
    run_cli("check", "--unsafe-fixes", cwd=root, timeout=60)
    assert link.is_symlink() and link.resolve() == real.resolve()  # still a link
    assert "op.execute(" not in real.read_text()
    assert len(list((root / "scripts" / "sql").iterdir())) == 1


def test_a_symlinked_migration_pointing_outside_is_not_fixed(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, versions = project
    outside = tmp_path / "outside.py"
    outside.write_text(migration("0001"), "utf-8")
    before = outside.read_bytes()
    (versions / "0001_add.py").symlink_to(outside)
    proc = run_cli("check", "--unsafe-fixes", cwd=root, timeout=60)
    # the planner refuses it with the reason, before anything could be written
    assert "not moved: the migration" in proc.stdout, proc.stdout
    assert "outside the project root" in proc.stdout, proc.stdout
    assert outside.read_bytes() == before
    assert not (root / "scripts").exists()


def test_a_dangling_link_at_the_scripts_name_takes_the_next_name(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, versions = project
    (versions / "0001_add.py").write_text(migration("0001"), "utf-8")
    sql = root / "scripts" / "sql"
    sql.mkdir(parents=True)
    today = datetime.date.today().isoformat()
    (sql / f"{today}-add-active.sql").symlink_to(tmp_path / "nowhere.sql")
    import io

    out = io.StringIO()
    run_fixes(check_paths([root]), unsafe=True, diff_only=False, out=out)
    assert f"{today}-add-active-2.sql" in out.getvalue(), out.getvalue()
    assert (sql / f"{today}-add-active-2.sql").is_file()
    assert not (tmp_path / "nowhere.sql").exists()  # nothing written through the link


def test_name_taken_counts_dangling_links(tmp_path: Path) -> None:
    (tmp_path / "dangling.sql").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop.sql").symlink_to(tmp_path / "loop.sql")
    assert name_taken(tmp_path / "dangling.sql") and name_taken(tmp_path / "loop.sql")
    assert not name_taken(tmp_path / "free.sql")
    up, _ = script_names(
        tmp_path, datetime.date(2026, 1, 2), "dangling", upgrade=True, downgrade=False,
        exists=name_taken,
    )  # fmt: skip
    assert up is not None and up.name == "2026-01-02-dangling.sql"
    (tmp_path / "2026-01-02-x.sql").symlink_to(tmp_path / "nowhere")
    up, _ = script_names(
        tmp_path, datetime.date(2026, 1, 2), "x", upgrade=True, downgrade=False, exists=name_taken
    )
    assert up is not None and up.name == "2026-01-02-x-2.sql"
