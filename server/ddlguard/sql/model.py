"""The result of classifying SQL."""

from __future__ import annotations

import enum
from typing import NamedTuple

# What the Python analysis puts where an f-string hole or unknown piece was: an identifier, so
# `WHERE id = {x}` and `FROM {table}` still parse. A hole where the verb goes cannot be read.
HOLE = "__ddlguard_hole__"


class StatementKind(enum.Enum):
    DML = "dml"  # changes data: INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM/SELECT INTO/CTAS, DO that writes
    DDL = "ddl"  # changes schema, including function/trigger definitions and DO blocks that only alter schema
    READ = "read"  # SELECT, SHOW-like reads of rows (SELECT ... FOR UPDATE included; `locking` says so)
    CONTROL = "control"  # transaction and session control: BEGIN, COMMIT, SET, LOCK, PRAGMA, ...
    UNKNOWN = "unknown"  # cannot be classified (e.g. the verb is a hole)


class SqlStatement(NamedTuple):
    """One SQL statement: its kind, verb, tables, where it sits in the text, and who read it."""

    kind: StatementKind
    verb: str  # upper-case statement kind as a user would name it: "UPDATE", "INSERT", "DO", "CREATE TABLE"
    # tables written (DML) or touched (others), as written, schema-qualified if so
    tables: tuple[str, ...]
    # offsets into the text given to classify_sql, end exclusive, without the trailing ';'
    start: int
    end: int
    text: str  # text[start:end], stripped of surrounding whitespace
    locking: bool = False  # SELECT ... FOR UPDATE / FOR SHARE
    parser: str = "tokens"  # "pglast", "sqlglot" or "tokens"

    @property
    def changes_data(self) -> bool:
        return self.kind is StatementKind.DML

    def describe(self) -> str:
        """`UPDATE on users`, `INSERT on public.accounts`, `DELETE` (no table known)."""
        return f"{self.verb} on {', '.join(self.tables)}" if self.tables else self.verb
