"""One fixture project written from a dict of revisions and fixed by the real CLI: the shape the
SQLite and MariaDB proofs share (`test_sqlite_deploy.py`, `test_mysql_deploy.py`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from .projects import TEMPLATE

# the revisions both proofs share: users created (history), then a later, independent UPDATE
HEAD = '"""{message}"""\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = "{rev}"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\n'
CREATE_USERS = (
    HEAD.format(message="create users", rev="0001", down="None") + "def upgrade():\n"
    '    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True),'
    ' sa.Column("name", sa.String(50)))\n\n\n'
    'def downgrade():\n    op.drop_table("users")\n'
)
LOWERCASE_NAMES = (
    HEAD.format(message="lowercase names", rev="0003", down='"0002"') + "def upgrade():\n"
    "    op.execute(\"UPDATE users SET name = lower(name) WHERE name <> 'it''s'\")\n\n\n"
    "def downgrade():\n    pass\n"
)
SEED = "INSERT INTO users (id, name) VALUES (1, 'Ann'), (2, 'BOB'), (3, 'it''s')"


def write_project(root: Path, url: str, versions: Mapping[str, str]) -> Path:
    """The shared template with its own `sqlalchemy.url` (ddlguard reads the dialect from it)
    and `versions` (file name -> text) as its revisions."""
    shutil.copytree(TEMPLATE, root)
    (root / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {url}\n",
        encoding="utf-8",
    )
    folder = root / "alembic" / "versions"
    folder.mkdir()
    for name, text in versions.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root


def fix_with_history(root: Path, history: str) -> Path:
    """The real CLI's `--unsafe-fixes --diff-base HEAD` on `root`, whose revision file `history`
    (with the Alembic set-up) is committed first: only the newer revisions are fixed."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    git = ["git", "-c", "user.name=proof", "-c", "user.email=proof@example.invalid"]
    for argv in (
        ["init", "-q", "-b", "main"],
        ["add", "alembic.ini", "alembic/env.py", f"alembic/versions/{history}"],
        ["commit", "-q", "-m", "history"],
    ):
        subprocess.run([*git, *argv], cwd=root, check=True, env=env)
    done = subprocess.run(
        [sys.executable, "-P", "-m", "ddlguard", "check", "--unsafe-fixes", "--diff-base", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root
