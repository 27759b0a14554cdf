"""Small Alembic projects in temporary git repositories, and the real `ddlguard` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"


def migration(
    rev: str,
    down: str | tuple[str, ...] | None,
    *,
    body: str = 'op.add_column("users", sa.Column("x", sa.Integer()))',
    labels: str | None = None,
    depends_on: str | None = None,
    head: str = "",
) -> str:
    """A migration's text; `body` is the upgrade() body (one indented line per line)."""
    indented = "\n".join(f"    {line}" if line else "" for line in body.splitlines())
    return (
        f'"""migration {rev}"""\n{head}'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = {depends_on!r}\n\n\n"
        f"def upgrade() -> None:\n{indented}\n\n\n"
        "def downgrade() -> None:\n    op.drop_column('users', 'x')\n"
    )


def make_project(root: Path, files: dict[str, str] | None = None) -> Path:
    """`root/backend/alembic.ini` + `alembic/versions/<name>.py`; returns the versions folder."""
    backend = root / "backend"
    versions = backend / "alembic" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (backend / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/alembic\n"
        "sqlalchemy.url = postgresql://app@localhost/app\n",
        encoding="utf-8",
    )
    for name, text in (files or {}).items():
        (versions / f"{name}.py").write_text(text, encoding="utf-8")
    return versions


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=_git_env()
    )
    return done.stdout


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "history")


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m ddlguard ARGS` in `cwd`, the real process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "server") + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "ddlguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def check_json(cwd: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    done = run(["check", "--format", "json", *args], cwd)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def codes(findings: list[dict[str, Any]], prefix: str = "DG") -> list[tuple[str, str, int]]:
    """(code, file name, line) of the findings whose code starts with `prefix`, sorted."""
    return sorted(
        (f["code"], Path(f["path"]).name, f["line"])
        for f in findings
        if f["code"].startswith(prefix)
    )
