"""The pre-commit hook definition, and the command it runs on what pre-commit passes it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import REPO, git, make_project, migration, run

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


def test_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip(
        "pre_commit.clientlib", reason="pre-commit validates its own manifest format"
    )
    (hook,) = clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "ddlguard" and hook["pass_filenames"] is True


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    """The real pre-commit installs this repository as a hook and runs it on a project."""
    pytest.importorskip("pre_commit", reason="needs pre-commit (and a package index to install)")
    work = tmp_path / "work"
    versions = make_project(
        work, {"a": migration("a1", None), "b": migration("b2", "a1", body=DML)}
    )
    (work / "app.py").write_text("print(1)\n", encoding="utf-8")
    git(work, "init", "-q")
    git(work, "add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "ddlguard", "--all-files"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{(versions / 'b.py').relative_to(work).as_posix()}:" in done.stdout
    assert "DG001" in done.stdout and "a.py:" not in done.stdout
