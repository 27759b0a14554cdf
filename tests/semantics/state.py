"""What a database looks like, for comparing the original run with the fixed one.

The schema is `pg_dump --schema-only` with what differs between runs of the same dump removed
(comments, SET lines, psql's \\restrict keys); the data is every table's rows, sorted, and every
sequence's position. `alembic_version` is compared on its own: the fixed copy has more revisions.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .postgres import Cluster

_NOISE = ("--", "SET ", "SELECT pg_catalog.set_config", "\\restrict", "\\unrestrict")


@dataclass(frozen=True, slots=True)
class State:
    schema: str
    data: dict[str, list[str]]  # table -> header line + sorted rows, sequence -> position
    version: tuple[str, ...]  # alembic_version rows

    def render_data(self) -> str:
        lines: list[str] = []
        for name in sorted(self.data):
            lines.append(f"[{name}]")
            lines += self.data[name]
        return "\n".join(lines)


def normalise_dump(dump: str) -> str:
    kept = [line for line in dump.splitlines() if line.strip() and not line.startswith(_NOISE)]
    return "\n".join(kept) + "\n"


_DUMP_ARGS = ("--schema-only", "--no-owner", "--no-privileges")


def _rows(cluster: Cluster, database: str) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    data: dict[str, list[str]] = {}
    version: tuple[str, ...] = ()
    with cluster.connect(database) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            cursor = conn.execute(f'SELECT * FROM "{schema}"."{table}"')
            rows = sorted(repr(row) for row in cursor.fetchall())
            if table == "alembic_version":
                version = tuple(sorted(row.strip("(),'") for row in rows))
                continue
            header = ", ".join(col.name for col in cursor.description or ())
            data[f"{schema}.{table}"] = [f"({header})", *rows]
        sequences = conn.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences"
        ).fetchall()
        for schema, name, last in sequences:
            data[f"{schema}.{name} (sequence)"] = [f"last_value={last}"]
    return data, version


def snapshots(cluster: Cluster, *databases: str) -> list[State]:
    """The states of several databases, their pg_dumps running side by side."""
    dumps = [cluster.start_client("pg_dump", db, *_DUMP_ARGS) for db in databases]
    found = [_rows(cluster, db) for db in databases]
    states = []
    for dump, (data, version) in zip(dumps, found, strict=True):
        out, err = dump.communicate()
        assert dump.returncode == 0, err
        states.append(State(schema=normalise_dump(out), data=data, version=version))
    return states


def snapshot(cluster: Cluster, database: str) -> State:
    return snapshots(cluster, database)[0]


def differences(expected: State, actual: State, *, versions: bool = False) -> str | None:
    """None when the two states are the same; else a unified diff of schema and data."""
    parts: list[str] = []
    if expected.schema != actual.schema:
        parts += difflib.unified_diff(
            expected.schema.splitlines(),
            actual.schema.splitlines(),
            "original (pg_dump --schema-only)",
            "fixed",
            lineterm="",
            n=2,
        )
    if expected.data != actual.data:
        parts += difflib.unified_diff(
            expected.render_data().splitlines(),
            actual.render_data().splitlines(),
            "original (rows)",
            "fixed",
            lineterm="",
            n=2,
        )
    if versions and expected.version != actual.version:
        parts.append(f"alembic_version: {expected.version} != {actual.version}")
    return "\n".join(parts) if parts else None
