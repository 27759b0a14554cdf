"""Hostile files given to `ddlguard check`: each broken file is one DG000 with a one-line
reason, every other file is still checked, no traceback, the exit code follows the design
(1 with findings, 2 for usage and I/O errors), and every run is bounded in time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from .cli_helpers import by_path, json_findings, make_project, migration, run_cli

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
V = "alembic/versions"


def _single_dg000(findings: list[dict[str, object]]) -> str:
    assert [f["code"] for f in findings] == ["DG000"], findings
    message = str(findings[0]["message"])
    assert message and "\n" not in message
    return message


def _good_file_findings(root: Path) -> list[dict[str, object]]:
    """What `check` says about the good migration alone, to compare with the hostile run."""
    solo = root.parent / "solo"
    make_project(solo)
    (solo / V / "0001_good.py").write_text(migration("0001"), "utf-8")
    findings = json_findings(run_cli("check", "--format", "json", cwd=solo))
    return [f for f in findings if f["path"] == f"{V}/0001_good.py"]


def test_broken_files_are_reported_and_the_rest_is_checked(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    versions = make_project(root)
    (versions / "0001_good.py").write_text(migration("0001"), "utf-8")
    (versions / "0002_bad_utf8.py").write_bytes(
        migration("0002", "0001").encode() + b"\n# caf\xe9 latin-1\n"
    )
    (versions / "0003_binary.py").write_bytes(bytes(range(256)) * 20)
    (versions / "0004_nested.py").write_text(
        migration("0004", "0003") + "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n", "utf-8"
    )
    (versions / "0005_typing.py").write_text(migration("0005", "0004")[:-40], "utf-8")
    (versions / "0006_dangling.py").symlink_to(versions / "missing.py")
    loop = versions / "loop"
    loop.mkdir()
    (loop / "up").symlink_to(versions, target_is_directory=True)

    started = time.monotonic()
    proc = run_cli("check", "--format", "json", cwd=root)
    assert time.monotonic() - started < 60
    assert proc.returncode == 1, proc.stderr
    files = by_path(json_findings(proc))

    assert "UTF-8" in _single_dg000(files[f"{V}/0002_bad_utf8.py"])
    assert "NUL" in _single_dg000(files[f"{V}/0003_binary.py"])
    assert "nested" in _single_dg000(files[f"{V}/0004_nested.py"])
    assert "syntax error" in _single_dg000(files[f"{V}/0005_typing.py"])
    assert "cannot read" in _single_dg000(files[f"{V}/0006_dangling.py"])
    # the good file is judged exactly as when it is alone, and the loop is walked once
    assert files.get(f"{V}/0001_good.py", []) == _good_file_findings(root)
    assert not any("loop" in p for p in files)

    text = run_cli("check", cwd=root)
    assert text.returncode == 1
    assert run_cli("check", "--exit-zero", cwd=root).returncode == 0


def test_a_self_referencing_symlink_is_one_dg000(tmp_path: Path) -> None:
    versions = make_project(tmp_path / "proj")
    (versions / "0001_good.py").write_text(migration("0001"), "utf-8")
    (versions / "0002_self.py").symlink_to(versions / "0002_self.py")
    proc = run_cli("check", "--format", "json", cwd=tmp_path / "proj")
    assert proc.returncode == 1, proc.stderr
    files = by_path(json_findings(proc))
    assert "cannot read" in _single_dg000(files[f"{V}/0002_self.py"])


@pytest.mark.skipif(IS_ROOT, reason="running as root: chmod 000 does not stop root reading")
def test_an_unreadable_file_is_a_dg000(tmp_path: Path) -> None:
    versions = make_project(tmp_path / "proj")
    (versions / "0001_good.py").write_text(migration("0001"), "utf-8")
    locked = versions / "0002_locked.py"
    locked.write_text(migration("0002", "0001"), "utf-8")
    locked.chmod(0)
    try:
        proc = run_cli("check", "--format", "json", cwd=tmp_path / "proj")
    finally:
        locked.chmod(0o644)
    files = by_path(json_findings(proc))
    assert "cannot read" in _single_dg000(files[f"{V}/0002_locked.py"])
    assert proc.returncode == 1


def test_a_fifo_named_py_does_not_hang_the_run(tmp_path: Path) -> None:
    versions = make_project(tmp_path / "proj")
    (versions / "0001_good.py").write_text(migration("0001"), "utf-8")
    os.mkfifo(versions / "0002_pipe.py")
    proc = run_cli("check", "--format", "json", cwd=tmp_path / "proj", timeout=5)
    files = by_path(json_findings(proc))
    assert "cannot read" in _single_dg000(files[f"{V}/0002_pipe.py"])


@pytest.mark.slow
def test_a_10_mb_migration_is_checked_in_bounded_time(tmp_path: Path) -> None:
    versions = make_project(tmp_path / "proj")
    body = []
    for i in range(160_000):
        body.append(f'    op.add_column("t{i}", sa.Column("c", sa.Integer()))  # é😀')
        if i % 1000 == 0:
            body.append(f'    op.execute("UPDATE t{i} SET c = 1")')
    text = migration("0001").replace(
        "def upgrade():\n", "def upgrade():\n" + "\n".join(body) + "\n"
    )
    path = versions / "0001_big.py"
    path.write_text(text, "utf-8")
    assert path.stat().st_size >= 10 * 1024 * 1024
    started = time.monotonic()
    proc = run_cli("check", "--format", "json", cwd=tmp_path / "proj", timeout=180)
    elapsed = time.monotonic() - started
    assert elapsed < 180
    findings = json_findings(proc)
    assert all(f["code"] != "DG000" for f in findings), findings[:3]
    assert proc.returncode == (1 if findings else 0)


@pytest.mark.slow
def test_a_folder_of_10000_files(tmp_path: Path) -> None:
    """10,000 files: most are not migrations, one in a hundred is, one is broken."""
    root = tmp_path / "proj"
    versions = make_project(root)
    for i in range(10_000):
        if i % 100 == 0:
            text = migration(f"r{i}", f"r{i - 100}" if i else None)
        else:
            text = f"# helper {i}\nVALUE = {i}\n"
        (versions / f"m{i:05d}.py").write_text(text, "utf-8")
    (versions / "m10000.py").write_bytes(b"revision = '\xff'\n")
    started = time.monotonic()
    proc = run_cli("check", "--format", "json", cwd=root, timeout=300)
    assert time.monotonic() - started < 300
    files = by_path(json_findings(proc))
    assert "UTF-8" in _single_dg000(files[f"{V}/m10000.py"])
    assert proc.returncode == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "does/not/exist"), "does/not/exist"),
        (("check", "--config", "nope.toml"), "nope.toml"),
        (("check", "--select", "XX999"), "XX999"),
    ],
)
def test_usage_and_io_errors_exit_2_with_one_line(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    make_project(tmp_path)
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert needle in proc.stderr
