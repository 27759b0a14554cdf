"""`ddlguard check --fix / --unsafe-fixes / --diff` as a user runs it (real subprocesses)."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MIGRATION = '''"""Backfill statuses

Revision ID: b1
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "b1"
down_revision = None


def upgrade():
    op.add_column("users", sa.Column("status", sa.String()))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE users SET status = 'active'"))


def downgrade():
    op.drop_column("users", "status")
'''

CHECKLIST = """
# ddlguard-checklist: review, then delete this block before committing (ddlguard DG201)
# [ ] Schema only: no INSERT/UPDATE/DELETE, op.bulk_insert, backfill or ORM session here.
# end-ddlguard-checklist
"""


def project(root: Path, text: str = MIGRATION) -> Path:
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n", "utf-8")
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    path = versions / "b1_backfill_statuses.py"
    path.write_text(text, "utf-8")
    return path


def ddlguard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def script_name(suffix: str = "") -> str:
    return f"{datetime.date.today().isoformat()}-backfill-statuses{suffix}.sql"


def test_unsafe_fixes_move_the_data_and_the_recheck_is_clean(tmp_path: Path) -> None:
    migration = project(tmp_path)
    proc = ddlguard("--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    script = tmp_path / "scripts" / "sql" / script_name()
    assert f"moved 1 data operation(s) to scripts/sql/{script.name}" in proc.stdout
    assert "UPDATE users SET status = 'active';" in script.read_text("utf-8")
    text = migration.read_text("utf-8")
    assert "conn" not in text and "UPDATE" not in text
    assert f"# Data change moved to scripts/sql/{script.name} (ddlguard)." in text
    assert "DG001" not in ddlguard(".", cwd=tmp_path).stdout


def test_fix_without_unsafe_moves_nothing_and_says_how(tmp_path: Path) -> None:
    migration = project(tmp_path)
    proc = ddlguard("--fix", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert "--unsafe-fixes" in proc.stdout + proc.stderr
    assert migration.read_text("utf-8") == MIGRATION
    assert not (tmp_path / "scripts").exists()


def test_fix_applies_the_safe_checklist_removal(tmp_path: Path) -> None:
    text = MIGRATION.replace('"""\nfrom alembic', '"""\n' + CHECKLIST + "\nfrom alembic")
    migration = project(tmp_path, text)
    proc = ddlguard("--fix", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    fixed = migration.read_text("utf-8")
    assert "ddlguard-checklist" not in fixed
    assert "UPDATE users" in fixed  # the unsafe move did not run
    assert "DG201" not in proc.stdout


@pytest.mark.parametrize(
    "text",
    [
        MIGRATION,
        MIGRATION.rstrip("\n"),
        MIGRATION.replace("\n", "\r\n"),
        MIGRATION.rstrip("\n") + '\n    op.execute("DELETE FROM users WHERE id = 0")',
    ],
    ids=["lf", "no-final-newline", "crlf", "change-on-last-line"],
)
def test_diff_writes_nothing_and_prints_an_applicable_patch(tmp_path: Path, text: str) -> None:
    migration = project(tmp_path, text)
    proc = subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", "--diff", "--unsafe-fixes", "."],
        cwd=tmp_path, capture_output=True, timeout=120,
    )  # fmt: skip
    assert b"Traceback" not in proc.stderr
    assert migration.read_bytes() == text.encode()  # written with newline="" (bytes as they were)
    assert not (tmp_path / "scripts").exists()
    patch = proc.stdout
    assert b"--- a/alembic/versions/b1_backfill_statuses.py" in patch
    assert f"+++ b/scripts/sql/{script_name()}".encode() in patch
    assert b"+UPDATE users SET status = 'active';" in patch
    assert b"-    conn = op.get_bind()" in patch
    if text.endswith("\n"):
        assert b"No newline at end of file" not in patch
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: cannot check that the patch applies")
    applied = subprocess.run([git, "apply", "-"], input=patch, cwd=tmp_path, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / "scripts" / "sql" / script_name()).is_file()
    fixed = migration.read_bytes()
    assert (b"\r\n" in fixed) == ("\r\n" in text)
    assert "DG001" not in ddlguard(".", cwd=tmp_path).stdout


def test_existing_script_is_never_overwritten_and_a_second_run_changes_nothing(
    tmp_path: Path,
) -> None:
    migration = project(tmp_path)
    scripts = tmp_path / "scripts" / "sql"
    scripts.mkdir(parents=True)
    (scripts / script_name()).write_text("-- someone else's script\n", "utf-8")
    first = ddlguard("--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (scripts / script_name()).read_text("utf-8") == "-- someone else's script\n"
    assert "UPDATE users" in (scripts / script_name("-2")).read_text("utf-8")
    after_first = migration.read_text("utf-8")
    listing = sorted(p.name for p in scripts.iterdir())
    second = ddlguard("--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert second.returncode == 0
    assert "No fixes applied." in second.stdout
    assert migration.read_text("utf-8") == after_first
    assert sorted(p.name for p in scripts.iterdir()) == listing


def test_scripts_dir_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    project(root)
    (root / "ddlguard.toml").write_text('scripts-dir = "../outside"\n', "utf-8")
    proc = ddlguard("--fix", "--unsafe-fixes", ".", cwd=root)
    assert proc.returncode == 2
    assert "outside the project root" in proc.stderr
    assert not (tmp_path / "outside").exists()
