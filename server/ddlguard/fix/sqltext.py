"""Which statements of a static SQL string move (data) and which stay (schema)."""

from __future__ import annotations

from dataclasses import dataclass

from ddlguard.fix.model import NotMovable
from ddlguard.sql import HOLE, StatementKind, classify_sql


@dataclass(frozen=True, slots=True)
class SqlSplit:
    moved: tuple[str, ...]  # DML statement texts, verbatim, in order
    kept: tuple[str, ...]  # DDL statement texts that stay in the migration, in order


def split_sql(sql: str, dialect: str) -> SqlSplit:
    """Split for the move. Raises NotMovable when a statement cannot be placed safely.

    Only DML and DDL are placed: a read, a transaction/session control statement or an
    unreadable statement mixed with data changes could change meaning on either side.
    """
    if HOLE in sql:
        raise NotMovable("part of the SQL is computed at run time")
    statements = classify_sql(sql, dialect)
    moved = tuple(s.text for s in statements if s.kind is StatementKind.DML)
    kept = tuple(s.text for s in statements if s.kind is StatementKind.DDL)
    others = [s for s in statements if s.kind not in (StatementKind.DML, StatementKind.DDL)]
    if not moved:
        raise NotMovable("the SQL holds no data-changing statement")
    if others:
        verbs = ", ".join(sorted({s.verb for s in others}))
        raise NotMovable(f"the SQL mixes data changes with {verbs}, which ddlguard cannot place")
    return SqlSplit(moved, kept)
