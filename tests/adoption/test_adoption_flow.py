"""The issue's story end to end: years of history, turn ddlguard on today, only new work is checked."""

from __future__ import annotations

from pathlib import Path

from .helpers import check_json, git, init_repo, make_project, migration, run

DML = 'op.execute("UPDATE users SET active = true")'


def test_turning_ddlguard_on_in_a_repository_with_history(tmp_path: Path) -> None:
    versions = make_project(
        tmp_path,
        {
            f"{i:03d}": migration(f"r{i:03d}", f"r{i - 1:03d}" if i else None, body=DML)
            for i in range(30)
        },
    )
    init_repo(tmp_path)
    rc, found = check_json(tmp_path)
    assert rc == 1 and len([f for f in found if f["code"] == "DG001"]) == 30

    # ddlguard init suggests the config; pasting it leaves the 30 old migrations alone
    done = run(["init"], tmp_path)
    assert done.returncode == 0, done.stderr
    block = done.stdout[done.stdout.index("[tool.ddlguard]") :]
    assert 'since-revision = "r029"' in block
    (tmp_path / "pyproject.toml").write_text(block, encoding="utf-8")
    rc, found = check_json(tmp_path)
    assert (rc, found) == (0, [])

    # new work is checked: a data operation in a new migration fails, in full runs and in CI
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "adopt ddlguard")
    (versions / "030.py").write_text(migration("r030", "r029", body=DML), encoding="utf-8")
    rc, found = check_json(tmp_path)
    assert rc == 1
    assert [(f["code"], Path(f["path"]).name) for f in found] == [("DG001", "030.py")]
    ci = run(["check", "--format", "github", "--diff-base", "HEAD"], tmp_path)
    assert ci.returncode == 1
    assert ci.stdout.count("::error ") == 1 and "030.py" in ci.stdout
