"""The follow-up revision's guard on a real PostgreSQL: it passes on an empty database and once
the script has run, and stops (with nothing half-applied) while the script has not run."""

from __future__ import annotations

import ast
import datetime
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from ddlguard.fix.followup import FollowUpInput, build_follow_up
from ddlguard.fix.guards import Guard, guard_for
from ddlguard.fix.model import RevisionContext
from ddlguard.fix.script import run_command

from .postgres import Cluster

TEMPLATE = Path(__file__).parent / "template"


@dataclass(frozen=True)
class GuardCase:
    schema: str  # the schema once the original revision ran (without its data change)
    seed: str  # rows an existing database holds
    script: tuple[str, ...]  # the data statements moved to the script
    ddl: str  # the deferred Python statements (op.* calls)
    ddl_sql: str  # the same schema change in SQL, to show it succeeds once the guard passes
    stops_when_empty: bool = False  # INSERTed rows are missing from an empty database too


CASES = {
    "backfill_not_null": GuardCase(
        "CREATE TABLE users (id int PRIMARY KEY, credits int)",
        "INSERT INTO users (id) VALUES (1), (2)",
        ("UPDATE users SET credits = 0 WHERE credits IS NULL",),
        'op.alter_column("users", "credits", nullable=False)',
        "ALTER TABLE users ALTER COLUMN credits SET NOT NULL",
    ),
    "dedupe_unique": GuardCase(
        "CREATE TABLE users (id int PRIMARY KEY, email text)",
        "INSERT INTO users VALUES (1, 'a'), (2, 'a'), (3, 'b'), (4, NULL), (5, NULL)",
        ("DELETE FROM users a USING users b WHERE a.id > b.id AND a.email = b.email",),
        'op.create_unique_constraint("uq_email", "users", ["email"])',
        "ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE (email)",
    ),
    "orphans_fk": GuardCase(
        "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int)",
        "INSERT INTO users VALUES (1); INSERT INTO orders VALUES (1, 1), (2, 9), (3, NULL)",
        ("DELETE FROM orders WHERE user_id NOT IN (SELECT id FROM users)",),
        'op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"])',
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)",
    ),
    "backfill_check": GuardCase(
        "CREATE TABLE forms (id int, mode int)",
        "INSERT INTO forms VALUES (1, 4), (2, 1), (3, NULL)",
        ("UPDATE forms SET mode = 3 WHERE mode = 4",),
        'op.create_check_constraint("ck_mode", "forms", "mode IN (1, 2, 3)")',
        "ALTER TABLE forms ADD CONSTRAINT ck_mode CHECK (mode IN (1, 2, 3))",
    ),
    "fill_tokens_not_null": GuardCase(
        "CREATE TABLE users (id int PRIMARY KEY, token uuid)",
        "INSERT INTO users (id) VALUES (1), (2)",
        ("UPDATE users SET token = gen_random_uuid() WHERE token IS NULL",),
        'op.alter_column("users", "token", nullable=False)',
        "ALTER TABLE users ALTER COLUMN token SET NOT NULL",
    ),
    "seed_lookup_rows": GuardCase(
        "CREATE TABLE statuses (id int PRIMARY KEY, name text, created timestamptz, meta json);"
        "CREATE TABLE orders (id int)",
        "INSERT INTO orders VALUES (1)",
        (
            "INSERT INTO statuses (id, name, created, meta) VALUES (1, 'new', now(), '{\"a\": 1}')",
            "INSERT INTO statuses (id, name, created) VALUES (2, 'o''brien', now())",
        ),
        'op.add_column("orders", sa.Column("status_id", sa.Integer(), sa.ForeignKey("statuses.id"),'
        ' server_default="1"))',
        "ALTER TABLE orders ADD COLUMN status_id int DEFAULT 1 REFERENCES statuses (id)",
        stops_when_empty=True,
    ),
}


def _guard(case: GuardCase) -> Guard:
    guard = guard_for(ast.parse(case.ddl).body, case.script, "postgresql")
    assert guard is not None
    return guard


def _stops(cluster: Cluster, database: str, guard: Guard) -> list[str]:
    with cluster.connect(database) as conn:
        return [c.why for c in guard.checks if conn.execute(c.sql).fetchone() is not None]


@pytest.mark.parametrize("name", sorted(CASES))
def test_guard_on_postgresql(cluster: Cluster, database: str, name: str) -> None:
    case = CASES[name]
    guard = _guard(case)
    with cluster.connect(database) as conn:
        conn.execute(case.schema)
    assert bool(_stops(cluster, database, guard)) is case.stops_when_empty  # a fresh install
    with cluster.connect(database) as conn:
        conn.execute(case.seed)
    stopped = _stops(cluster, database, guard)
    assert stopped, "the script has not run: the guard must stop"
    with cluster.connect(database) as conn:
        for statement in case.script:
            conn.execute(statement)
    assert _stops(cluster, database, guard) == []
    with cluster.connect(database) as conn:
        conn.execute(case.ddl_sql)  # and the schema change it protects now succeeds


ORIGINAL = '''"""add credits

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("credits", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET credits = 0 WHERE credits IS NULL")
    op.alter_column("users", "credits", nullable=False)


def downgrade():
    op.alter_column("users", "credits", nullable=True)
    op.drop_column("users", "credits")
'''
FIRST = '''"""create users"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("users")
'''
SCRIPT = "scripts/sql/2026-11-25-add-credits.sql"
SCRIPT_SQL = "UPDATE users SET credits = 0 WHERE credits IS NULL;\n"


def _project(tmp_path: Path) -> tuple[Path, str]:
    """The original split by hand as the planner splits it, plus the follow-up ddlguard writes."""
    root = tmp_path / "project"
    shutil.copytree(TEMPLATE, root)
    versions = root / "alembic" / "versions"
    versions.mkdir()
    (versions / "0001_create_users.py").write_text(FIRST)
    tree = ast.parse(ORIGINAL)
    upgrade, downgrade = (s for s in tree.body if isinstance(s, ast.FunctionDef))
    deferred = tuple(upgrade.body[2:])
    guard = guard_for(deferred, [SCRIPT_SQL.rstrip(";\n")], "postgresql")
    assert guard is not None
    follow = build_follow_up(
        FollowUpInput(
            path=versions / "0002_add_credits.py",
            source=ORIGINAL,
            tree=tree,
            revision="0002",
            message="add credits",
            deferred=deferred,
            inverse=tuple(downgrade.body[:1]),
            script=SCRIPT,
            command=run_command("postgresql", SCRIPT),
            guard=guard,
            context=RevisionContext("0002", "0001", True, versions_dir=versions),
            today=datetime.date(2026, 11, 25),
        )
    )
    data_line = 17  # the UPDATE, moved to the script by the planner
    kept = [
        line
        for n, line in enumerate(ORIGINAL.splitlines(keepends=True), 1)
        if n not in follow.remove_lines and n != data_line
    ]
    (versions / "0002_add_credits.py").write_text("".join(kept))
    follow.file.path.write_text(follow.file.content)
    (root / SCRIPT).parent.mkdir(parents=True)
    (root / SCRIPT).write_text(SCRIPT_SQL)
    return root, follow.revision


def _alembic(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DDLGUARD_TEST_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(root / "alembic.ini"), *args],
        capture_output=True, text=True, check=False, env=env, cwd=root,
    )  # fmt: skip


def _version(cluster: Cluster, database: str) -> str | None:
    with cluster.connect(database) as conn:
        row = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return None
        found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(found[0]) if found else None


def test_upgrade_head_stops_at_the_guard_then_the_documented_way_through_works(
    cluster: Cluster, database: str, tmp_path: Path
) -> None:
    root, follow_up = _project(tmp_path)
    url = cluster.url(database)
    assert _alembic(root, url, "upgrade", "0001").returncode == 0
    with cluster.connect(database) as conn:
        conn.execute("INSERT INTO users (id) VALUES (1), (2)")
    stopped = _alembic(root, url, "upgrade", "head")
    assert stopped.returncode != 0
    assert f"{SCRIPT} has not run on this database yet" in stopped.stderr
    assert "`alembic upgrade 0002`" in stopped.stderr
    assert _version(cluster, database) == "0001"  # nothing half-applied: it all rolled back
    assert _alembic(root, url, "upgrade", "0002").returncode == 0
    done = cluster.client("psql", database, "-v", "ON_ERROR_STOP=1", "-f", str(root / SCRIPT))
    assert done.returncode == 0, done.stderr
    finished = _alembic(root, url, "upgrade", "head")
    assert finished.returncode == 0, finished.stderr
    assert _version(cluster, database) == follow_up
    with cluster.connect(database) as conn:
        nullable = conn.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'users' AND column_name = 'credits'"
        ).fetchone()
    assert nullable == ("NO",)
    # downgrading just the follow-up reverts only its DDL
    assert _alembic(root, url, "downgrade", "0002").returncode == 0
    with cluster.connect(database) as conn:
        rows = conn.execute(
            "SELECT is_nullable FROM information_schema.columns "
            "WHERE table_name = 'users' AND column_name = 'credits'"
        ).fetchall()
    assert rows == [("YES",)]
    assert _alembic(root, url, "downgrade", "base").returncode == 0


def test_fresh_database_passes_the_guard(cluster: Cluster, database: str, tmp_path: Path) -> None:
    root, follow_up = _project(tmp_path)
    done = _alembic(root, cluster.url(database), "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert _version(cluster, database) == follow_up


def test_offline_mode_skips_the_guard(tmp_path: Path) -> None:
    root, follow_up = _project(tmp_path)
    done = _alembic(root, "postgresql+psycopg://nobody@/none", "upgrade", "head", "--sql")
    assert done.returncode == 0, done.stderr
    assert "ALTER TABLE users ALTER COLUMN credits SET NOT NULL" in done.stdout
    assert "SELECT 1 FROM users" not in done.stdout
    assert follow_up in done.stdout
