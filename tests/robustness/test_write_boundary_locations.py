"""Discovery stays in the project root; migrations outside it are checked, never rewritten.

A `version_locations` of `/` once walked the whole disk; one of `/elsewhere/versions` or
`../x` was rewritten by `--unsafe-fixes`. Each case runs the real CLI with a time bound.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ddlguard.project import discover, read_alembic_projects, walk_files

from .cli_helpers import json_findings, migration, run_cli


def _ini(root: Path, locations: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    (root / "alembic.ini").write_text(
        f"[alembic]\nscript_location = alembic\nversion_locations = {locations}\n", "utf-8"
    )


@pytest.mark.parametrize("where", ["absolute", "dotdot"])
def test_migrations_outside_the_root_are_checked_but_never_rewritten(
    tmp_path: Path, where: str
) -> None:
    root, elsewhere = tmp_path / "proj", tmp_path / "elsewhere" / "versions"
    elsewhere.mkdir(parents=True)
    (elsewhere / "deep").mkdir()
    (elsewhere / "0001_add.py").write_text(migration("0001"), "utf-8")
    (elsewhere / "deep" / "0002_more.py").write_text(migration("0002", "0001"), "utf-8")
    _ini(root, str(elsewhere) if where == "absolute" else "../elsewhere/versions")
    before = {p: p.read_bytes() for p in elsewhere.rglob("*.py")}

    proc = run_cli("check", "--format", "json", cwd=root, timeout=60)
    assert proc.returncode == 1, proc.stderr
    codes = {(Path(f["path"]).name, f["code"]) for f in json_findings(proc)}
    assert ("0001_add.py", "DG001") in codes  # analysed
    assert not any(name == "0002_more.py" for name, _ in codes)  # its subfolders: not walked
    assert "outside the project root" in proc.stderr and "never fixed" in proc.stderr

    fixed = run_cli("check", "--unsafe-fixes", cwd=root, timeout=60)
    said = fixed.stdout + fixed.stderr
    assert "0001_add.py:" in said and "not moved: the migration" in said  # planned as refused
    assert "outside the project root" in said
    assert {p: p.read_bytes() for p in elsewhere.rglob("*.py")} == before
    assert not (root / "scripts").exists()
    # --diff shows no patch for it either: nothing would be written
    diff = run_cli("check", "--diff", "--unsafe-fixes", cwd=root, timeout=60)
    assert "+++ " not in diff.stdout and "0001_add.py" not in diff.stdout


@pytest.mark.parametrize("location", ["/", "..", "%(here)s/.."])
def test_a_location_holding_the_project_is_a_problem_reported_at_once(
    tmp_path: Path, location: str
) -> None:
    """`/` would walk the disk, `..` the project's parent: refused before any listing."""
    root = tmp_path / "proj"
    _ini(root, location)
    (root / "alembic" / "versions").mkdir(parents=True)
    project = read_alembic_projects(root / "alembic.ini")[0]
    assert project.version_dirs == []
    assert any("holds the whole project root" in p for p in project.problems)
    proc = run_cli("check", cwd=root, timeout=20)
    assert "holds the whole project root" in proc.stderr and "not searched" in proc.stderr


def test_a_symlinked_folder_leading_out_of_the_root_is_not_walked(tmp_path: Path) -> None:
    """A cloned repository's `versions/all -> /` (or any folder elsewhere) is not entered."""
    root = tmp_path / "proj"
    _ini(root, "alembic/versions")
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_add.py").write_text(migration("0001"), "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "0009_far.py").write_text(migration("0009"), "utf-8")
    (versions / "far").symlink_to(elsewhere, target_is_directory=True)
    (root / "disk").symlink_to("/", target_is_directory=True)
    found = discover([root])
    assert [p.name for p, _ in found.files] == ["0001_add.py"]
    assert sum("outside the project: not searched" in p for p in found.problems) == 2
    assert all(
        os.path.realpath(p).startswith(str(root.resolve()))
        for p in walk_files(root, within=str(root.resolve()))
    )


def test_the_project_says_which_migrations_a_fix_may_rewrite(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    _ini(root, "../elsewhere")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.py").write_text("x = 1\n")
    (root / "alembic").mkdir()
    (root / "alembic" / "link.py").symlink_to(tmp_path / "elsewhere" / "a.py")
    (root / "alembic" / "b.py").write_text("x = 1\n")
    project = read_alembic_projects(root / "alembic.ini")[0]
    assert project.outside_dirs == [(tmp_path / "elsewhere").resolve()]
    assert project.not_writable(root / "alembic" / "b.py") is None
    for path in (tmp_path / "elsewhere" / "a.py", root / "alembic" / "link.py"):
        reason = project.not_writable(path)
        assert reason is not None and "outside the project root" in reason
