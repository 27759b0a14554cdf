"""The shipped example project, and the features `check` wires in from other modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .helpers import make_project, migration, run_cli, run_json

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "backend"


def test_example_reports_one_finding_per_data_operation() -> None:
    proc = run_cli("check", "examples/backend", cwd=REPO)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    found = [
        (line.split(":")[0].rsplit("/", 1)[-1].split("_", 4)[-1], line.split()[1])
        for line in proc.stdout.splitlines()[:-1]
    ]
    assert found == [
        ("create_plans_and_accounts.py", "DG003"),
        ("add_user_status.py", "DG001"),  # UPDATE in upgrade
        ("add_user_status.py", "DG001"),  # DELETE in downgrade
        ("add_account_active_flag.py", "DG002"),
        ("backfill_display_names.py", "DG004"),  # session.query
        ("backfill_display_names.py", "DG004"),  # session.flush
        ("unique_account_owner.py", "DG005"),
        ("archive_old_invoices.py", "DG006"),
    ]
    assert all(
        line.startswith("examples/backend/alembic/versions/")
        for line in proc.stdout.splitlines()[:-1]
    )
    # DG006 is raised to an error by the example's [tool.ddlguard] severity table
    assert proc.stdout.splitlines()[-1] == "Found 7 errors, 1 warning in 6 files."


def test_example_clean_migrations_stay_clean() -> None:
    _, items, _ = run_json("examples/backend", cwd=REPO)
    flagged = {Path(i["path"]).name for i in items}
    versions = sorted(p.name for p in (EXAMPLE / "alembic" / "versions").glob("*.py"))
    clean = [v for v in versions if v not in flagged]
    assert clean == [
        "2024_01_08_1a2b3c4d5e6f_create_users.py",
        "2024_04_22_8b9c0d1e2f3a_invoice_status_and_indexes.py",  # CONCURRENTLY + DO type
    ]
    down = {i["line"] for i in items if i["path"].endswith("add_user_status.py")}
    assert len(down) == 2


def test_since_revision_checks_only_later_migrations(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "backend")
    code, items, _ = run_json("--since-revision", "6f7a8b9c0d1e", cwd=tmp_path / "backend")
    assert code == 1
    assert [i["code"] for i in items] == ["DG006"]
    proc = run_cli("check", "--since-revision", "nope", cwd=tmp_path / "backend")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("ddlguard: error: since-revision 'nope'")


def test_show_unused_noqa(tmp_path: Path) -> None:
    text = migration("a1", None).replace(
        'op.create_table("users_a1"',
        'op.execute("UPDATE users SET x = 1")  # noqa: DG001\n'
        '    op.execute("CREATE TABLE t (id int)")  # noqa: DG001\n'
        '    op.create_table("users_a1"',
    )
    make_project(tmp_path, {"a1": text})
    assert run_cli("check", cwd=tmp_path).stdout == "All checks passed: 1 migration.\n"
    _, items, _ = run_json("--show-unused-noqa", cwd=tmp_path)
    assert [(i["line"], i["code"]) for i in items] == [(15, "DG200")]
    assert "DG001" in items[0]["message"]


def test_data_scripts_are_checked_for_ddl(tmp_path: Path) -> None:
    make_project(tmp_path)
    scripts = tmp_path / "scripts" / "sql"
    scripts.mkdir(parents=True)
    (scripts / "2024-01-01-ok.sql").write_text("BEGIN;\nUPDATE users SET x = 1;\nCOMMIT;\n")
    (scripts / "2024-01-02-bad.sql").write_text("ALTER TABLE users ADD COLUMN y int;\n")
    code, items, _ = run_json(cwd=tmp_path)
    assert code == 1
    assert [(i["path"], i["code"]) for i in items] == [("scripts/sql/2024-01-02-bad.sql", "DG401")]


def test_check_path_imports_no_editor_or_fix_machinery() -> None:
    """`check` stays light: no pygls/lsprotocol/libcst, and never the analysed project's imports."""
    code = (
        "import contextlib, io, sys\n"
        "from ddlguard.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for fmt in ('text', 'json'):\n"
        "        main(['check', 'examples/backend', '--format', fmt])\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(roots & {'pygls', 'lsprotocol', 'libcst', 'alembic', 'app'}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_used_noqa_on_a_graph_finding_is_not_called_unused(tmp_path: Path) -> None:
    text = migration("a1", "gone0").replace(
        "down_revision = 'gone0'", "down_revision = 'gone0'  # noqa: DG102"
    )
    make_project(tmp_path, {"a1": text})
    assert run_json(cwd=tmp_path)[:2] == (0, [])
    assert run_json("--show-unused-noqa", cwd=tmp_path)[:2] == (0, [])
