"""Exact SQL for Core constructs and `op.bulk_insert` rows, rebuilt from the AST.

The construct is rebuilt with SQLAlchemy's own objects from what the migration spells out
(`sa.table`/`sa.Table`/`op.create_table` definitions, literal values, where-clauses) and
compiled for the dialect with `literal_binds`. Nothing of the user's project is imported or
run: names resolve only to SQLAlchemy, `datetime`, `decimal` and `uuid`, values only to
literals, and only an allow-list of SQLAlchemy methods is ever called.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import importlib
import json
import operator
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.default import StrCompileDialect
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.type_api import TypeEngine

from ddlguard.fix.model import NotMovable
from ddlguard.fix.psql import statement_hazard
from ddlguard.fix.scope import Scope

_SA_MODULES = frozenset({
    "sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.types",
    "sqlalchemy.sql.sqltypes", "sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.mysql",
    "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.mssql", "sqlalchemy.dialects.oracle",
})  # fmt: skip
_STDLIB: dict[str, Callable[..., Any]] = {
    "datetime.date": datetime.date, "datetime.datetime": datetime.datetime,
    "datetime.time": datetime.time, "datetime.timedelta": datetime.timedelta,
    "decimal.Decimal": decimal.Decimal, "uuid.UUID": uuid.UUID,
}  # fmt: skip
_SA_FUNCTIONS = frozenset({
    "and_", "or_", "not_", "null", "true", "false", "literal", "literal_column", "text", "cast",
    "tuple_", "between", "distinct", "type_coerce",
})  # fmt: skip
# methods called on SQLAlchemy objects we built ourselves; nothing else is ever called
_METHODS = frozenset({
    "insert", "update", "delete", "where", "values", "filter_by", "ordered_values", "in_",
    "not_in", "notin_", "is_", "is_not", "isnot", "like", "ilike", "not_like", "notlike",
    "not_ilike", "notilike", "startswith", "endswith", "contains", "between", "is_distinct_from",
    "is_not_distinct_from", "concat", "cast", "label", "op", "any_", "all_", "inline",
})  # fmt: skip
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}  # fmt: skip
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.Add: operator.add,
    ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}  # fmt: skip
_TABLE_CALLS = ("sqlalchemy.table", "sqlalchemy.Table", "sqlalchemy.sql.table",
                "sqlalchemy.sql.expression.table", "alembic.op.create_table")  # fmt: skip
_MAX_DEPTH = 200


def dialect_for(name: str) -> Dialect:
    """SQLAlchemy's dialect object for a ddlguard dialect name (`generic`: SQLAlchemy's own)."""
    modules = {"postgresql", "mysql", "sqlite", "mssql", "oracle"}
    if name in modules:
        module = importlib.import_module(f"sqlalchemy.dialects.{name}")
        # "named" so that `%` in literals is not doubled as for the pyformat drivers
        dialect: Dialect = module.dialect(paramstyle="named")
        return dialect
    return StrCompileDialect(paramstyle="named")


class Rebuilder:
    """Evaluates a small, safe subset of Python over SQLAlchemy, for one call's scope."""

    def __init__(self, scope: Scope, op_names: frozenset[str] = frozenset({"op"})) -> None:
        self.scope = scope
        self.py_defaults: dict[int, list[str]] = {}  # id(table) → columns with Python defaults
        self._depth = 0
        self._resolving: set[str] = set()
        self._names: dict[str, Any] = {}  # one object per name, so `t` is one table everywhere

    # -- entry points -------------------------------------------------------------------

    def statement(self, node: ast.expr) -> UpdateBase:
        value = self.eval(node)
        if not isinstance(value, (Insert, Update, Delete)):
            raise NotMovable(
                "the executed object is not an insert/update/delete ddlguard can rebuild"
            )
        if value._returning:
            raise NotMovable("the statement uses RETURNING, so its result may be used")
        table = value.table
        if isinstance(table, TableClause) and self.py_defaults.get(id(table)):
            cols = ", ".join(self.py_defaults[id(table)])
            raise NotMovable(f"column {cols} has a Python-side default only SQLAlchemy applies")
        return value

    def table(self, node: ast.expr) -> TableClause:
        value = self.eval(node)
        if not isinstance(value, TableClause):
            raise NotMovable(
                "the table is not defined in this file with sa.table/sa.Table/op.create_table"
            )
        if self.py_defaults.get(id(value)):
            cols = ", ".join(self.py_defaults[id(value)])
            raise NotMovable(f"column {cols} has a Python-side default only SQLAlchemy applies")
        return value

    # -- evaluation ---------------------------------------------------------------------

    def eval(self, node: ast.expr) -> Any:
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise NotMovable("the expression is too deeply nested")
            return self._eval(node)
        except (TypeError, ValueError, ArithmeticError, KeyError, sa.exc.SQLAlchemyError) as exc:
            # Python or SQLAlchemy rejects the expression itself: it would fail at run time too
            raise NotMovable(f"{_short(node)} cannot be rebuilt ({type(exc).__name__})") from None
        finally:
            self._depth -= 1

    def _eval(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (str, int, float, bool, type(None))):
                return node.value
            raise NotMovable(f"the value {ast.unparse(node)} cannot be rendered exactly")
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.eval(e) for e in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise NotMovable("a dict unpacks values computed at run time")
            return {
                self.eval(k): self.eval(v) for k, v in zip(node.keys, node.values, strict=True) if k
            }
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return +operand
            if isinstance(node.op, ast.Invert) and isinstance(operand, ClauseElement):
                return ~operand
            raise NotMovable(f"{ast.unparse(node)} is computed at run time")
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise NotMovable("chained comparisons cannot be rebuilt")
            fn = _COMPARE.get(type(node.ops[0]))
            if fn is None:
                raise NotMovable(f"{ast.unparse(node)} cannot be rebuilt")
            left, right = self.eval(node.left), self.eval(node.comparators[0])
            self._need_sql(left, right, node)
            return fn(left, right)
        if isinstance(node, ast.BinOp):
            fn = _BINARY.get(type(node.op))
            left, right = self.eval(node.left), self.eval(node.right)
            if fn is None:
                raise NotMovable(f"{ast.unparse(node)} cannot be rebuilt")
            self._need_sql(left, right, node)
            return fn(left, right)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value)
            key = self.eval(node.slice)
            if isinstance(base, sa.ColumnCollection) and isinstance(key, str):
                return self._column(base, key)
            raise NotMovable(f"{ast.unparse(node)} cannot be rebuilt")
        if isinstance(node, ast.Call):
            return self._call(node)
        raise NotMovable(f"{_short(node)} is computed at run time")

    def _need_sql(self, left: Any, right: Any, node: ast.expr) -> None:
        """Operators are only applied when one side is SQL: plain Python arithmetic is run time."""
        if not isinstance(left, ClauseElement) and not isinstance(right, ClauseElement):
            raise NotMovable(f"{_short(node)} is computed at run time")

    def _name(self, node: ast.Name) -> Any:
        if node.id in self._names:
            return self._names[node.id]
        bound = self.scope.binding(node.id)
        if bound is not None and node.id not in self._resolving:
            self._resolving.add(node.id)
            try:
                self._names[node.id] = self.eval(bound)
                return self._names[node.id]
            finally:
                self._resolving.discard(node.id)
        if node.id in self.scope.imports:
            raise NotMovable(
                f"{node.id} is imported from {self.scope.imports[node.id]}, which ddlguard does not run"
            )
        if not self.scope.is_assigned(node.id):
            raise NotMovable(f"{node.id} is not defined in this file")
        raise NotMovable(f"{node.id} is computed at run time")

    def _attribute(self, node: ast.Attribute) -> Any:
        qual = self.scope.qualname(node)
        if qual is not None and ".func." in f"{qual}." and qual.startswith("sqlalchemy."):
            return _sa_func_attr(qual)
        if qual is not None and qual.startswith("sqlalchemy."):
            return _sa_object(qual)
        base = self.eval(node.value)
        if isinstance(base, TableClause) and node.attr in ("c", "columns"):
            return base.c
        if isinstance(base, sa.ColumnCollection):
            return self._column(base, node.attr)
        raise NotMovable(f"{_short(node)} cannot be rebuilt statically")

    @staticmethod
    def _column(columns: sa.ColumnCollection[str, Any], name: str) -> Any:
        if name not in columns:
            raise NotMovable(f"column {name} is not defined on the table in this file")
        return columns[name]

    def _call(self, node: ast.Call) -> Any:
        qual = self.scope.qualname(node.func)
        if qual in _TABLE_CALLS:
            return self._table(node, create=qual == "alembic.op.create_table")
        if (
            qual is not None
            and qual.rsplit(".", 1)[-1] in ("column", "Column")
            and qual.startswith("sqlalchemy.")
        ):
            name, type_, _ = self._column_def(node)
            return sa.column(name, type_)
        if qual in _STDLIB:
            args, kwargs = self._args(node)
            if any(not isinstance(a, (int, str)) for a in [*args, *kwargs.values()]):
                raise NotMovable(f"{_short(node)} has arguments ddlguard cannot render")
            try:
                return _STDLIB[qual](*args, **kwargs)
            except (TypeError, ValueError, decimal.InvalidOperation) as exc:
                raise NotMovable(f"{_short(node)} is invalid: {exc}") from None
        if qual is not None and qual.startswith("sqlalchemy."):
            return self._sa_call(qual, node)
        if qual is not None:
            raise NotMovable(
                f"{qual}() runs at migration time; its result cannot be known statically"
            )
        if isinstance(node.func, ast.Attribute):
            target = self.eval(node.func.value)
            if isinstance(target, (ClauseElement, TableClause)) and node.func.attr not in _METHODS:
                raise NotMovable(f".{node.func.attr}() is not something ddlguard rebuilds")
            if isinstance(target, (ClauseElement, TableClause)):
                args, kwargs = self._args(node)
                if node.func.attr in ("values", "ordered_values"):
                    args, kwargs = _typed_values(target, args, kwargs)
                try:
                    return getattr(target, node.func.attr)(*args, **kwargs)
                except (sa.exc.SQLAlchemyError, TypeError, ValueError, AttributeError) as exc:
                    raise NotMovable(f"{_short(node)} cannot be rebuilt: {exc}") from None
        raise NotMovable(f"{_short(node)} is computed at run time")

    def _sa_call(self, qual: str, node: ast.Call) -> Any:
        if ".func." in qual:
            fn = _sa_func_attr(qual)
        else:
            fn = _sa_object(qual)
            name = qual.rsplit(".", 1)[-1]
            is_type = isinstance(fn, type) and issubclass(fn, TypeEngine)
            if name in ("insert", "update", "delete"):
                if len(node.args) != 1 or node.keywords:
                    raise NotMovable(f"{_short(node)} cannot be rebuilt")
                table = self.table(node.args[0])
                return getattr(sa, name)(table)
            if name not in _SA_FUNCTIONS and not is_type:
                raise NotMovable(f"sqlalchemy.{name}() is not something ddlguard rebuilds")
        args, kwargs = self._args(node)
        try:
            return fn(*args, **kwargs)
        except (sa.exc.SQLAlchemyError, TypeError, ValueError, AttributeError) as exc:
            raise NotMovable(f"{_short(node)} cannot be rebuilt: {exc}") from None

    def _args(self, node: ast.Call) -> tuple[list[Any], dict[str, Any]]:
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise NotMovable("arguments unpacked with * are computed at run time")
            args.append(self.eval(a))
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                raise NotMovable("arguments unpacked with ** are computed at run time")
            kwargs[k.arg] = self.eval(k.value)
        return args, kwargs

    def _table(self, node: ast.Call, *, create: bool) -> TableClause:
        """A lightweight `sa.table` from any table definition: name, schema, column names and types."""
        if (
            not node.args
            or not isinstance(node.args[0], ast.Constant)
            or not isinstance(node.args[0].value, str)
        ):
            raise NotMovable("the table name is not a literal")
        columns = []
        defaults: list[str] = []
        for arg in node.args[1:]:
            if not isinstance(arg, ast.Call):
                continue  # MetaData, constraints given by name
            qual = self.scope.qualname(arg.func) or ""
            if qual.rsplit(".", 1)[-1] not in ("column", "Column"):
                continue  # constraints, indexes
            name, type_, has_default = self._column_def(arg)
            columns.append(sa.column(name, type_))
            if has_default:
                defaults.append(name)
        schema = None
        for kw in node.keywords:
            if kw.arg == "schema":
                schema = self.eval(kw.value)
                if not isinstance(schema, str):
                    raise NotMovable("the table's schema is not a literal")
        table = sa.table(node.args[0].value, *columns, schema=schema)
        if defaults:
            self.py_defaults[id(table)] = defaults
        return table

    def _column_def(self, node: ast.Call) -> tuple[str, TypeEngine[Any] | None, bool]:
        """(name, type, has a Python-side default) from `sa.column(...)`/`sa.Column(...)`."""
        if (
            not node.args
            or not isinstance(node.args[0], ast.Constant)
            or not isinstance(node.args[0].value, str)
        ):
            raise NotMovable("a column name is not a literal")
        type_: TypeEngine[Any] | None = None
        if len(node.args) > 1:
            type_ = self._type(node.args[1])
        has_default = any(k.arg in ("default", "onupdate") for k in node.keywords)
        for k in node.keywords:
            if k.arg in ("type_", "type"):
                type_ = self._type(k.value)
        return node.args[0].value, type_, has_default

    def _type(self, node: ast.expr) -> TypeEngine[Any] | None:
        """A SQLAlchemy type from its spelling; a ForeignKey in the type's place gives None."""
        target = node.func if isinstance(node, ast.Call) else node
        qual = self.scope.qualname(target) or ""
        if qual.rsplit(".", 1)[-1] in ("ForeignKey", "Sequence", "Identity", "Computed"):
            return None
        try:
            value = self.eval(node)
        except NotMovable:
            value = None
        if isinstance(value, type) and issubclass(value, TypeEngine):
            try:
                return value()
            except TypeError as exc:
                raise NotMovable(f"type {_short(node)} cannot be built: {exc}") from None
        if isinstance(value, TypeEngine):
            return value
        raise NotMovable(f"the column type {_short(node)} cannot be resolved statically")


def _sa_object(qual: str) -> Any:
    """`sqlalchemy.dialects.postgresql.JSONB` → the object, from allow-listed SQLAlchemy modules."""
    module_name, _, attr = qual.rpartition(".")
    if module_name == "sqlalchemy.dialects":
        module_name, attr = f"{module_name}.{attr}", ""
    if module_name not in _SA_MODULES:
        raise NotMovable(f"{qual} is not something ddlguard rebuilds")
    module = importlib.import_module(module_name)
    if not attr:
        return module
    value = getattr(module, attr, None)
    if value is None or attr.startswith("_"):
        raise NotMovable(f"{qual} is not something ddlguard rebuilds")
    return value


def _sa_func_attr(qual: str) -> Any:
    """`sqlalchemy.func.now` → `sa.func.now` (SQL functions render by name, nothing runs)."""
    path = qual.split(".func.", 1)[1]
    fn: Any = sa.func
    for part in path.split("."):
        if part.startswith("_"):
            raise NotMovable(f"{qual} is not something ddlguard rebuilds")
        fn = getattr(fn, part)
    return fn


def _typed_values(
    target: Any, args: list[Any], kwargs: dict[str, Any]
) -> tuple[list[Any], dict[str, Any]]:
    """`.values(...)` arguments typed for rendering (see `typed_value`)."""
    table = getattr(target, "table", None)
    if not isinstance(table, TableClause):
        return args, kwargs

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        return {k: typed_value(table, k, v) for k, v in row.items()}

    new_args: list[Any] = []
    for a in args:
        if isinstance(a, dict):
            new_args.append(convert(a))
        elif isinstance(a, list) and all(isinstance(r, dict) for r in a):
            new_args.append([convert(r) for r in a])
        else:
            new_args.append(a)
    return new_args, convert(kwargs)


def typed_value(table: TableClause, key: Any, value: Any) -> Any:
    """A value ready for `literal_binds`.

    JSON columns get the JSON text SQLAlchemy's serializer would have sent (it renders no JSON
    literal itself); untyped columns get the type of the Python value, as the driver would.
    """
    if isinstance(value, ClauseElement) or not isinstance(key, str) or key not in table.c:
        return value
    column_type = table.c[key].type
    if isinstance(column_type, sa.JSON):
        return sa.literal(json.dumps(value), sa.String())
    if isinstance(column_type, sa.types.NullType) and not isinstance(value, (dict, list)):
        return sa.literal(value)
    return value


def compile_sql(statement: ClauseElement, dialect: Dialect) -> str:
    """The statement as SQL with every value inlined, or NotMovable with SQLAlchemy's reason."""
    try:
        return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except (sa.exc.SQLAlchemyError, TypeError, ValueError, NotImplementedError) as exc:
        message = str(exc).split("\n", 1)[0]
        raise NotMovable(f"it cannot be rendered exactly: {message}") from None


def render_core(node: ast.expr, scope: Scope, dialect: str) -> list[str]:
    """The SQL of an executed insert/update/delete construct."""
    rebuilder = Rebuilder(scope)
    return [_for_psql(compile_sql(rebuilder.statement(node), dialect_for(dialect)), dialect)]


def _for_psql(sql: str, dialect: str) -> str:
    """The rendered SQL, unless psql would not send it as it is (a `text()` part, a NUL)."""
    hazard = statement_hazard(sql, dialect)
    if hazard is not None:
        raise NotMovable(hazard)
    return sql


def render_bulk_insert(call: ast.Call, scope: Scope, dialect: str) -> list[str]:
    """One INSERT per row of `op.bulk_insert(table, [ {...}, ... ])`, as Alembic's offline mode."""
    if len(call.args) != 2 or any(k.arg != "multiinsert" for k in call.keywords):
        raise NotMovable("op.bulk_insert() is not called as bulk_insert(table, rows)")
    rebuilder = Rebuilder(scope)
    table = rebuilder.table(call.args[0])
    rows = rebuilder.eval(call.args[1])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise NotMovable("the rows are not a literal list of dicts")
    if not rows:
        raise NotMovable("the rows list is empty")
    out = []
    target = dialect_for(dialect)
    for row in rows:
        if not all(isinstance(k, str) for k in row):
            raise NotMovable("a row has a key that is not a column name")
        unknown = [k for k in row if k not in table.c]
        if unknown:
            raise NotMovable(
                f"column {unknown[0]} is not defined on table {table.name} in this file"
            )
        values = {k: typed_value(table, k, v) for k, v in row.items()}
        out.append(_for_psql(compile_sql(sa.insert(table).values(values), target), dialect))
    return out


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


__all__ = ["dialect_for", "render_bulk_insert", "render_core"]
