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


_CONSTRAINTS = ("create_unique_constraint", "create_check_constraint", "create_foreign_key",
                "create_primary_key", "create_exclude_constraint")  # fmt: skip

# An operation's key names what it creates or removes; an operation and its inverse share one.
# Each entry: the key's kind, then which parts follow it: "1" and "2" the first and second
# string arguments, "c" the name of the `sa.Column` given second.
_Spec = tuple[str, str]
_UNDONE_BY: dict[str, _Spec] = {  # a deferred upgrade operation -> the key of its inverse
    "create_index": ("index", "1"), **{name: ("constraint", "1") for name in _CONSTRAINTS},
    "add_column": ("column", "1c"), "alter_column": ("alter", "12"),
    "create_table": ("table", "1"), "drop_column": ("added", "12"),
    "rename_table": ("rename", "21"),
}  # fmt: skip
_UNDOES: dict[str, _Spec] = {  # a downgrade operation -> the key of what it undoes
    "drop_index": ("index", "1"), "drop_constraint": ("constraint", "1"),
    "drop_column": ("column", "12"), "alter_column": ("alter", "12"),
    "drop_table": ("table", "1"), "add_column": ("added", "1c"),
    "rename_table": ("rename", "12"),
}  # fmt: skip


def _undone_by(stmt: ast.stmt) -> Key | None:
    """What undoing this deferred operation looks like, as a key `_undoes` gives too."""
    return _key(stmt, _UNDONE_BY)


def _undoes(stmt: ast.stmt) -> Key | None:
    """The key of the operation this downgrade statement undoes."""
    return _key(stmt, _UNDOES)


def _key(stmt: ast.stmt, specs: dict[str, _Spec]) -> Key | None:
    found = _call(stmt)
    if found is None or found[0] not in specs:
        return None
    name, args = found
    kind, parts = specs[name]
    values = {
        "1": args[0] if args else None,
        "2": args[1] if len(args) > 1 else None,
        "c": _column_name(stmt) if "c" in parts else None,
    }
    picked = [values[part] for part in parts]
    if not all(picked):
        return None
    return (kind, *(str(value) for value in picked))
