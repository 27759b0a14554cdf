"""Temporary tables a moved SQL string creates: the statements on them move along.

`CREATE TEMPORARY TABLE m AS …; CREATE INDEX … ON m; UPDATE … FROM m; DROP TABLE m` is one
unit: the temporary table lives for one session, so the index and the drop must run in the
script with the statements that use it, in their order. Only the other DDL stays behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddlguard.fix.dependencies import sql_footprint
from ddlguard.sql import StatementKind, classify_sql


@dataclass(frozen=True, slots=True)
class TemporarySplit:
    moved: tuple[str, ...]  # data statements and statements on their temporary tables, in order
    kept: tuple[str, ...]  # the DDL that stays in the migration, in order
    kept_after: tuple[str, ...]  # of those, the ones that ran after the first data statement


def with_temporary(sql: str, dialect: str) -> TemporarySplit:
    """Reclassify a mixed string (already accepted by `split_sql`) keeping the original order."""
    statements = [
        s for s in classify_sql(sql, dialect) if s.kind in (StatementKind.DML, StatementKind.DDL)
    ]
    prints = [sql_footprint([s.text], dialect) for s in statements]
    temporary = frozenset().union(*(p.temporary for p in prints)) if prints else frozenset()
    moved: list[str] = []
    kept: list[str] = []
    kept_after: list[str] = []
    for statement, footprint in zip(statements, prints, strict=True):
        touches = footprint.tables | footprint.temporary
        on_temporary = footprint.known and bool(touches) and touches <= temporary
        if statement.kind is StatementKind.DML or on_temporary:
            moved.append(statement.text)
        else:
            kept.append(statement.text)
            if moved:
                kept_after.append(statement.text)
    return TemporarySplit(tuple(moved), tuple(kept), tuple(kept_after))
