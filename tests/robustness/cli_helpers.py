"""Running `python -m ddlguard` as a user would, with a time bound, and building projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
MIGRATION = '''"""{message}"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
    op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
    op.execute("UPDATE users SET active = true WHERE id > 0")


def downgrade():
    op.drop_column("users", "active")
'''


def migration(rev: str, down: str | None = None, message: str = "add active") -> str:
    return MIGRATION.format(rev=rev, down=repr(down), message=message)


def make_project(root: Path) -> Path:
    """`root/alembic.ini` + `root/alembic/versions/`; returns the versions folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n", "utf-8")
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    return versions


def run_cli(
    *args: str,
    cwd: Path,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """`python -m ddlguard ARGS` in `cwd`; never a traceback, never longer than `timeout`."""
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "ddlguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        env=full_env,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    return proc


def json_findings(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(proc.stdout)
    assert isinstance(data, list), proc.stdout[:500]
    return data


def by_path(findings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        out.setdefault(f["path"], []).append(f)
    return out
