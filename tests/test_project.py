"""Discovery of Alembic projects and migration files (design section 1), statically."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from ddlguard.project import (
    Project,
    discover,
    find_projects,
    project_for_file,
    read_alembic_ini,
    walk_files,
)

MIGRATION = 'revision = "{rev}"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n'


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(paths: list[tuple[Path, Project]]) -> list[str]:
    return sorted(p.name for p, _ in paths)


def test_alembic_ini_version_locations_with_here_and_separator(tmp_path: Path) -> None:
    write(
        tmp_path / "svc" / "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n"
        "version_path_separator = ;\n"
        "version_locations = %(here)s/migrations/versions;%(here)s/plugins/billing/versions\n"
        "sqlalchemy.url = mysql+pymysql://u:CHANGE_ME@db/app\n",
    )
    write(tmp_path / "svc" / "migrations" / "versions" / "a.py", MIGRATION.format(rev="a"))
    write(tmp_path / "svc" / "plugins" / "billing" / "versions" / "b.py", "# no revision yet\n")
    write(tmp_path / "svc" / "migrations" / "versions" / "__init__.py")
    write(tmp_path / "svc" / "migrations" / "env.py", "import app  # never imported by us\n")
    found = discover([tmp_path])
    assert names(found.files) == ["a.py", "b.py"]  # b.py: in a version location, content aside
    [project] = found.projects
    assert project.dialect(None) == "mysql"
    assert project.root == (tmp_path / "svc").resolve()
    assert found.problems == []


def test_script_location_package_form_and_relative(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = myapp:db/migrations\n")
    [project] = find_projects(tmp_path)
    assert project.version_dirs == [(tmp_path / "db" / "migrations" / "versions").resolve()]
    assert project.problems == [
        f"{tmp_path / 'alembic.ini'}: version location "
        f"{(tmp_path / 'db' / 'migrations' / 'versions').resolve()} is not a folder"
    ]


def test_ini_without_alembic_section_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[loggers]\nkeys = root\n")
    project = read_alembic_ini(tmp_path / "alembic.ini")
    assert project.version_dirs == []
    assert project.problems == [f"{tmp_path / 'alembic.ini'}: no [alembic] section"]
    write(tmp_path / "broken" / "alembic.ini", "[alembic\nscript_location = x\n")
    broken = read_alembic_ini(tmp_path / "broken" / "alembic.ini")
    assert broken.problems and "cannot read" in broken.problems[0]


def test_tool_alembic_in_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.alembic]\nscript_location = "%(here)s/db"\n'
        'version_locations = ["%(here)s/db/versions", "%(here)s/extra"]\n',
    )
    write(tmp_path / "db" / "versions" / "a.py", MIGRATION.format(rev="a"))
    write(tmp_path / "extra" / "b.py", MIGRATION.format(rev="b"))
    found = discover([tmp_path])
    assert names(found.files) == ["a.py", "b.py"]
    assert {p.root for _, p in found.files} == {tmp_path.resolve()}


def test_bare_versions_folder_needs_migration_content(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "db" / "versions" / "a.py", MIGRATION.format(rev="a"))
    write(tmp_path / "api" / "versions" / "v1.py", "def upgrade():\n    return 'api v1'\n")
    found = discover([tmp_path])
    assert names(found.files) == ["a.py"]
    [(_, project)] = found.files
    assert project.root == tmp_path.resolve()  # nearest pyproject.toml
    assert project.version_dirs == []


def test_loose_migration_file_and_non_migration_files(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg")
    write(tmp_path / "tools" / "one_off.py", MIGRATION.format(rev="loose"))
    write(tmp_path / "app" / "models.py", "revision = 3\n")  # no upgrade: not a migration
    found = discover([tmp_path])
    assert names(found.files) == ["one_off.py"]


def test_explicit_file_is_a_candidate_and_keeps_its_path(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = alembic\n")
    target = write(tmp_path / "alembic" / "versions" / "a.py", MIGRATION.format(rev="a"))
    other = write(tmp_path / "app.py", "print(1)\n")
    found = discover([target, other])
    assert [p for p, _ in found.files] == [target, other]
    assert found.files[0][1].contains_version_file(target)
    assert not found.files[1][1].contains_version_file(other)


def test_project_for_file_finds_the_ini_that_lists_it(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = alembic\n")
    inside = write(tmp_path / "alembic" / "versions" / "a.py")
    outside = write(tmp_path / "alembic" / "env.py")
    assert project_for_file(inside).alembic_ini == (tmp_path / "alembic.ini").resolve()
    assert project_for_file(outside).alembic_ini is None


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    found = discover([tmp_path / "nope"])
    assert found.files == []
    assert found.problems == [f"{tmp_path / 'nope'}: no such file or directory"]


def test_symlink_loops_end(tmp_path: Path) -> None:
    write(tmp_path / "a" / "m.py", MIGRATION.format(rev="m"))
    os.symlink(tmp_path, tmp_path / "a" / "up")
    os.symlink(tmp_path / "a", tmp_path / "a" / "self")
    files = list(walk_files(tmp_path))
    assert [f.name for f in files] == ["m.py"]
    assert names(discover([tmp_path]).files) == ["m.py"]


def test_skips_environment_and_tool_folders(tmp_path: Path) -> None:
    for folder in (".venv", "node_modules", ".git", "build", "x.egg-info"):
        write(tmp_path / folder / "versions" / "a.py", MIGRATION.format(rev="a"))
    assert discover([tmp_path]).files == []


def test_ten_thousand_files_are_walked_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    for i in range(10_000):
        (big / f"m{i:05}.py").write_text(f"x = {i}\n")
    (big / "m99999.py").write_text(MIGRATION.format(rev="r"))
    start = time.perf_counter()
    found = discover([tmp_path])
    elapsed = time.perf_counter() - start
    assert names(found.files) == ["m99999.py"]
    assert elapsed < 20, elapsed


def test_flask_migrate_ini_without_script_location(tmp_path: Path) -> None:
    """Flask-Migrate writes `migrations/alembic.ini` with no location: `versions/` beside it."""
    write(tmp_path / "migrations" / "alembic.ini", "[alembic]\n# file_template = %%(rev)s\n")
    write(tmp_path / "migrations" / "versions" / "a.py", MIGRATION.format(rev="a"))
    write(tmp_path / "plugins" / "p" / "migrations" / "b.py", MIGRATION.format(rev="b"))
    found = discover([tmp_path])
    assert found.problems == []
    by_name = {p.name: project for p, project in found.files}
    assert by_name["a.py"].version_dirs == [(tmp_path / "migrations" / "versions").resolve()]
    assert by_name["b.py"].version_dirs == []  # a loose migration: its own graph, not a's
    write(tmp_path / "bare" / "alembic.ini", "[alembic]\n")
    assert read_alembic_ini(tmp_path / "bare" / "alembic.ini").problems == [
        f"{tmp_path / 'bare' / 'alembic.ini'}: no script_location in [alembic]"
    ]


def test_named_ini_sections_are_separate_projects(tmp_path: Path) -> None:
    """`alembic --name core` / `--name tenant`: one ini, two revision graphs (Netflix Dispatch)."""
    pkg = tmp_path / "src" / "svc"
    write(pkg / "__init__.py")
    write(
        pkg / "alembic.ini",
        "[alembic]\nfile_template = %%(rev)s\n\n"
        "[core]\nscript_location = svc:database/revisions/core\n\n"
        "[tenant]\nscript_location = svc:database/revisions/tenant\n"
        "sqlalchemy.url = sqlite:///t.db\n\n"
        "[logger_root]\nlevel = WARN\n",
    )
    for name in ("core", "tenant"):
        write(
            pkg / "database" / "revisions" / name / "versions" / "a.py", MIGRATION.format(rev="a")
        )
    found = discover([tmp_path])
    assert found.problems == []
    dirs = sorted(str(p.version_dirs[0].relative_to(tmp_path.resolve())) for p in found.projects)
    assert dirs == [
        "src/svc/database/revisions/core/versions",
        "src/svc/database/revisions/tenant/versions",
    ]
    assert sorted(p.dialect(None) for p in found.projects) == ["postgresql", "sqlite"]
    owners = {str(path.parent.parent.name): project for path, project in found.files}
    assert owners["core"] is not owners["tenant"]


def test_package_locations_are_found_without_importing(tmp_path: Path) -> None:
    write(tmp_path / "src" / "myapp" / "__init__.py", "raise SystemExit('imported!')\n")
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = myapp:migrations\n"
        "version_locations = myapp:migrations/versions myapp:plugins/versions\n"
        "version_path_separator = space\n",
    )
    [project] = find_projects(tmp_path)
    base = (tmp_path / "src" / "myapp").resolve()
    assert project.version_dirs == [base / "migrations" / "versions", base / "plugins" / "versions"]


def test_tool_alembic_spelt_with_escapes_is_found_and_other_pyprojects_are_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pyproject.toml that never spells `alembic` (nor a \\u escape) is not parsed: it
    cannot hold [tool.alembic]. An escaped spelling still is."""
    import tomllib

    write(
        tmp_path / "escaped" / "pyproject.toml", '[tool."\\u0061lembic"]\nscript_location = "m"\n'
    )
    write(tmp_path / "escaped" / "m" / "versions" / "a.py", MIGRATION.format(rev="a"))
    write(tmp_path / "plain" / "pyproject.toml", "[project]\nname = 'plain'\n")
    parsed: list[str] = []
    real = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: parsed.append(text) or real(text))
    found = discover([tmp_path])
    assert [p.root.name for p in found.projects] == ["escaped"]
    assert names(found.files) == ["a.py"]
    assert len(parsed) == 1 and "0061" in parsed[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_py_outside_the_version_locations_does_not_block(tmp_path: Path) -> None:
    """Discovery reads the head of loose `.py` files; a FIFO must not wait for a writer."""
    import subprocess
    import sys

    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "app" / "m.py", MIGRATION.format(rev="a"))
    os.mkfifo(tmp_path / "app" / "pipe.py")
    proc = subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", ".", "--format", "json", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "pipe.py" not in proc.stdout
