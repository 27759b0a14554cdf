"""The fix proven on SQLite too: original vs fixed-plus-scripts on real database files.

A SQLite project (batch mode for the NOT NULL, as SQLite needs) with a backfill the NOT NULL
depends on (a split: script + guarded follow-up revision) and a later independent UPDATE (a
plain move). Each script runs exactly as its header says, through the real `sqlite3 -bail
-safe` shell, where its run line says. Compared: every table's schema and rows (`iterdump`),
step by step, in one `alembic upgrade head` (the guard stops it, naming the script; the way
through gives the same end state), and after downgrading back.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from .deploy import URL_VARIABLE, error_text, linear_order
from .runlines import Script, read_scripts
from .small_project import (
    CREATE_USERS,
    HEAD,
    LOWERCASE_NAMES,
    SEED,
    fix_with_history,
    write_project,
)

SQLITE3 = shutil.which("sqlite3")
pytestmark = pytest.mark.skipif(
    SQLITE3 is None and os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="the sqlite3 shell is not installed (Debian: sqlite3)",
)

VERSIONS = {
    "0001_create_users.py": CREATE_USERS,
    "0002_add_credits.py": HEAD.format(message="add credits", rev="0002", down='"0001"')
    + "def upgrade():\n"
    '    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))\n'
    '    op.execute("UPDATE users SET credits = 10 WHERE credits IS NULL")\n'
    '    with op.batch_alter_table("users") as batch:\n'
    '        batch.alter_column("credits", existing_type=sa.Integer(), nullable=False)\n\n\n'
    "def downgrade():\n"
    '    with op.batch_alter_table("users") as batch:\n'
    '        batch.drop_column("credits")\n',
    "0003_lowercase_names.py": LOWERCASE_NAMES,
}


def _project(root: Path) -> Path:
    return write_project(root, "sqlite:///app.db", VERSIONS)


def _fixed(root: Path) -> Path:
    return fix_with_history(root, "0001_create_users.py")


@contextmanager
def _on(database: Path) -> Iterator[None]:
    os.environ[URL_VARIABLE] = f"sqlite:///{database}"
    try:
        yield
    finally:
        del os.environ[URL_VARIABLE]


def _config(root: Path) -> Config:
    return Config(str(root / "alembic.ini"), output_buffer=io.StringIO())


def _run_script(script: Script, database: Path, root: Path) -> None:
    """The header's own command line, run by a shell in the project folder."""
    line = next(
        line for line in script.path.read_text("utf-8").splitlines() if line.startswith("--   ")
    )
    line = line.removeprefix("--   ")
    assert line.startswith("sqlite3 -bail -safe "), line
    done = subprocess.run(
        ["sh", "-c", line],
        cwd=root,
        env={"DATABASE_FILE": str(database), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr, f"{script.name}: {done.stderr}"


def _dump(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [line for line in db.iterdump() if "alembic_version" not in line]


def _seeded(root: Path, database: Path) -> None:
    with _on(database):
        command.upgrade(_config(root), "0001")
    with sqlite3.connect(database) as db:
        db.execute(SEED)


def _stepwise(root: Path, database: Path, scripts: list[Script]) -> None:
    """Each revision in turn; after it, the scripts whose run line says `upgrade after` it."""
    _seeded(root, database)
    for revision in linear_order(root)[1:]:
        with _on(database):
            command.upgrade(_config(root), revision)
        for script in scripts:
            assert script.run is not None, script.problem
            if script.run.phase == "upgrade" and script.run.revision == revision:
                _run_script(script, database, root)


def test_split_and_move_on_sqlite_give_the_same_database(tmp_path: Path) -> None:
    original = _project(tmp_path / "original")
    fixed = _fixed(_project(tmp_path / "fixed"))
    scripts = read_scripts(fixed / "scripts" / "sql")
    assert [s.run.revision if s.run else s.problem for s in scripts] == ["0002", "0003"]
    assert len(linear_order(fixed)) == 4  # the follow-up revision sits between 0002 and 0003

    before = tmp_path / "original.db"
    _seeded(original, before)
    with _on(before):
        command.upgrade(_config(original), "head")
    expected = _dump(before)
    assert 'CREATE TABLE "users"' in "\n".join(expected) and any("'bob'" in s for s in expected)

    stepwise = tmp_path / "stepwise.db"
    _stepwise(fixed, stepwise, scripts)
    assert _dump(stepwise) == expected

    # one `alembic upgrade head`: the guard stops before the NOT NULL, naming the script
    one_go = tmp_path / "one_go.db"
    _seeded(fixed, one_go)
    with _on(one_go), pytest.raises(RuntimeError) as stopped:
        command.upgrade(_config(fixed), "head")
    assert scripts[0].name in error_text(stopped.value)
    with _on(one_go):  # the way through the message gives
        command.upgrade(_config(fixed), "0002")
    _run_script(scripts[0], one_go, fixed)
    with _on(one_go):
        command.upgrade(_config(fixed), "head")
    _run_script(scripts[1], one_go, fixed)
    assert _dump(one_go) == expected

    # and back: downgrading both to 0001 gives the same database again
    for root, database in ((original, before), (fixed, stepwise)):
        with _on(database):
            command.downgrade(_config(root), "0001")
    assert _dump(stepwise) == _dump(before)
