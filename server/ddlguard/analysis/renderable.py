"""Can a Core construct or `op.bulk_insert` be rendered to exact SQL statically? (ast only)

Owned by the fix engine; the detector asks it so each finding says up front whether the move
is offered and, if not, why. Conservative: anything computed at run time is not renderable.
"""

from __future__ import annotations

import ast

_LITERAL_CALLS = {"date", "datetime", "time", "Decimal", "UUID", "timedelta"}


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_literal(k) for k in node.keys) and all(
            _is_literal(v) for v in node.values
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_literal(node.operand)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return (
            name in _LITERAL_CALLS and all(_is_literal(a) for a in node.args) and not node.keywords
        )
    return False


def why_not_bulk_insert(call: ast.Call) -> str | None:
    """None when `op.bulk_insert(table, rows)` has literal rows; else the reason in a few words."""
    if len(call.args) < 2:
        return "the rows are not given as a literal list"
    rows = call.args[1]
    if not isinstance(rows, ast.List) or not all(isinstance(r, ast.Dict) for r in rows.elts):
        return "the rows are computed at run time"
    if not all(_is_literal(r) for r in rows.elts):
        return "some row values are computed at run time"
    return None


def why_not_core(call: ast.Call) -> str | None:
    """None when every argument in the construct's chain is a literal; else the reason."""
    node: ast.expr = call
    while isinstance(node, ast.Call):
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if not _is_literal(arg) and not _is_column_expr(arg):
                return "its values are computed at run time"
        func = node.func
        node = func.value if isinstance(func, ast.Attribute) else func
    return None


def _is_column_expr(node: ast.expr) -> bool:
    """`t.c.x == 1`, `t.c.x.in_([...])`, `sa.column('x') > 3`: a where-clause over literals."""
    if isinstance(node, ast.Compare):
        return all(_is_column_expr(n) or _is_literal(n) for n in [node.left, *node.comparators])
    if isinstance(node, ast.BoolOp):
        return all(_is_column_expr(v) for v in node.values)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return True
    if isinstance(node, ast.Call):
        return all(_is_literal(a) or _is_column_expr(a) for a in node.args) and _is_column_expr(
            node.func
        )
    return False
