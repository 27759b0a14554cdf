"""Temporary tables a moved SQL string creates: the statements on them move along.

`CREATE TEMPORARY TABLE m AS …; CREATE INDEX … ON m; UPDATE … FROM m; DROP TABLE m` is one
unit: the temporary table lives for one session, so the index and the drop must run in the
script with the statements that use it, in their order. Only the other DDL stays behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ddlguard.fix.dependencies import sql_footprint
from ddlguard.fix.sqltext import Sent
from ddlguard.sql import StatementKind


@dataclass(frozen=True, slots=True)
class TemporaryOrder:
    move: frozenset[int]  # indices of the statements that move: data, and DDL on its temp tables
    kept_after: tuple[str, ...]  # DDL that stays although it ran after the first data statement


def temporary_order(statements: Sequence[Sent], dialect: str) -> TemporaryOrder:
    """Which statements of one string move, from what each touches (the real parsers)."""
    prints = [sql_footprint([s.text], dialect) for s in statements]
    temporary: frozenset[str] = frozenset().union(*(p.temporary for p in prints))
    move: set[int] = set()
    kept_after: list[str] = []
    for i, (statement, footprint) in enumerate(zip(statements, prints, strict=True)):
        touches = footprint.tables | footprint.temporary
        on_temporary = footprint.known and bool(touches) and touches <= temporary
        if statement.kind is StatementKind.DML or (
            statement.kind is StatementKind.DDL and on_temporary
        ):
            move.add(i)
        elif move:
            kept_after.append(statement.text)
    return TemporaryOrder(frozenset(move), tuple(kept_after))
