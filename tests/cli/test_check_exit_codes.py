"""`ddlguard check` exit codes, DG000 for bad files, usage errors: always one line, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

from .helpers import BROKEN, assert_no_traceback, make_project, migration, run_cli


def test_clean_project_exits_0_with_summary(tmp_path: Path) -> None:
    make_project(tmp_path, {"a1": migration("a1", None), "b2": migration("b2", "a1")})
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "All checks passed: 2 migrations."


def test_syntax_error_is_dg000_and_other_files_still_checked(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "a1": migration("a1", None),
            "b2": migration("b2", "a1", BROKEN),
            "c3": migration("c3", "b2"),
        },
    )
    (tmp_path / "alembic" / "versions" / "d4.py").write_bytes(b'revision = "d4"  # \xff\n')
    proc = run_cli("check", ".", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("alembic/versions/b2.py:7:")
    assert " DG000 syntax error" in lines[0]
    assert lines[1] == "alembic/versions/d4.py:1:1: DG000 not valid UTF-8 (byte 19)"
    assert lines[-1] == "Found 2 errors in 2 files."
    assert_no_traceback(proc)


def test_undecodable_binary_and_unreadable_files_are_dg000(tmp_path: Path) -> None:
    versions = make_project(tmp_path)
    (versions / "latin1.py").write_bytes(b'revision = "x"\n# caf\xe9\n')
    (versions / "binary.py").write_bytes(b"\x00\x01\x02revision")
    (versions / "dangling.py").symlink_to(tmp_path / "does-not-exist.py")
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout
    assert "alembic/versions/latin1.py:1:1: DG000 not valid UTF-8 (byte 20)" in out
    assert "alembic/versions/binary.py:1:1: DG000 not a text file (contains NUL bytes)" in out
    assert "alembic/versions/dangling.py:1:1: DG000 cannot read: No such file or directory" in out
    assert out.splitlines()[-1] == "Found 3 errors in 3 files."
    assert_no_traceback(proc)


def test_missing_path_is_exit_2_with_one_line(tmp_path: Path) -> None:
    proc = run_cli("check", "nowhere", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ddlguard: error: nowhere: no such file or directory"
    ]
    assert proc.stdout == ""


def test_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    proc = run_cli("check", "--config", "missing.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "ddlguard: error: --config missing.toml: no such file"


def test_scripts_dir_outside_root_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\nscripts-dir = "../elsewhere"\n')
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("ddlguard: error: pyproject.toml: scripts-dir '../elsewhere'")
    assert "outside the project root" in line
    assert_no_traceback(proc)


def test_unknown_selector_is_a_usage_error(tmp_path: Path) -> None:
    make_project(tmp_path)
    proc = run_cli("check", "--select", "DG001,NOPE", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--select: unknown rule code or prefix 'NOPE'" in proc.stderr


def test_exit_zero_reports_but_exits_0(tmp_path: Path) -> None:
    make_project(tmp_path, {"b2": migration("b2", "a1", BROKEN)})
    proc = run_cli("check", "--exit-zero", cwd=tmp_path)
    assert proc.returncode == 0
    assert " DG000 " in proc.stdout
    assert proc.stdout.splitlines()[-1] == "Found 1 error in 1 file."


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    make_project(tmp_path, {"b2": migration("b2", "a1", BROKEN)})
    (tmp_path / "pyproject.toml").write_text('[tool.ddlguard]\nseverity = { DG000 = "warning" }\n')
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "Found 0 errors, 1 warning in 1 file."


def test_no_migrations_found_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n")
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "All checks passed: 0 migrations."
    assert "no Alembic migrations found under ." in proc.stderr


def test_diff_on_a_clean_project_prints_nothing_and_writes_nothing(tmp_path: Path) -> None:
    make_project(tmp_path)
    before = sorted(p for p in tmp_path.rglob("*"))
    proc = run_cli("check", "--unsafe-fixes", "--diff", cwd=tmp_path)
    assert_no_traceback(proc)
    assert proc.returncode == 0
    assert proc.stdout == ""  # the patch only; the report goes to stderr with --diff
    assert "All checks passed: 1 migration." in proc.stderr
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_explicit_paths_from_elsewhere_print_absolute_paths(tmp_path: Path) -> None:
    project = tmp_path / "svc"
    make_project(project, {"b2": migration("b2", "a1", BROKEN)})
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    proc = run_cli("check", project, cwd=elsewhere)
    first = proc.stdout.splitlines()[0]
    expected = (project / "alembic" / "versions" / "b2.py").as_posix()
    assert first.startswith(expected + ":7:"), first
    # the same project seen from its parent: relative to the current folder
    proc = run_cli("check", project.resolve(), cwd=tmp_path)
    assert proc.stdout.splitlines()[0].startswith("svc/alembic/versions/b2.py:7:")


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    make_project(tmp_path)
    loop = tmp_path / "alembic" / "versions" / "loop"
    os.symlink(tmp_path, loop)
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "All checks passed: 1 migration."
