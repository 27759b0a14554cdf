"""Security invariants (design section 7): static only, paths stay inside the project root,
nothing fetched from the network.

The hostile project below would leave a marker file if any of its code ran: its env.py, its
versions package, a migration's module level and its upgrade(), a helper module the migration
imports, a setup.py and a conftest.py.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ddlguard.fix.naming import migration_slug, script_names
from ddlguard.project import ConfigError, Project
from ddlguard.runner import check_paths
from hypothesis import given
from hypothesis import strategies as st

from .cli_helpers import by_path, json_findings, make_project, run_cli

_MARK = 'open(__import__("os").path.join({dir!r}, "MARKER-" + {name!r}), "w").write("ran")\n'

HOSTILE_MIGRATION = '''"""backfill active"""
{mark_module}import helpers  # a sibling module: importing the migration would run it
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    {mark_upgrade}    op.execute("UPDATE users SET active = true")


def downgrade():
    op.execute("DELETE FROM users WHERE id < 0")
'''


def _mark(folder: Path, name: str) -> str:
    return _MARK.format(dir=str(folder), name=name)


def hostile_project(root: Path, markers: Path) -> Path:
    """A project whose every Python file would leave `markers/MARKER-*` if run."""
    versions = make_project(root)
    markers.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = alembic\n"
        # an address from TEST-NET-1: connecting to it would hang, not fail fast
        "sqlalchemy.url = postgresql://user:secret@192.0.2.1:5432/prod\n",
        "utf-8",
    )
    (root / "alembic" / "env.py").write_text(_mark(markers, "env"), "utf-8")
    (root / "setup.py").write_text(_mark(markers, "setup"), "utf-8")
    (root / "conftest.py").write_text(_mark(markers, "conftest"), "utf-8")
    (versions / "__init__.py").write_text(_mark(markers, "versions-init"), "utf-8")
    (versions / "helpers.py").write_text(_mark(markers, "helpers"), "utf-8")
    text = HOSTILE_MIGRATION.format(
        mark_module=_mark(markers, "module"),
        mark_upgrade=_mark(markers, "upgrade"),
    )
    (versions / "0001_backfill.py").write_text(text, "utf-8")
    return versions


def _markers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_check_and_fix_never_run_the_projects_code(tmp_path: Path) -> None:
    root, markers = tmp_path / "proj", tmp_path / "markers"
    hostile_project(root, markers)
    run = check_paths([root])
    assert run.files, "the hostile migration was not even analysed"
    for args in (
        ("check",),
        ("check", "--format", "json"),
        ("check", "--format", "sarif"),
        ("check", "--unsafe-fixes", "--diff"),
        ("check", "--unsafe-fixes"),
    ):
        proc = run_cli(*args, cwd=root, timeout=60)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        assert _markers(markers) == [], f"{args} ran project code"
    # the last run did move the data: the fix path was exercised, still without running code
    assert list((root / "scripts" / "sql").glob("*.sql")), proc.stdout


def test_python_dash_m_does_not_import_modules_from_the_checked_folder(tmp_path: Path) -> None:
    root, markers = tmp_path / "proj", tmp_path / "markers"
    hostile_project(root, markers)
    for module in ("json", "pglast", "sqlglot", "tomllib"):
        (root / f"{module}.py").write_text(_mark(markers, module), "utf-8")
    run_cli("check", "--format", "json", cwd=root, timeout=60)
    assert _markers(markers) == []


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_a_scripts_dir_outside_the_project_is_refused(tmp_path: Path, kind: str) -> None:
    root, outside = tmp_path / "proj", tmp_path / "outside"
    outside.mkdir()
    hostile_project(root, tmp_path / "markers")
    (root / ".git").mkdir()
    value = {"dotdot": "../outside", "absolute": str(outside), "symlink": "scripts-link"}[kind]
    if kind == "symlink":
        (root / "scripts-link").symlink_to(outside, target_is_directory=True)
    (root / "pyproject.toml").write_text(f'[tool.ddlguard]\nscripts-dir = "{value}"\n', "utf-8")
    before = (root / "alembic" / "versions" / "0001_backfill.py").read_bytes()
    for args in (("check",), ("check", "--unsafe-fixes")):
        proc = run_cli(*args, cwd=root, timeout=60)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "scripts-dir" in proc.stderr and "outside the project root" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) <= 3, proc.stderr
    assert list(outside.iterdir()) == []
    assert (root / "alembic" / "versions" / "0001_backfill.py").read_bytes() == before
    project = Project(root=root.resolve())
    with pytest.raises(ConfigError, match="outside the project root"):
        project.scripts_dir(value)


@pytest.mark.parametrize("pattern", ["../outside/*.py", "/etc/*.py"])
def test_an_include_outside_the_project_is_reported(tmp_path: Path, pattern: str) -> None:
    root = tmp_path / "proj"
    hostile_project(root, tmp_path / "markers")
    (root / "pyproject.toml").write_text(f'[tool.ddlguard]\ninclude = ["{pattern}"]\n', "utf-8")
    proc = run_cli("check", cwd=root, timeout=60)
    assert "include" in proc.stderr and pattern in proc.stderr, proc.stderr


_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(-[a-z0-9]+)*(-rollback)?\.sql$")


@given(st.one_of(st.none(), st.text(max_size=200)), st.text(max_size=80), st.integers(0, 4))
def test_script_names_stay_in_the_scripts_folder(
    message: str | None, stem: str, taken_count: int
) -> None:
    """Whatever the migration's message or file name (`../../etc/x`, `/abs`, NUL, emoji)."""
    folder = Path("/root-of-project/scripts/sql")
    stem = stem.replace("/", "_").replace("\x00", "") or "m"
    slug = migration_slug(message, Path(f"/root-of-project/versions/{stem}.py"))
    today = datetime.date(2026, 1, 2)
    taken = {
        folder / f"{today}-{slug}{'' if n == 1 else f'-{n}'}.sql" for n in range(1, taken_count + 1)
    }
    up, down = script_names(
        folder, today, slug, upgrade=True, downgrade=True, exists=lambda p: p in taken
    )
    for path in (up, down):
        assert path is not None and path.parent == folder and path not in taken
        assert _NAME.match(path.name), path.name
        assert len(path.name) <= 10 + 1 + 60 + 12 + 4


def _same_report(a: subprocess.CompletedProcess[str], b: subprocess.CompletedProcess[str]) -> None:
    assert a.returncode == b.returncode, (a.stderr, b.stderr)
    assert by_path(json_findings(a)) == by_path(json_findings(b))


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="unshare -n is not permitted here")
def test_check_works_with_no_network_at_all(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    hostile_project(root, tmp_path / "markers")
    normal = run_cli("check", "--format", "json", cwd=root, timeout=60)
    offline = run_cli("check", "--format", "json", cwd=root, timeout=60, prefix=("unshare", "-n"))
    _same_report(normal, offline)
    assert json_findings(offline), "the offline run found nothing to compare"


SOCKET_GUARD = """
import os, socket
_MARK = os.path.join({dir!r}, "NETWORK")
def _refuse(*args, **kwargs):
    open(_MARK, "a").write(repr(args) + "\\n")
    raise OSError("network access refused by the test")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def test_check_opens_no_connection(tmp_path: Path) -> None:
    """Every connect and name lookup in the CLI process is refused and recorded."""
    root, guard = tmp_path / "proj", tmp_path / "guard"
    hostile_project(root, tmp_path / "markers")
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SOCKET_GUARD.format(dir=str(guard)), "utf-8")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(guard), os.environ.get("PYTHONPATH")]))}
    guarded = run_cli("check", "--format", "json", cwd=root, timeout=60, env=env)
    normal = run_cli("check", "--format", "json", cwd=root, timeout=60)
    _same_report(normal, guarded)
    assert not (guard / "NETWORK").exists(), (guard / "NETWORK").read_text()
    # the guard is live: the same interpreter with it does record an attempt
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 5432), 1)"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert probe.returncode != 0 and (guard / "NETWORK").exists()
