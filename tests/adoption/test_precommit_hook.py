"""The pre-commit hook definition, and the command it runs on what pre-commit passes it."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from .helpers import REPO, make_project, migration, run

DML = 'op.execute("DELETE FROM users")'


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h["id"] == "ddlguard"]
    assert isinstance(hook, dict)
    return hook


def test_hook_manifest_fields() -> None:
    hook = _hook()
    assert hook["entry"] == "ddlguard check"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert isinstance(hook["name"], str) and hook["name"]


def test_hook_command_on_staged_files(tmp_path: Path) -> None:
    """pre-commit appends the staged .py files: non-migrations are ignored, migrations checked."""
    versions = make_project(
        tmp_path, {"a": migration("a1", None), "b": migration("b2", "a1", body=DML)}
    )
    (tmp_path / "app.py").write_text("import os\nprint(os.name)\n", encoding="utf-8")
    (tmp_path / "broken_helper.py").write_text("def f(:\n", encoding="utf-8")
    args = shlex.split(str(_hook()["entry"]))[1:]
    clean = run([*args, "app.py", "broken_helper.py", str(versions / "a.py")], tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    dirty = run([*args, "app.py", str(versions / "b.py")], tmp_path)
    assert dirty.returncode == 1
    assert "b.py:" in dirty.stdout and "DG001" in dirty.stdout
    assert "app.py" not in dirty.stdout
