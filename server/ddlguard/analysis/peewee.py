"""peewee models in a migration: what their queries and rows do, read from the file alone.

Only a file that imports `peewee` or `playhouse` is read this way (`Evaluator.peewee`): there a
class deriving from a peewee `Model` (directly or through the project's own base class), or a
capitalised name imported from the application, is a model. Nothing a SQLAlchemy file writes
(`t.update()`, `session.query(...)`) reaches this module. peewee queries are lazy: a query is
built by `Model.update/insert/delete/select(...)` and chained calls, and runs at `.execute()`,
at a reading call (`.get()`, `.count()`...) or when iterated.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from ddlguard.analysis.scope import Scope
from ddlguard.analysis.values import ClassRef, Module, Value

ROOTS = frozenset({"peewee", "playhouse"})
_LIBRARIES = ROOTS | {"sqlalchemy", "sqlmodel", "alembic", "flask_sqlalchemy"}

# Model.<method>(...) building a query that changes data when executed, with its verb
WRITE_QUERIES = {
    "update": "UPDATE",
    "insert": "INSERT",
    "insert_many": "INSERT",
    "insert_from": "INSERT",
    "replace": "REPLACE",
    "replace_many": "REPLACE",
    "delete": "DELETE",
}
# Model.<method>(...) and row.<method>() writing through the ORM at once
ORM_WRITES = frozenset(
    {"create", "get_or_create", "bulk_create", "bulk_update", "save", "delete_instance"}
)
# calls that run a read query (on the model or on a select query)
READS = frozenset(
    {"get", "get_or_none", "get_by_id", "count", "exists", "first", "scalar", "peek", "tuples"}
)
SELECT = "select"
# what a query chain may call without running it
CHAIN = frozenset(
    {
        "where",
        "filter",
        "join",
        "switch",
        "order_by",
        "group_by",
        "having",
        "limit",
        "offset",
        "paginate",
        "distinct",
        "on_conflict",
        "on_conflict_ignore",
        "on_conflict_replace",
        "returning",
        "from_",
        "dicts",
        "objects",
        "namedtuples",
        "iterator",
        "for_update",
        "with_cte",
        "as_",
    }
)
# every method name the detector must see calls of in a peewee file
METHODS = frozenset({*WRITE_QUERIES, *ORM_WRITES, *READS, SELECT, *CHAIN, "execute", "execute_sql"})


def model_name(
    value: Value, eval_expr: Callable[[ast.expr], tuple[Value, ...]], scopes: list[Scope]
) -> str | None:
    """The model's name when `value` is a peewee model class, else None."""
    if isinstance(value, Module):
        is_model = value.root not in _LIBRARIES and value.last[:1].isupper()
        return value.last if is_model else None
    if isinstance(value, ClassRef):
        seen: set[int] = set()
        return _class_model(value.scope_id, eval_expr, scopes, seen)
    return None


def _class_model(
    scope_id: int,
    eval_expr: Callable[[ast.expr], tuple[Value, ...]],
    scopes: list[Scope],
    seen: set[int],
) -> str | None:
    node = scopes[scope_id].node
    if scope_id in seen or not isinstance(node, ast.ClassDef):
        return None
    seen.add(scope_id)
    for base in node.bases:
        for value in eval_expr(base):
            if isinstance(value, Module) and (
                (value.root in ROOTS and value.last == "Model")
                or model_name(value, eval_expr, scopes)
            ):
                return node.name  # peewee's Model, or the application's base model class
            if isinstance(value, ClassRef) and _class_model(
                value.scope_id, eval_expr, scopes, seen
            ):
                return node.name
    return None
