"""The statements of `downgrade()` that undo the operations a split defers.

Alembic writes `downgrade()` as the mirror of `upgrade()`: the last operations are undone
first. So the inverses of the deferred tail of `upgrade()` are a prefix of `downgrade()`.
Moving that prefix to the follow-up revision's `downgrade()` keeps a full downgrade running
the same statements in the same order, and lets `alembic downgrade -1` from the follow-up
revert exactly its own DDL. Only statements recognised as inverses of a deferred operation
move; the first one that is not ends the prefix.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence

Key = tuple[str, ...]


def inverse_prefix(deferred: Sequence[ast.stmt], downgrade: Sequence[ast.stmt]) -> list[ast.stmt]:
    """The leading statements of `downgrade` that each undo one of `deferred`."""
    wanted = Counter(k for k in (_undone_by(s) for s in deferred) if k is not None)
    taken: list[ast.stmt] = []
    for stmt in downgrade:
        key = _undoes(stmt)
        if key is None or not wanted[key]:
            break
        wanted[key] -= 1
        taken.append(stmt)
    return taken


def _call(stmt: ast.stmt) -> tuple[str, list[str | None]] | None:
    """`op.name("a", "b", ...)` as a plain top-level statement: its name and string arguments."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return None
    func = stmt.value.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    if func.value.id != "op":
        return None
    args = [
        a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
        for a in stmt.value.args
    ]
    return func.attr, args


def _column_name(stmt: ast.stmt) -> str | None:
    assert isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
    if len(stmt.value.args) < 2:
        return None
    column = stmt.value.args[1]
    if isinstance(column, ast.Call) and column.args:
        first = column.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


_CONSTRAINTS = frozenset({"create_unique_constraint", "create_check_constraint",
                          "create_foreign_key", "create_primary_key",
                          "create_exclude_constraint"})  # fmt: skip


def _undone_by(stmt: ast.stmt) -> Key | None:
    """What undoing this deferred operation looks like, as a key `_undoes` gives too."""
    found = _call(stmt)
    if found is None:
        return None
    name, args = found
    first = args[0] if args else None
    second = args[1] if len(args) > 1 else None
    if name == "create_index" and first:
        return ("index", first)
    if name in _CONSTRAINTS and first:
        return ("constraint", first)
    if name == "add_column" and first:
        column = _column_name(stmt)
        return ("column", first, column) if column else None
    if name == "alter_column" and first and second:
        return ("alter", first, second)
    if name == "create_table" and first:
        return ("table", first)
    if name == "drop_column" and first and second:
        return ("added", first, second)
    if name == "rename_table" and first and second:
        return ("rename", second, first)
    return None


def _undoes(stmt: ast.stmt) -> Key | None:
    """The key of the operation this downgrade statement undoes."""
    found = _call(stmt)
    if found is None:
        return None
    name, args = found
    first = args[0] if args else None
    second = args[1] if len(args) > 1 else None
    if name == "drop_index" and first:
        return ("index", first)
    if name == "drop_constraint" and first:
        return ("constraint", first)
    if name == "drop_column" and first and second:
        return ("column", first, second)
    if name == "alter_column" and first and second:
        return ("alter", first, second)
    if name == "drop_table" and first:
        return ("table", first)
    if name == "add_column" and first:
        column = _column_name(stmt)
        return ("added", first, column) if column else None
    if name == "rename_table" and first and second:
        return ("rename", first, second)
    return None
