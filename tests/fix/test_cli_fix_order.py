"""`ddlguard check --unsafe-fixes` over a revision chain, as a user runs it (real subprocesses).

History is not rewritten (an old migration keeps its finding, no fix), a split writes a new
revision and re-parents the children, the run ends with the deploy order, script names sort
in the order they must run, and the report never says "All checks passed" while a script
still has to be run.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

from ddlguard.fix.script import parse_run_line

HEAD = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down_value}

'''


def revision(root: Path, rev: str, down: str | None, message: str, body: str) -> Path:
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n", "utf-8")
    text = HEAD.format(
        message=message, rev=rev, down=down or "", down_value=repr(down) if down else "None"
    )
    path = versions / f"{rev}_{message.lower().replace(' ', '_')}.py"
    path.write_text(text + body, "utf-8")
    return path


def ddlguard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ddlguard", "check", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


UPDATE_ONLY = """
def upgrade():
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")


def downgrade():
    pass
"""


def test_old_migration_keeps_its_finding_and_is_not_touched(tmp_path: Path) -> None:
    old = revision(tmp_path, "aaa111", None, "Reset credits", UPDATE_ONLY)
    revision(
        tmp_path,
        "bbb222",
        "aaa111",
        "Add index",
        """
def upgrade():
    op.create_index("ix_users_name", "users", ["name"])


def downgrade():
    op.drop_index("ix_users_name", "users")
""",
    )
    before = old.read_text("utf-8")
    proc = ddlguard("--unsafe-fixes", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert old.read_text("utf-8") == before
    assert not (tmp_path / "scripts").exists()
    assert (
        "DG001 not moved: this migration is not new (revision bbb222 builds on it)" in proc.stdout
    )
    assert "# noqa: DG001" in proc.stdout and "since-revision" in proc.stdout
    assert "DG001" in proc.stdout.split("No fixes applied.")[-1], "the finding stays in the report"
    assert "All checks passed" not in proc.stdout


def test_head_moves_and_the_report_says_what_remains(tmp_path: Path) -> None:
    revision(tmp_path, "aaa111", None, "Reset credits", UPDATE_ONLY)
    proc = ddlguard("--unsafe-fixes", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (script,) = (tmp_path / "scripts" / "sql").iterdir()
    run = parse_run_line(script.read_text("utf-8"))
    assert run is not None and (run.phase, run.when, run.revision) == ("upgrade", "after", "aaa111")
    assert "Deploy order:" in proc.stdout
    assert "1. deploy up to revision aaa111 (`alembic upgrade aaa111`)" in proc.stdout
    assert f"2. run scripts/sql/{script.name}" in proc.stdout
    assert "All checks passed" not in proc.stdout
    assert "1 data script must still be run" in proc.stdout


def test_split_writes_a_follow_up_revision_and_keeps_one_head(tmp_path: Path) -> None:
    original = revision(
        tmp_path,
        "aaa111",
        None,
        "Add credits",
        """
def upgrade():
    op.add_column("users", sa.Column("credits", sa.Integer()))
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
    op.alter_column("users", "credits", nullable=False)


def downgrade():
    op.drop_column("users", "credits")
""",
    )
    proc = ddlguard("--unsafe-fixes", ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    versions = sorted(p.name for p in (tmp_path / "alembic" / "versions").glob("*.py"))
    assert len(versions) == 2, proc.stdout + proc.stderr
    follow = next(p for p in (tmp_path / "alembic" / "versions").glob("*.py") if p != original)
    follow_text = follow.read_text("utf-8")
    assert 'down_revision = "aaa111"' in follow_text
    assert "nullable=False" in follow_text and "nullable=False" not in original.read_text("utf-8")
    (script,) = (tmp_path / "scripts" / "sql").iterdir()
    run = parse_run_line(script.read_text("utf-8"))
    assert run is not None and run.until is not None and run.until in follow.name
    assert f"then deploy revision {run.until} and later" in proc.stdout
    assert (
        'DG001 split: `op.alter_column("users", "credits", nullable=False)` needs the data first'
        in proc.stdout
    )
    # the follow-up is ddlguard-clean and a second run changes nothing
    again = ddlguard("--unsafe-fixes", ".", cwd=tmp_path)
    assert "moved" not in again.stdout, again.stdout
    assert sorted(p.name for p in (tmp_path / "alembic" / "versions").glob("*.py")) == versions


def test_diff_shows_every_file_and_writes_nothing(tmp_path: Path) -> None:
    revision(
        tmp_path,
        "aaa111",
        None,
        "Add credits",
        """
def upgrade():
    op.add_column("users", sa.Column("credits", sa.Integer()))
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
    op.alter_column("users", "credits", nullable=False)


def downgrade():
    op.drop_column("users", "credits")
""",
    )
    proc = ddlguard("--diff", "--unsafe-fixes", ".", cwd=tmp_path)
    assert proc.stdout.count("--- /dev/null") == 2, proc.stdout
    assert "+++ b/scripts/sql/" in proc.stdout
    assert proc.stdout.count("+++ b/alembic/versions/") == 2
    assert not (tmp_path / "scripts").exists()
    assert len(list((tmp_path / "alembic" / "versions").glob("*.py"))) == 1


def test_scripts_of_one_run_sort_in_revision_order(tmp_path: Path) -> None:
    # slugs sort the other way round: "zero ..." runs first, "add ..." second
    revision(tmp_path, "aaa111", None, "Zero credits", UPDATE_ONLY)
    revision(
        tmp_path,
        "bbb222",
        "aaa111",
        "Add bonus",
        """
def upgrade():
    op.execute("UPDATE users SET bonus = credits + 1")


def downgrade():
    pass
""",
    )
    diff_base = _git_repo_with_only_readme(tmp_path)
    proc = ddlguard("--unsafe-fixes", "--diff-base", diff_base, ".", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    names = sorted(p.name for p in (tmp_path / "scripts" / "sql").iterdir())
    assert len(names) == 2, proc.stdout + proc.stderr
    runs = [parse_run_line((tmp_path / "scripts" / "sql" / n).read_text("utf-8")) for n in names]
    assert [r.revision for r in runs if r is not None] == ["aaa111", "bbb222"]
    today = datetime.date.today().isoformat()
    assert names[0].startswith(f"{today}-0000-zero") and names[1].startswith(f"{today}-0001-add")


def _git_repo_with_only_readme(root: Path) -> str:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=60)

    git("init", "-q")
    git(
        "-c",
        "user.email=t@example.com",
        "-c",
        "user.name=t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "base",
    )
    return "HEAD"
