"""Building small Alembic projects on disk and running the real `ddlguard` process on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CLEAN = '''"""create users

Revision ID: {rev}
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down_repr}


def upgrade() -> None:
    op.create_table("users_{rev}", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("users_{rev}")
'''

BROKEN = '''"""broken"""
revision = "{rev}"
down_revision = {down_repr}


def upgrade() -> None:
    op.add_column("users", sa.Column("x", sa.Integer())
'''


def migration(rev: str, down: str | None, template: str = CLEAN) -> str:
    return template.format(rev=rev, down=down or "", down_repr=repr(down))


def make_project(root: Path, revisions: dict[str, str] | None = None) -> Path:
    """`root/alembic.ini`, `root/alembic/versions/<rev>.py` for each given text; returns versions."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/alembic\n"
        "sqlalchemy.url = postgresql://app:CHANGE_ME@localhost/app\n",
        encoding="utf-8",
    )
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    texts = revisions if revisions is not None else {"a1": migration("a1", None)}
    for name, text in texts.items():
        (versions / f"{name}.py").write_text(text, encoding="utf-8")
    return versions


def run_cli(
    *args: str | Path, cwd: Path, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m ddlguard ARGS` in `cwd`, as a user would run it (output read as UTF-8)."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "ddlguard", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=env,
    )


def run_json(*args: str | Path, cwd: Path) -> tuple[int, list[dict[str, Any]], str]:
    proc = run_cli("check", "--format", "json", *args, cwd=cwd)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
