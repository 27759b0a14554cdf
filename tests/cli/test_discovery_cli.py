"""What `ddlguard check` analyses: discovery variants, include/exclude, --force-migration, and
the static-only invariant (nothing of the project is imported or executed)."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import BROKEN, make_project, migration, run_cli

NOT_A_MIGRATION_BROKEN = "def helper(:\n    pass\n"


def _checked(tmp_path: Path, *args: str | Path) -> tuple[int, str]:
    proc = run_cli("check", *args, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout


def test_version_locations_and_tool_alembic(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/db\n"
        "version_locations = %(here)s/db/versions %(here)s/db/plugins\n"
        "version_path_separator = space\n"
    )
    for sub in ("versions", "plugins"):
        (tmp_path / "svc" / "db" / sub).mkdir(parents=True)
    (tmp_path / "svc" / "db" / "versions" / "a1.py").write_text(migration("a1", None))
    (tmp_path / "svc" / "db" / "plugins" / "p1.py").write_text(migration("p1", "a1", BROKEN))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/migrations"\n'
    )
    (tmp_path / "other" / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "other" / "migrations" / "versions" / "x1.py").write_text(
        migration("x1", None, BROKEN)
    )
    code, out = _checked(tmp_path)
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == [
        "other/migrations/versions/x1.py",
        "svc/db/plugins/p1.py",
    ]


def test_bare_versions_folder_and_loose_file(tmp_path: Path) -> None:
    (tmp_path / "db" / "versions").mkdir(parents=True)
    (tmp_path / "db" / "versions" / "a1.py").write_text(migration("a1", None))
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "hotfix.py").write_text(migration("h1", "a1"))
    (tmp_path / "app.py").write_text("import os\n")
    code, out = _checked(tmp_path)
    assert (code, out) == (0, "All checks passed: 2 migrations.\n")


def test_explicit_non_migration_file_is_not_analysed_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / "helpers.py").write_text(NOT_A_MIGRATION_BROKEN)
    code, out = _checked(tmp_path, "helpers.py")
    assert (code, out) == (0, "All checks passed: 0 migrations.\n")
    code, out = _checked(tmp_path, "helpers.py", "--force-migration")
    assert code == 1
    assert out.startswith("helpers.py:1:12: DG000 syntax error")
    # forcing applies to named files, not to everything under a folder
    code, out = _checked(tmp_path, ".", "--force-migration")
    assert (code, out) == (0, "All checks passed: 0 migrations.\n")


def test_exclude_and_include_globs_from_config(tmp_path: Path) -> None:
    versions = make_project(
        tmp_path,
        {
            "a1": migration("a1", None),
            "b2": migration("b2", "a1", BROKEN),
        },
    )
    (versions / "legacy").mkdir()
    (versions / "legacy" / "old.py").write_text(migration("o1", "zz", BROKEN))
    code, out = _checked(tmp_path)
    assert code == 1 and "legacy/old.py" in out and "b2.py" in out

    (tmp_path / "pyproject.toml").write_text(
        '[tool.ddlguard]\nexclude = ["alembic/versions/legacy", "b2.py"]\n'
    )
    assert _checked(tmp_path) == (0, "All checks passed: 1 migration.\n")
    # named files are excluded too (pre-commit passes them one by one)
    assert _checked(tmp_path, versions / "b2.py") == (0, "All checks passed: 0 migrations.\n")

    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\ninclude = ["**/legacy/*.py"]\n')
    code, out = _checked(tmp_path)
    assert code == 1
    assert out.splitlines()[-1] == "Found 1 error in 1 file."
    assert out.startswith("alembic/versions/legacy/old.py:")


def test_checking_never_imports_the_project(tmp_path: Path) -> None:
    """A migration, env.py and an app module that would each write a marker when imported."""
    marker = tmp_path / "IMPORTED"
    payload = f"open({str(marker)!r}, 'w').write('imported')\n"
    versions = make_project(tmp_path, {})
    (versions / "a1.py").write_text(
        payload
        + 'import app.models\nrevision = "a1"\ndown_revision = None\n\n\n'
        + "def upgrade():\n    "
        + payload
        + "    op.execute('UPDATE users SET x = 1')\n"
    )
    (tmp_path / "alembic" / "env.py").write_text(payload + "import app.models\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text(payload)
    (tmp_path / "app" / "models.py").write_text(payload)
    (tmp_path / "sitecustomize.py").write_text(payload)
    for args in (["check"], ["check", "--format", "json", "alembic/env.py", "--force-migration"]):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        assert not marker.exists(), args
    json.loads(run_cli("check", "--format", "json", cwd=tmp_path).stdout)
    assert not marker.exists()


def test_checking_from_inside_the_versions_folder_finds_the_project(tmp_path: Path) -> None:
    versions = make_project(tmp_path, {"a1": migration("a1", None), "b2": "x = 1\n"})
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\nignore = ["DG202"]\n')
    # b2.py does not look like a migration but sits in the version location: it counts
    assert _checked(versions) == (0, "All checks passed: 2 migrations.\n")
    (versions / "c3.py").write_text(migration("c3", "a1", BROKEN))
    code, out = _checked(versions)
    assert code == 1
    assert out.splitlines() == [
        "c3.py:7:18: DG000 syntax error: '(' was never closed",
        "Found 1 error in 1 file.",
    ]
    code, items_out = _checked(versions, "--format", "json")
    assert [i["path"] for i in json.loads(items_out)] == ["c3.py"]
