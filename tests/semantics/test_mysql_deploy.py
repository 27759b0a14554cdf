"""The fix proven on MariaDB: original vs fixed-plus-scripts on a real server, in two sql_modes.

A MySQL project with a backfill the NOT NULL depends on (a split: script + guarded follow-up
revision) and a later independent UPDATE (a plain move). Alembic connects with PyMySQL; each
script runs exactly as its header says, through the real `mysql --binary-mode` client, where its
run line says. Compared: `mariadb-dump` of schema and rows, step by step, in one `alembic
upgrade head` (the guard stops it, naming the script; the way through gives the same end state),
and after downgrading back. The server's global sql_mode is the default, then `ANSI` with
`NO_BACKSLASH_ESCAPES` (`"…"` names, `||` concatenation, backslashes as themselves).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from tests.fix.mariadb import INSTALL_HINT, Server, find_server, running_server

from .deploy import URL_VARIABLE, alembic_config, error_text, linear_order
from .runlines import Script, read_scripts
from .small_project import (
    CREATE_USERS,
    HEAD,
    LOWERCASE_NAMES,
    SEED,
    fix_with_history,
    write_project,
)

VERSIONS = {
    "0001_create_users.py": CREATE_USERS,
    "0002_add_credits.py": HEAD.format(message="add credits", rev="0002", down='"0001"')
    + "def upgrade():\n"
    '    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))\n'
    '    op.execute("UPDATE users SET credits = 10 WHERE credits IS NULL")\n'
    '    op.alter_column("users", "credits", existing_type=sa.Integer(), nullable=False)\n\n\n'
    "def downgrade():\n"
    '    op.drop_column("users", "credits")\n',
    "0003_lowercase_names.py": LOWERCASE_NAMES,
}
DUMP = shutil.which("mariadb-dump") or shutil.which("mysqldump")
# schema and every row, one INSERT per row, nothing that differs between two equal databases
_DUMP_FLAGS = ("--skip-dump-date", "--skip-comments", "--compact", "--skip-extended-insert")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    found = find_server()
    if found is None or DUMP is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    with running_server(*found) as running:
        yield running


def _project(root: Path) -> Path:
    return write_project(root, "mysql+pymysql://root@localhost/app", VERSIONS)


def _fixed(root: Path) -> Path:
    return fix_with_history(root, "0001_create_users.py")


class Database:
    """One fresh database on the server, reached by Alembic, the client and the dump."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.name = "t_" + uuid.uuid4().hex[:12]
        server.sql(f"CREATE DATABASE {self.name}", database="mysql")
        self.url = f"mysql+pymysql://root@localhost/{self.name}?unix_socket={server.socket}"

    def alembic(self, root: Path, action: str, revision: str) -> None:
        """`alembic upgrade/downgrade revision` of the project at `root` on this database."""
        os.environ[URL_VARIABLE] = self.url
        try:
            getattr(command, action)(alembic_config(root), revision)
        finally:
            del os.environ[URL_VARIABLE]

    def dump(self) -> str:
        assert DUMP is not None
        done = subprocess.run(
            [
                DUMP,
                "--no-defaults",
                f"--socket={self.server.socket}",
                "--user=root",
                *_DUMP_FLAGS,
                f"--ignore-table={self.name}.alembic_version",
                self.name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def run_script(self, script: Script, root: Path, home: Path) -> None:
        """The header's own command line, run by a shell in the project folder; the user's
        option file (`~/.my.cnf`) says where the server is."""
        line = next(
            line for line in script.path.read_text("utf-8").splitlines() if line.startswith("--   ")
        ).removeprefix("--   ")
        assert line.startswith("mysql --binary-mode "), line
        home.mkdir(exist_ok=True)
        (home / ".my.cnf").write_text(
            f"[client]\nsocket={self.server.socket}\nuser=root\n", "utf-8"
        )
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "DATABASE_NAME": self.name}
        done = subprocess.run(
            ["sh", "-c", line], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0 and not done.stderr, f"{script.name}: {done.stderr}"

    def seeded(self, root: Path) -> Database:
        self.alembic(root, "upgrade", "0001")
        self.server.sql(SEED, database=self.name)
        return self


@pytest.mark.parametrize("mode", ["", "ANSI,NO_BACKSLASH_ESCAPES"], ids=["default", "ansi"])
def test_split_and_move_on_mariadb_give_the_same_database(
    server: Server, tmp_path: Path, mode: str
) -> None:
    server.sql(f"SET GLOBAL sql_mode = '{mode}'", database="mysql")
    try:
        _prove(server, tmp_path)
    finally:
        server.sql("SET GLOBAL sql_mode = DEFAULT", database="mysql")


def _prove(server: Server, tmp_path: Path) -> None:
    original = _project(tmp_path / "original")
    fixed = _fixed(_project(tmp_path / "fixed"))
    home = tmp_path / "home"
    scripts = read_scripts(fixed / "scripts" / "sql")
    assert [s.run.revision if s.run else s.problem for s in scripts] == ["0002", "0003"]
    assert len(linear_order(fixed)) == 4  # the follow-up revision sits between 0002 and 0003

    before = Database(server).seeded(original)
    before.alembic(original, "upgrade", "head")
    expected = before.dump()
    assert "CREATE TABLE" in expected and "'bob'" in expected and "NOT NULL" in expected

    # each revision in turn; after it, the scripts whose run line says `upgrade after` it
    stepwise = Database(server).seeded(fixed)
    for revision in linear_order(fixed)[1:]:
        stepwise.alembic(fixed, "upgrade", revision)
        for script in scripts:
            assert script.run is not None, script.problem
            if script.run.phase == "upgrade" and script.run.revision == revision:
                stepwise.run_script(script, fixed, home)
    assert stepwise.dump() == expected

    # one `alembic upgrade head`: the guard stops before the NOT NULL, naming the script
    one_go = Database(server).seeded(fixed)
    with pytest.raises(RuntimeError) as stopped:
        one_go.alembic(fixed, "upgrade", "head")
    assert scripts[0].name in error_text(stopped.value)
    # MySQL DDL commits at once, and Alembic commits each revision there: the stop leaves the
    # database at the revision before the follow-up, which the way through starts from
    assert server.sql("SELECT version_num FROM alembic_version", database=one_go.name) == "0002\n"
    one_go.alembic(fixed, "upgrade", "0002")  # the way through the message gives
    one_go.run_script(scripts[0], fixed, home)
    one_go.alembic(fixed, "upgrade", "head")
    one_go.run_script(scripts[1], fixed, home)
    assert one_go.dump() == expected

    # and back: downgrading both to 0001 gives the same database again
    before.alembic(original, "downgrade", "0001")
    stepwise.alembic(fixed, "downgrade", "0001")
    assert stepwise.dump() == before.dump()
