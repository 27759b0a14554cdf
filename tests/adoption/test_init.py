"""`ddlguard init` through the real CLI, and the template rendered by real Alembic."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from ddlguard.hygiene import check_hygiene, remove_checklist

from .helpers import check_json, codes, make_project, migration, run


def test_init_writes_the_template_and_the_scripts_readme(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": migration("a1", None), "b": migration("b2", "a1")})
    done = run(["init"], tmp_path)
    assert done.returncode == 0, done.stderr
    template = tmp_path / "backend" / "alembic" / "script.py.mako"
    readme = tmp_path / "backend" / "scripts" / "sql" / "README.md"
    assert "# ddlguard-checklist" in template.read_text("utf-8")
    text = readme.read_text("utf-8")
    assert "psql" in text and "ON_ERROR_STOP=1" in text and "BEGIN;" in text
    assert "wrote backend/alembic/script.py.mako" in done.stdout
    assert "wrote backend/scripts/sql/README.md" in done.stdout
    # the snippets to paste elsewhere, with today's head as since-revision
    assert "- id: ddlguard" in done.stdout
    assert "[tool.ddlguard]" in done.stdout and 'since-revision = "b2"' in done.stdout


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    make_project(tmp_path)
    template = tmp_path / "backend" / "alembic" / "script.py.mako"
    template.write_text("# my own template\n", encoding="utf-8")
    done = run(["init", "backend"], tmp_path)
    assert done.returncode == 0
    assert template.read_text("utf-8") == "# my own template\n"
    assert "skipped backend/alembic/script.py.mako" in done.stdout
    assert "--force" in done.stdout
    assert "# ddlguard-checklist" in done.stdout  # the block to paste by hand
    again = run(["init", "backend"], tmp_path)
    assert "unchanged backend/scripts/sql/README.md" in again.stdout
    forced = run(["init", "backend", "--force"], tmp_path)
    assert forced.returncode == 0
    assert "overwrote backend/alembic/script.py.mako" in forced.stdout
    assert "# ddlguard-checklist" in template.read_text("utf-8")


def test_init_without_an_alembic_project_exits_2(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n", encoding="utf-8")
    done = run(["init"], tmp_path)
    assert done.returncode == 2
    assert "no Alembic project" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "app.py"]
    assert run(["init", "missing"], tmp_path).returncode == 2


def test_init_honours_package_script_locations_and_scripts_dir(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = myapp:db/migrations\n", encoding="utf-8"
    )
    (tmp_path / "db" / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "ddlguard.toml").write_text('scripts-dir = "sql/data"\n', encoding="utf-8")
    done = run(["init"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "db" / "migrations" / "script.py.mako").is_file()
    assert (tmp_path / "sql" / "data" / "README.md").is_file()


def test_a_migration_from_the_template_is_flagged_until_reviewed(tmp_path: Path) -> None:
    """Real Alembic renders the template; ddlguard then asks for the checklist to go."""
    pytest.importorskip("alembic", reason="rendering the template needs Alembic (and Mako)")
    make_project(tmp_path, {"a": migration("a1", None)})  # an empty base would be fine
    assert run(["init"], tmp_path).returncode == 0
    backend = tmp_path / "backend"
    subprocess.run(
        [sys.executable, "-m", "alembic", "revision", "-m", "add users"],
        cwd=backend,
        check=True,
        capture_output=True,
    )
    (path,) = (p for p in (backend / "alembic" / "versions").glob("*.py") if p.name != "a.py")
    source = path.read_text("utf-8")
    assert [f.code for f in check_hygiene(ast.parse(source), source)] == ["DG201", "DG202"]
    _, found = check_json(tmp_path)
    assert [c[0] for c in codes(found)] == ["DG201", "DG202"]
    # the safe fix removes exactly the checklist
    fixed = run(["check", "--fix"], tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert path.read_text("utf-8") == remove_checklist(source)
    assert [c[0] for c in codes(check_json(tmp_path)[1])] == ["DG202"]
    path.write_text(remove_checklist(source).replace("    pass", "    # marker\n    pass", 1))
    assert check_json(tmp_path)[1] == []


def test_init_never_writes_outside_the_project_root(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "alembic.ini").write_text(
        "[alembic]\nscript_location = ../shared/migrations\n", encoding="utf-8"
    )
    (tmp_path / "shared" / "migrations" / "versions").mkdir(parents=True)
    done = run(["init", "backend"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "refused shared/migrations/script.py.mako: outside the project root" in done.stdout
    assert not (tmp_path / "shared" / "migrations" / "script.py.mako").exists()
    # a symlink planted where the README goes is not followed out of the project either
    outside = tmp_path / "elsewhere.md"
    outside.write_text("keep\n", encoding="utf-8")
    readme = backend / "scripts" / "sql" / "README.md"
    readme.unlink()  # written by the first run
    readme.symlink_to(outside)
    forced = run(["init", "backend", "--force"], tmp_path)
    assert "refused backend/scripts/sql/README.md" in forced.stdout
    assert outside.read_text("utf-8") == "keep\n"
