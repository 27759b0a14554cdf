"""End to end with the real psql: a hostile migration's script does what the migration did.

The migration's file name, message and comments carry break-outs (`\\n DROP TABLE …`, `\\r\\!`
shell commands, Unicode line separators) and its SQL a nested comment and a text() escape.
The script is run exactly as its header says (`psql -v ON_ERROR_STOP=1 -f`) on one database,
the SQL SQLAlchemy would have sent runs on another; both must end identical, and no shell
command may have run. Uses the PostgreSQL cluster of tests/semantics (skipped without it,
failed in CI like the semantics suite).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from .test_script_boundary import migration, plan, read_script

try:
    from semantics.postgres import INSTALL_HINT, Cluster, find_bindir, running_cluster
except ImportError:  # pragma: no cover - the semantics suite is not there
    Cluster = None  # type: ignore[assignment,misc]

SQL = (
    "DELETE FROM users /* keep /* nested */ -- */ WHERE id = 2;\n"
    "UPDATE users SET note = 'a\\:b' /* ; \\! */ WHERE id = 1"
)
SEED = (
    "CREATE TABLE users (id int PRIMARY KEY, note text);"
    "INSERT INTO users VALUES (1, NULL), (2, 'two'), (3, 'three')"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if Cluster is None:
        pytest.skip("tests/semantics (the PostgreSQL fixture) is not available")
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(INSTALL_HINT, pytrace=False)
        pytest.skip(INSTALL_HINT)
    with running_cluster(bindir) as running:
        yield running


def rows(cluster: Cluster, database: str) -> list[tuple[object, ...]]:
    with cluster.connect(database) as conn:
        return list(conn.execute("SELECT id, note FROM users ORDER BY id").fetchall())


def test_psql_runs_the_script_of_a_hostile_migration_as_the_migration_ran(
    cluster: Cluster, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    payload = f"x\r\\! touch {marker}\r\nDROP TABLE users;\n--\u2028DELETE FROM users;"
    source = migration(
        revision="abc123",
        message=payload,
        sql=SQL,
        comment=payload.replace("\n", " ").replace("\r", "\\r"),
        style="triple",
    )
    filename = f"abc\nDELETE FROM users;\n\\! touch {marker}\n--"
    fixed = plan(source, Path("/project-root-never-written/alembic/versions") / f"{filename}.py")
    (script,) = fixed.new_files
    assert len(read_script(script.content).statements) == 4  # BEGIN, DELETE, UPDATE, COMMIT
    path = tmp_path / "script.sql"
    path.write_text(script.content, encoding="utf-8")

    by_script, by_migration = cluster.create_database(), cluster.create_database()
    try:
        for database in (by_script, by_migration):
            with cluster.connect(database) as conn:
                conn.execute(SEED)
        done = cluster.client("psql", by_script, "-v", "ON_ERROR_STOP=1", "-f", str(path))
        assert done.returncode == 0, done.stderr
        sent = str(sa.text(SQL).compile(dialect=sa.dialects.postgresql.dialect()))
        with cluster.connect(by_migration) as conn:
            conn.execute(sent)  # type: ignore[call-overload]  # simple protocol: several statements
        assert rows(cluster, by_script) == rows(cluster, by_migration) == [(1, "a:b"), (3, "three")]
        assert not marker.exists(), "psql ran a shell command from the script"
    finally:
        cluster.drop_database(by_script)
        cluster.drop_database(by_migration)
