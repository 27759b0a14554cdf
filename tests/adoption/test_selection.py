"""--since-revision and --diff-base (and their config keys) on temporary git repositories."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from ddlguard.analysis.migration import read_migration_info
from ddlguard.project import ConfigError, project_for_file
from ddlguard.selection import is_selected
from ddlguard.settings import Settings

from .helpers import check_json, git, init_repo, make_project, migration, run

DML = 'op.execute("UPDATE users SET active = true")'


def _history(root: Path) -> Path:
    """Three old migrations with data operations, committed; returns the versions folder."""
    versions = make_project(
        root,
        {
            "a": migration("a1", None, body=DML),
            "b": migration("b2", "a1", body=DML),
            "c": migration("c3", "b2", body=DML),
        },
    )
    init_repo(root)
    return versions


def _paths(found: list[dict[str, object]]) -> list[str]:
    return sorted({Path(str(f["path"])).name for f in found})


def test_since_revision_checks_only_later_migrations(tmp_path: Path) -> None:
    versions = _history(tmp_path)
    (versions / "d.py").write_text(migration("d4", "c3", body=DML), encoding="utf-8")
    assert _paths(check_json(tmp_path)[1]) == ["a.py", "b.py", "c.py", "d.py"]
    assert _paths(check_json(tmp_path, "--since-revision", "b2")[1]) == ["c.py", "d.py"]
    assert _paths(check_json(tmp_path, "--since-revision", "c3")[1]) == ["d.py"]
    rc, found = check_json(tmp_path, "--since-revision", "d4")
    assert (rc, found) == (0, [])


def test_since_revision_follows_merges_and_branches(tmp_path: Path) -> None:
    versions = _history(tmp_path)
    (versions / "x.py").write_text(migration("x9", "a1", body=DML), encoding="utf-8")
    (versions / "m.py").write_text(migration("m5", ("c3", "x9"), body=DML), encoding="utf-8")
    # after b2: c3 and the merge m5 (through c3), not the other branch x9
    assert _paths(check_json(tmp_path, "--since-revision", "b2")[1]) == ["c.py", "m.py"]


def test_since_revision_from_the_config_file(tmp_path: Path) -> None:
    _history(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\nsince-revision = "b2"\n', "utf-8")
    assert _paths(check_json(tmp_path)[1]) == ["c.py"]
    # the command line wins over the config
    assert _paths(check_json(tmp_path, "--since-revision", "a1")[1]) == ["b.py", "c.py"]


def test_unknown_since_revision_is_a_one_line_error(tmp_path: Path) -> None:
    _history(tmp_path)
    done = run(["check", "--since-revision", "nope"], tmp_path)
    assert done.returncode == 2
    assert "nope" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_diff_base_checks_added_changed_and_untracked_files(tmp_path: Path) -> None:
    versions = _history(tmp_path)
    git(tmp_path, "switch", "-q", "-c", "feature")
    (versions / "d.py").write_text(migration("d4", "c3", body=DML), encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "d4")
    (versions / "b.py").write_text(migration("b2", "a1", body=DML + "\n" + DML), "utf-8")
    (versions / "e.py").write_text(migration("e5", "d4", body=DML), encoding="utf-8")  # untracked
    assert _paths(check_json(tmp_path, "--diff-base", "main")[1]) == ["b.py", "d.py", "e.py"]
    # both filters: after c3 and changed since main
    assert _paths(check_json(tmp_path, "--diff-base", "main", "--since-revision", "c3")[1]) == [
        "d.py",
        "e.py",
    ]


def test_diff_base_from_the_config_and_graph_checks_still_see_old_files(tmp_path: Path) -> None:
    versions = _history(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\ndiff-base = "HEAD"\n', "utf-8")
    (versions / "d.py").write_text(migration("d4", "b2"), encoding="utf-8")  # a second head
    rc, found = check_json(tmp_path)
    assert [(f["code"], Path(f["path"]).name) for f in found] == [("DG101", "d.py")]
    assert rc == 1


def test_diff_base_outside_a_git_work_tree_is_a_one_line_error(tmp_path: Path) -> None:
    make_project(tmp_path, {"a": migration("a1", None)})
    done = run(["check", "--diff-base", "main"], tmp_path)
    assert done.returncode == 2
    assert "not inside a git work tree" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_diff_base_with_an_unknown_ref_is_a_one_line_error(tmp_path: Path) -> None:
    _history(tmp_path)
    done = run(["check", "--diff-base", "no-such-branch"], tmp_path)
    assert done.returncode == 2
    assert "no-such-branch" in done.stderr and "unknown git revision" in done.stderr


def test_is_selected_for_the_language_server(tmp_path: Path) -> None:
    versions = _history(tmp_path)
    old, new = versions / "b.py", versions / "d.py"
    text = migration("d4", "c3", body=DML)
    new.write_text(text, encoding="utf-8")
    project = project_for_file(new)
    settings = Settings(since_revision="b2")
    assert not is_selected(old, settings, project)
    # the editor's text is used for the current file, even before it is saved
    info = read_migration_info(ast.parse(text))
    assert is_selected(new, settings, project, info=info)
    assert is_selected(new, Settings(diff_base="HEAD"), project)
    assert not is_selected(old, Settings(diff_base="HEAD"), project)
    assert is_selected(old, Settings(), project)
    with pytest.raises(ConfigError):
        is_selected(old, Settings(since_revision="zzzz"), project)


def test_since_revision_for_loose_migrations_without_alembic_ini(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    for name, rev, down in (("a", "a1", None), ("b", "b2", "a1"), ("c", "c3", "b2")):
        (folder / f"{name}.py").write_text(migration(rev, down, body=DML), encoding="utf-8")
    assert _paths(check_json(tmp_path, "--since-revision", "a1")[1]) == ["b.py", "c.py"]
    project = project_for_file(folder / "c.py")
    assert is_selected(folder / "c.py", Settings(since_revision="b2"), project)
    assert not is_selected(folder / "a.py", Settings(since_revision="b2"), project)
