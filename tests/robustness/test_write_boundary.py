"""Writes stay inside the project root: no swapped folder, no link, no migration outside it.

The fix is planned, then written; the swap tests put a symlink in place between the two
(deterministically, from a hook around the planner) and inside the write itself.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ddlguard.cli.fixing as fixing
import ddlguard.safe_write as safe_write
import pytest
from ddlguard.runner import check_paths
from ddlguard.safe_write import WriteRefused, write_fix

from .cli_helpers import make_project, migration, run_cli

pytestmark = pytest.mark.skipif(not safe_write.HAVE_DIR_FD, reason="needs openat (POSIX)")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """(root, migration, outside): a project with one movable UPDATE, and a folder elsewhere."""
    root, outside = tmp_path / "proj", tmp_path / "outside"
    outside.mkdir()
    versions = make_project(root)
    (root / ".git").mkdir()
    path = versions / "0001_add.py"
    path.write_text(migration("0001"), "utf-8")
    yield root, path, outside
    assert _tree(outside) == {}, "something was written outside the project root"


def _fix(root: Path, hook: Callable[[], None] | None = None) -> str:
    """`check --unsafe-fixes` in-process; `hook` runs after planning, before writing."""
    run = check_paths([root])
    real_plan = fixing.plan_moves

    def plan_then_swap(*args: Any, **kwargs: Any) -> Any:
        plan = real_plan(*args, **kwargs)
        if hook is not None:
            hook()
        return plan

    out = io.StringIO()
    fixing.plan_moves = plan_then_swap  # type: ignore[assignment]
    try:
        fixing.run_fixes(run, unsafe=True, diff_only=False, out=out)
    finally:
        fixing.plan_moves = real_plan
    return out.getvalue()


def test_the_fix_writes_its_script_when_nothing_is_swapped(
    project: tuple[Path, Path, Path],
) -> None:
    root, path, _ = project
    notes = _fix(root)
    scripts = list((root / "scripts" / "sql").iterdir())
    assert len(scripts) == 1 and "UPDATE users SET active = true" in scripts[0].read_text()
    assert "op.execute(" not in path.read_text() and "moved 1 data operation" in notes


@pytest.mark.parametrize("level", ["scripts/sql", "scripts"])
def test_a_folder_swapped_for_a_symlink_after_planning_is_not_written_through(
    project: tuple[Path, Path, Path], level: str
) -> None:
    root, path, outside = project
    (root / "scripts" / "sql").mkdir(parents=True)
    before = path.read_bytes()

    def swap() -> None:
        folder = root / level
        folder.rename(folder.with_name(folder.name + ".old"))
        folder.symlink_to(outside, target_is_directory=True)

    notes = _fix(root, swap)
    assert "not fixed" in notes and "outside the project root" in notes, notes
    assert path.read_bytes() == before


def test_a_missing_scripts_folder_created_as_a_link_meanwhile_is_refused(
    project: tuple[Path, Path, Path],
) -> None:
    root, path, outside = project
    before = path.read_bytes()
    (root / "scripts").mkdir()
    notes = _fix(root, lambda: (root / "scripts" / "sql").symlink_to(outside))
    assert "not fixed" in notes, notes
    assert path.read_bytes() == before


def test_a_swap_during_the_write_lands_in_the_folder_that_was_checked(
    project: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once `scripts/sql` is open, swapping its name for a link changes nothing: the script is
    created through the descriptor, in the real folder (renamed meanwhile), never outside."""
    root, _, outside = project
    sql = root / "scripts" / "sql"
    sql.mkdir(parents=True)
    real_open = os.open
    swapped: list[bool] = []

    def open_then_swap(name: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and str(name).endswith(".sql") and not swapped:
            swapped.append(True)
            sql.rename(sql.with_name("sql.old"))
            sql.symlink_to(outside, target_is_directory=True)
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(safe_write.os, "open", open_then_swap)
    _fix(root)
    assert swapped
    assert [p.suffix for p in (root / "scripts" / "sql.old").iterdir()] == [".sql"]


def test_a_migration_folder_swapped_for_a_link_is_not_replaced(
    project: tuple[Path, Path, Path],
) -> None:
    root, path, outside = project
    versions = path.parent
    (outside / path.name).write_bytes(path.read_bytes())  # the attacker's copy
    copy = (outside / path.name).read_bytes()

    def swap() -> None:
        versions.rename(versions.with_name("versions.old"))
        versions.symlink_to(outside, target_is_directory=True)

    notes = _fix(root, swap)
    assert "not fixed" in notes, notes
    assert (outside / path.name).read_bytes() == copy
    (outside / path.name).unlink()  # the fixture checks that nothing else is there
    assert not (root / "scripts" / "sql").exists() or not any((root / "scripts" / "sql").iterdir())


def test_write_fix_refuses_targets_outside_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "m.py").write_text("x = 1\n")
    (outside / "m.py").write_text("x = 1\n")
    with pytest.raises(WriteRefused, match="outside the project root"):
        write_fix(root, outside / "m.py", lambda raw: raw + b"#\n", [])
    with pytest.raises(WriteRefused, match="outside the project root"):
        write_fix(root, root / "m.py", lambda raw: raw, [(root / ".." / "outside" / "s.sql", b"")])
    assert (outside / "m.py").read_text() == "x = 1\n"
    assert sorted(p.name for p in outside.iterdir()) == ["m.py"]


def test_write_fix_is_all_or_nothing(tmp_path: Path) -> None:
    """A script name already taken (here by a dangling link) stops the fix: the script created
    before it is removed, the migration is unchanged."""
    root = tmp_path / "root"
    (root / "sql").mkdir(parents=True)
    (root / "m.py").write_text("x = 1\n")
    (root / "sql" / "b.sql").symlink_to(tmp_path / "nowhere.sql")
    with pytest.raises(FileExistsError):
        write_fix(
            root,
            root / "m.py",
            lambda raw: b"y = 2\n",
            [(root / "sql" / "a.sql", b"A"), (root / "sql" / "b.sql", b"B")],
        )
    assert sorted(p.name for p in (root / "sql").iterdir()) == ["b.sql"]
    assert not (tmp_path / "nowhere.sql").exists()
    assert (root / "m.py").read_text() == "x = 1\n"


def test_write_fix_keeps_the_mode_and_replaces_atomically(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    target = root / "m.py"
    target.write_text("x = 1\n")
    target.chmod(0o640)
    write_fix(
        root, target, lambda raw: raw.replace(b"1", b"2"), [(root / "a" / "b" / "s.sql", b"S")]
    )
    assert target.read_text() == "x = 2\n" and (target.stat().st_mode & 0o777) == 0o640
    assert (root / "a" / "b" / "s.sql").read_bytes() == b"S"
    assert sorted(p.name for p in root.iterdir()) == ["a", "m.py"]  # no temporary file left


def test_the_cli_never_writes_outside_with_a_hostile_layout(tmp_path: Path) -> None:
    """End to end: `scripts/sql` is a link to a folder outside; the CLI refuses (exit 2)."""
    root, outside = tmp_path / "proj", tmp_path / "outside"
    outside.mkdir()
    versions = make_project(root)
    (versions / "0001_add.py").write_text(migration("0001"), "utf-8")
    (root / "scripts").mkdir()
    (root / "scripts" / "sql").symlink_to(outside, target_is_directory=True)
    proc = run_cli("check", "--unsafe-fixes", cwd=root, timeout=60)
    assert proc.returncode == 2 and "outside the project root" in proc.stderr, proc.stderr
    assert list(outside.iterdir()) == []


def test_write_files_puts_back_what_it_replaced_when_a_later_step_fails(tmp_path: Path) -> None:
    """A fix that edits several migrations (a child re-parented, a follow-up created): the
    second replacement refusing restores the first and removes the new files."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.py").write_text("a = 1\n")
    (root / "b.py").write_text("b = 1\n")

    def refuse(raw: bytes) -> bytes:
        raise WriteRefused("cannot encode")

    with pytest.raises(WriteRefused):
        safe_write.write_files(
            root,
            [(root / "a.py", lambda raw: b"a = 2\n"), (root / "b.py", refuse)],
            [(root / "versions" / "new.py", b"new = 1\n")],
        )
    assert (root / "a.py").read_text() == "a = 1\n" and (root / "b.py").read_text() == "b = 1\n"
    assert not (root / "versions" / "new.py").exists()


def test_without_openat_links_are_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portable path (Windows) checks each folder for a link just before writing."""
    monkeypatch.setattr(safe_write, "HAVE_DIR_FD", False)
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "scripts").mkdir(parents=True)
    outside.mkdir()
    (root / "m.py").write_text("x = 1\n")
    write_fix(root, root / "m.py", lambda raw: b"x = 2\n", [(root / "scripts" / "a.sql", b"A")])
    assert (root / "m.py").read_text() == "x = 2\n" and (root / "scripts" / "a.sql").exists()
    (root / "scripts" / "sql").symlink_to(outside, target_is_directory=True)
    target = safe_write.Target(str(root.resolve()), ("scripts", "sql"), "b.sql")
    with pytest.raises(WriteRefused, match="symlink"):
        safe_write.create_script(target, b"B", safe_write._Created())
    assert list(outside.iterdir()) == []
