"""Abstract evaluation: what an expression may be (SQL text, a connection, a Core construct...).

Knows the few APIs that matter: Alembic's `op` and `context`, SQLAlchemy connections, `text()`,
Core `insert/update/delete/select`, ORM sessions, Flask-SQLAlchemy's `db.session`, and the
string operations migrations build SQL with (`+`, `%`, `.format`, f-strings, `textwrap.dedent`).
Names are followed to their assignments (see `scope`), parameters of local helpers to the
arguments of their call sites, local functions to their return values. Results are memoised per
node, and a node being evaluated evaluates to Unknown if reached again (recursion).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from ddlguard.analysis import peewee
from ddlguard.analysis.reach import root_phase
from ddlguard.analysis.scope import END, Binding, Ctx, Index, Scope
from ddlguard.analysis.values import (
    CONN,
    CONTEXT,
    MAX_ALTERNATIVES,
    OP,
    SA_OTHER,
    SESSION,
    SESSION_FACTORY,
    TABLES,
    UNKNOWN,
    Api,
    ClassRef,
    CoreDml,
    CoreSelect,
    FunctionRef,
    Mapping,
    Method,
    Module,
    Num,
    PeeweeQuery,
    PeeweeRow,
    Seq,
    Table,
    Text,
    TextClause,
    Unknown,
    Value,
    as_text,
    brace_format,
    format_value,
    limit,
    percent_format,
)
from ddlguard.sql import HOLE

Values = tuple[Value, ...]

CONN_PARAMS = frozenset(
    {"connection", "conn", "bind", "connectable", "engine", "db_conn", "cx", "cursor"}
)
SESSION_PARAMS = frozenset({"session", "db_session", "sess", "orm_session"})
_SA_ROOTS = frozenset({"sqlalchemy", "sqlmodel"})
_CONN_METHODS = frozenset(
    {"connect", "begin", "begin_nested", "cursor", "execution_options", "get_bind", "connection"}
)
_CONN_ATTRS = frozenset({"connection", "engine", "bind", "driver_connection", "dbapi_connection"})
_SELECT_EXITS = frozenset(
    {"subquery", "cte", "scalar_subquery", "alias", "exists", "label", "as_scalar", "compile"}
)
_TEXT_CHAIN = frozenset({"bindparams", "params", "execution_options", "columns", "compile"})
_STR_METHODS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "lstrip": str.lstrip,
    "rstrip": str.rstrip,
    "upper": str.upper,
    "lower": str.lower,
}


class Evaluator:
    def __init__(self, index: Index, *, peewee_models: bool = False) -> None:
        self.index = index
        self.peewee = peewee_models  # the file imports peewee: its models are read (`peewee`)
        self._memo: dict[int, Values] = {}
        self._active: set[int] = set()
        self._call_sites: dict[int, list[ast.Call]] | None = None

    # -- entry points ----------------------------------------------------------------------

    def eval(self, node: ast.expr) -> Values:
        return self._memoized(id(node), self._eval, node)

    def _memoized(
        self, key: int, compute: Callable[..., list[Value] | tuple[Value, ...]], *args: Any
    ) -> Values:
        """`compute(*args)` once per key; a key met again while being computed is recursive."""
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if key in self._active:
            return (Unknown("defined recursively"),)
        self._active.add(key)
        try:
            result = limit(compute(*args))
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def ctx(self, node: ast.AST) -> Ctx | None:
        return self.index.ctx_of(node)

    def name_values(self, name: str, ctx: Ctx, pos: tuple[int, int]) -> Values:
        bindings = self.index.reaching(ctx.scope, name, pos, ctx.chain)
        if not bindings:
            return (_builtin(name),)
        return limit([v for b in bindings for v in self._binding(b, name, ctx.scope)])

    def function_scope(self, values: Iterable[Value]) -> list[Scope]:
        return [self.index.scopes[v.scope_id] for v in values if isinstance(v, FunctionRef)]

    # -- expressions -----------------------------------------------------------------------

    def _eval(self, node: ast.expr) -> list[Value]:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return [Text(node.value)]
            if isinstance(node.value, (int, float, bool)):
                return [Num(node.value)]
            return [UNKNOWN]
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.Name):
            ctx = self.ctx(node)
            if ctx is None:
                return [UNKNOWN]
            return list(self.name_values(node.id, ctx, (node.lineno, node.col_offset)))
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node.op, self.eval(node.left), node.right)
        if isinstance(node, ast.IfExp):
            return [*self.eval(node.body), *self.eval(node.orelse)]
        if isinstance(node, ast.BoolOp):
            return [v for value in node.values for v in self.eval(value)]
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return [UNKNOWN]
            return [Seq(tuple(self.eval(e) for e in node.elts))]
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            if not all(isinstance(k, str) for k in keys):
                return [UNKNOWN]
            values = tuple(self.eval(v) for v in node.values)
            return [Mapping(tuple(str(k) for k in keys), values)]
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return list(self.eval(node.value))
        return [UNKNOWN]

    def _fstring(self, node: ast.JoinedStr) -> list[Value]:
        pieces: list[list[str]] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces.append([part.value])
            elif isinstance(part, ast.FormattedValue):
                spec = _static_spec(part.format_spec)
                if spec is None:
                    pieces.append([HOLE])
                else:
                    pieces.append(
                        list(
                            dict.fromkeys(
                                format_value(v, part.conversion, spec)
                                for v in self.eval(part.value)
                            )
                        )
                    )
            else:
                pieces.append([HOLE])
        return _product(pieces)

    def _binop(self, op: ast.operator, left: Values, right_node: ast.expr) -> list[Value]:
        if isinstance(op, ast.Add):
            right = self.eval(right_node)
            if not any(isinstance(v, Text) for v in (*left, *right)):
                return [UNKNOWN]
            return [Text(as_text(a) + as_text(b)) for a in left for b in right]
        if isinstance(op, ast.Mod) and any(isinstance(v, Text) for v in left):
            positional: list[str] | None
            named: dict[str, str] | None = None
            if isinstance(right_node, ast.Tuple):
                positional = [self._single_text(e) for e in right_node.elts]
            elif isinstance(right_node, ast.Dict):
                positional = None
                named = {}
                for k, v in zip(right_node.keys, right_node.values, strict=True):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        named[k.value] = self._single_text(v)
            else:
                positional = [self._single_text(right_node)]
            return [
                Text(percent_format(v.text, positional, named)) if isinstance(v, Text) else UNKNOWN
                for v in left
            ]
        return [UNKNOWN]

    def _subscript(self, node: ast.Subscript) -> list[Value]:
        """`metadata.tables["users"]` is the table users; items of literal sequences are followed."""
        key = node.slice
        tables = isinstance(node.value, ast.Attribute) and node.value.attr == "tables"
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            if tables or TABLES in self.eval(node.value):
                return [Table(key.value)]
            found: list[Value] = []
            for mapping in self.eval(node.value):
                if not isinstance(mapping, Mapping) or key.value not in mapping.keys:
                    return [UNKNOWN]
                # the last of repeated keys wins, as in Python
                at = len(mapping.keys) - 1 - mapping.keys[::-1].index(key.value)
                found.extend(mapping.values[at])
            return found
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, int)
            and not isinstance(key.value, bool)
        ):
            out: list[Value] = []
            for seq in self.eval(node.value):
                if isinstance(seq, Seq) and -len(seq.items) <= key.value < len(seq.items):
                    out.extend(seq.items[key.value])
                else:
                    out.append(UNKNOWN)
            return out
        return [UNKNOWN]

    def _single_text(self, node: ast.expr) -> str:
        values = self.eval(node)
        return as_text(values[0]) if len(values) == 1 else HOLE

    def _attribute(self, node: ast.Attribute) -> list[Value]:
        attr = node.attr
        if isinstance(node.value, ast.Name) and node.value.id in ("db", "database"):
            if attr == "session":
                return [SESSION]
            if attr == "engine":
                return [CONN]
        out: list[Value] = []
        for base in self.eval(node.value):
            if isinstance(base, ClassRef):
                out.extend(self._class_attribute(base.scope_id, attr))
            elif isinstance(base, Unknown) and isinstance(node.value, ast.Name):
                out.extend(self._self_attribute(node.value, attr))
            else:
                out.append(_attribute_of(base, attr))
        return out

    def _class_attribute(self, class_id: int, attr: str) -> list[Value]:
        """`Queries.UPDATE`: what the class body assigns to it (and its methods to `self.x`)."""
        body = self.index.scopes[class_id]
        bindings = body.bindings.get(attr)
        if bindings:
            return [v for b in self.index.reaching(body, attr, END, ()) for v in
                    self._binding(b, attr, body)]  # fmt: skip
        assigned = self.index.instance_attrs.get((class_id, attr))
        if assigned:
            return [v for value in assigned for v in self.eval(value)]
        return [Unknown(f"an attribute of {body.name}")]

    def _self_attribute(self, name: ast.Name, attr: str) -> list[Value]:
        """`self.sql` in a method: what the class assigns to `sql`, when that is known."""
        ctx = self.ctx(name)
        function = ctx.scope.function if ctx is not None else None
        if function is None or function.klass < 0 or name.id != function.self_name:
            return [UNKNOWN]
        if name.id in function.bindings and any(
            b.kind != "param" for b in function.bindings[name.id]
        ):
            return [UNKNOWN]  # `self` rebound: not the instance any more
        return self._class_attribute(function.klass, attr)

    # -- calls -----------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> list[Value]:
        func = node.func
        if isinstance(func, ast.Attribute):
            if (
                func.attr == "session"
                and isinstance(func.value, ast.Name)
                and func.value.id in ("db", "database")
            ):
                return [SESSION]  # Flask-SQLAlchemy 2: `db.session()`
            out: list[Value] = []
            for receiver in self.eval(func.value):
                out.extend(self._method(node, receiver, func.attr))
            return out
        out = []
        for callee in self.eval(func):
            out.extend(self._call_value(node, callee))
        return out

    def _method(self, node: ast.Call, receiver: Value, name: str) -> list[Value]:
        if self.peewee:
            found = self._peewee_method(receiver, name)
            if found is not None:
                return found
        if isinstance(receiver, Module):
            return self._call_value(node, _attribute_of(receiver, name))
        if receiver in (OP, CONTEXT):
            if name == "get_bind":
                return [CONN]
            if name == "create_table" and receiver == OP and node.args:
                return [Table(self.table_name(node.args[0]))]  # it returns the Table
            if name == "batch_alter_table" and receiver == OP:
                return [OP]  # `with op.batch_alter_table(...) as batch_op: batch_op.execute(...)`
            return [CONTEXT] if name == "get_context" else [SA_OTHER]
        if receiver == CONN:
            return [CONN] if name in _CONN_METHODS else [Unknown("a query result")]
        if receiver == SESSION:
            return [CONN] if name in ("connection", "get_bind") else [Unknown("a query result")]
        if receiver == SESSION_FACTORY:
            return [SESSION] if name == "begin" else [UNKNOWN]
        if isinstance(receiver, TextClause):
            if name in _TEXT_CHAIN:
                bound = receiver.bound or (
                    name in ("bindparams", "params") and bool(node.args or node.keywords)
                )
                return [TextClause(receiver.sql, bound)]
            return [UNKNOWN]
        if isinstance(receiver, CoreDml):
            if name == "compile":
                return [UNKNOWN]
            return [CoreDml(receiver.verb, receiver.table, span(node))]
        if isinstance(receiver, CoreSelect):
            if name in _SELECT_EXITS:
                return [SA_OTHER]
            return [CoreSelect(receiver.locking or name == "with_for_update", receiver.table)]
        if isinstance(receiver, Text):
            return self._str_method(node, receiver, name)
        if isinstance(receiver, Mapping) and not node.args:
            if name == "values":
                return [Seq(receiver.values)]
            if name == "keys":
                return [Seq(tuple((Text(k),) for k in receiver.keys))]
            if name == "items":
                pairs = zip(receiver.keys, receiver.values, strict=True)
                return [Seq(tuple((Seq(((Text(k),), v)),) for k, v in pairs))]
        if receiver in (SA_OTHER, OP):
            return [SA_OTHER]
        if name in ("insert", "update", "delete") and not node.args:
            # `t.update()` on a table we cannot see (a model's __table__, a parameter):
            # only a finding when something executes it, so reading it as Core is safe
            table = receiver.name if isinstance(receiver, Table) else describe(node.func)
            return [CoreDml(name.upper(), table, span(node))]
        if name == "select" and (isinstance(receiver, Table) or not node.args):
            # `t.select()` on any table, also one handed in as a parameter: read only when
            # something executes it
            assert isinstance(node.func, ast.Attribute)
            table = receiver.name if isinstance(receiver, Table) else describe(node.func.value)
            return [CoreSelect(table=table)]
        return [Unknown(f"the result of {describe(node.func)}()")]

    def model_name(self, value: Value) -> str | None:
        """The peewee model `value` is, in a file that imports peewee."""
        return peewee.model_name(value, self.eval, self.index.scopes) if self.peewee else None

    def _peewee_method(self, receiver: Value, name: str) -> list[Value] | None:
        """peewee queries are built by the model's class methods and chained calls."""
        if isinstance(receiver, PeeweeQuery):
            if name in peewee.CHAIN:
                return [receiver]
            if name in ("get", "first", "peek") and not receiver.write:
                return [PeeweeRow(receiver.model)]
            return [Unknown("a query result")]
        if isinstance(receiver, PeeweeRow):
            return [Unknown("a query result")]
        model = self.model_name(receiver)
        if model is None:
            return None
        if name in peewee.WRITE_QUERIES:
            return [PeeweeQuery(peewee.WRITE_QUERIES[name], model, True)]
        if name == peewee.SELECT:
            return [PeeweeQuery("SELECT", model, False)]
        if name in ("get", "get_or_none", "get_by_id", "create"):
            return [PeeweeRow(model)]
        return None

    def _str_method(self, node: ast.Call, receiver: Text, name: str) -> list[Value]:
        if name in _STR_METHODS and not node.args:
            return [Text(_STR_METHODS[name](receiver.text))]
        if name == "format":
            positional = [self._one(a) for a in node.args]
            named = {k.arg: self._one(k.value) for k in node.keywords if k.arg}
            if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords
            ):
                return [Text(brace_format(receiver.text, [], {}))]
            return [Text(brace_format(receiver.text, positional, named))]
        if name == "replace" and len(node.args) == 2:
            old, new = self._one(node.args[0]), self._one(node.args[1])
            if isinstance(old, Text) and isinstance(new, Text):
                return [Text(receiver.text.replace(old.text, new.text))]
        if name == "join" and len(node.args) == 1:
            out: list[Value] = []
            for seq in self.eval(node.args[0]):
                if isinstance(seq, Seq):
                    combos = _combos([[as_text(v) for v in item] for item in seq.items])
                    out.extend(Text(receiver.text.join(c)) for c in combos)
                else:
                    out.append(Text(HOLE))
            return out
        return [UNKNOWN]

    def _one(self, node: ast.expr) -> Value:
        values = self.eval(node)
        return values[0] if len(values) == 1 else UNKNOWN

    def _call_value(self, node: ast.Call, callee: Value) -> list[Value]:
        if isinstance(callee, Module):
            return self._call_module(node, callee)
        if isinstance(callee, Method):
            return self._method(node, callee.api, callee.name)
        model = self.model_name(callee)
        if model is not None:
            return [PeeweeRow(model)]  # `Model(...)`: an instance, saved by `.save()`
        if callee in (SESSION_FACTORY, SESSION):
            return [SESSION]
        if isinstance(callee, FunctionRef):
            scope = self.index.scopes[callee.scope_id]
            if scope.yields:  # a generator: iterating its result gives what it yields
                return [Seq((limit([v for y in scope.yields for v in self.eval(y)]),))]
            if not scope.returns:
                return [Unknown(f"the result of {scope.name or 'a function'}()")]
            return [v for r in scope.returns for v in self.eval(r)]
        if isinstance(callee, Unknown) and callee.why == "builtin list" and len(node.args) == 1:
            # `list(query)`, `tuple(rows)`: the same items
            return [v for v in self.eval(node.args[0]) if isinstance(v, (Seq, PeeweeQuery))] or [
                Unknown(f"the result of {describe(node.func)}()")
            ]
        if isinstance(callee, Unknown) and callee.why == "builtin str":
            return (
                [_to_text(v) for v in self.eval(node.args[0])] if len(node.args) == 1 else [UNKNOWN]
            )
        if callee == SA_OTHER:
            return [SA_OTHER]
        return [Unknown(f"the result of {describe(node.func)}()")]

    def _call_module(self, node: ast.Call, callee: Module) -> list[Value]:
        root, last, path = callee.root, callee.last, callee.path
        first = node.args[0] if node.args else None
        if root in _SA_ROOTS:
            if last in ("text", "DDL"):
                sql = node.args[0] if node.args else _keyword(node, "text", "statement")
                if sql is None:
                    return [UNKNOWN]
                texts = tuple(
                    v if isinstance(v, Text) else Unknown(_unreadable(v)) for v in self.eval(sql)
                )
                return [TextClause(texts)]
            if last in ("insert", "update", "delete"):
                table = self.table_name(first) if first is not None else "?"
                return [CoreDml(last.upper(), table, span(node))]
            if last == "select":
                return [CoreSelect(table=self._selected_table(node))]
            if last in ("table", "Table"):
                return [Table(self.table_name(first) if first is not None else "?")]
            if last in ("create_engine", "engine_from_config", "create_async_engine"):
                return [CONN]
            if last in ("Session", "scoped_session", "AsyncSession"):
                return [SESSION]
            if last in ("sessionmaker", "async_sessionmaker"):
                return [SESSION_FACTORY]
            return [SA_OTHER]
        if root == "flask_sqlalchemy":
            return [Module("flask_sqlalchemy.db")]
        if last in ("Session", "session", "scoped_session", "create_scoped_session"):
            return [SESSION]  # the app's `db.Session(bind=...)`, `db.session()`
        if last == "sessionmaker":
            return [SESSION_FACTORY]
        if path in ("textwrap.dedent", "inspect.cleandoc") and first is not None:
            import inspect  # for the few migrations that dedent their SQL
            import textwrap

            fn = textwrap.dedent if last == "dedent" else inspect.cleandoc
            return [Text(fn(v.text)) if isinstance(v, Text) else v for v in self.eval(first)]
        if root == "alembic":
            if path.endswith(".get_bind"):
                return [CONN]
            return [SA_OTHER]
        model = self.model_name(callee)
        if model is not None:
            return [PeeweeRow(model)]  # `Order(...)` of a model imported from the application
        return [Unknown(f"the result of {path}()")]

    def _selected_table(self, node: ast.Call) -> str:
        """`sa.select(users.c.id)`, `sa.select(users)`: the table of the first column or table."""
        if not node.args:
            return ""
        root: ast.expr = node.args[0]
        while isinstance(root, (ast.Attribute, ast.Call)):
            root = root.value if isinstance(root, ast.Attribute) else root.func
        tables = [v.name for v in self.eval(root) if isinstance(v, Table)]
        return tables[0] if tables else ""

    def table_name(self, node: ast.expr) -> str:
        for value in self.eval(node):
            if isinstance(value, Table):
                return value.name
            if isinstance(value, Text) and value.static:
                return value.text
        return describe(node)

    # -- names -----------------------------------------------------------------------------

    def _binding(self, b: Binding, name: str, scope: Scope) -> Values:
        return self._memoized(id(b), self._binding_values, b, name, scope)

    def _binding_values(self, b: Binding, name: str, scope: Scope) -> list[Value]:
        if b.kind == "import":
            return [module(b.path)]
        if b.kind == "def":
            return [FunctionRef(b.scope_id)]
        if b.kind == "class":
            return [ClassRef(b.scope_id)]
        if b.kind in ("assign", "with") and b.value is not None:
            if b.item is not None:
                if isinstance(b.value, (ast.Tuple, ast.List)) and len(b.value.elts) > b.item:
                    return list(self.eval(b.value.elts[b.item]))
                return [UNKNOWN]
            if isinstance(b.value, ast.List) and name in scope.grows:
                return [self._grown(b, name, scope)]
            return list(self.eval(b.value))
        if b.kind == "aug" and b.value is not None and b.op is not None:
            ctx = Ctx(scope, None, b.chain)
            return self._binop(b.op, self.name_values(name, ctx, b.before), b.value)
        if b.kind == "iter" and b.value is not None:
            out: list[Value] = []
            for seq in self.eval(b.value):
                if isinstance(seq, PeeweeQuery) and not seq.write:
                    out.append(PeeweeRow(seq.model))
                elif isinstance(seq, Mapping) and b.item is None:
                    out.extend(Text(k) for k in seq.keys)  # iterating a dict gives its keys
                elif isinstance(seq, Seq) and seq.items:
                    for item in seq.items:
                        out.extend(item if b.item is None else _unpacked(item, b.item))
                else:  # not a literal sequence, or one filled some way we do not follow
                    out.append(Unknown("a loop variable"))
            return out
        if b.kind == "param":
            return self._param(name, scope)
        return [UNKNOWN]

    def _grown(self, b: Binding, name: str, scope: Scope) -> Value:
        """`rows = [...]` then `rows.append(x)` / `.extend([...])` after it in the function:
        the literal's items and every item added (an `extend` of anything else is unknown)."""
        assert isinstance(b.value, ast.List)
        seq = self.eval(b.value)
        items = list(seq[0].items) if len(seq) == 1 and isinstance(seq[0], Seq) else []
        for call in scope.grows[name]:
            assert isinstance(call.func, ast.Attribute)  # as `Scope.grows` records them
            if (call.lineno, call.col_offset) < b.pos or not call.args:
                continue
            if call.func.attr != "extend":
                items.append(self.eval(call.args[-1]))
                continue
            for grown in self.eval(call.args[0]):
                items.extend(
                    grown.items if isinstance(grown, Seq) else [(Unknown("a loop variable"),)]
                )
        return Seq(tuple(items))

    def _param(self, name: str, scope: Scope) -> list[Value]:
        out: list[Value] = []
        if name in CONN_PARAMS:
            out.append(CONN)
        elif name in SESSION_PARAMS:
            out.append(SESSION)
        elif name in _HANDED_IN and root_phase(scope) is not None:
            # `def upgrade(op, tables, tester)`: a project's own runner hands Alembic's op in
            out.append(_HANDED_IN[name])
        param = scope.params.get(name)
        sites = self.call_sites().get(scope.id, [])
        if param is None or param.star or not sites:
            return out or [Unknown("a parameter")]
        for call in sites:
            arg = _argument(call, name, param.position)
            if arg is None and param.default is not None:
                arg = param.default
            if arg is None or (isinstance(arg, ast.Starred)):
                out.append(Unknown("a parameter"))
            else:
                out.extend(self.eval(arg))
        return out

    def call_sites(self) -> dict[int, list[ast.Call]]:
        """Calls `f(...)` of each function defined in the file, by the function's scope id."""
        if self._call_sites is None:
            sites: dict[int, list[ast.Call]] = {}
            self._call_sites = sites
            for call in self.index.calls:
                func = call.func
                if isinstance(func, ast.Name) and func.id in self.index.def_names:
                    ctx = self.ctx(func)
                    if ctx is None:
                        continue
                    for b in self.index.reaching(
                        ctx.scope, func.id, (func.lineno, func.col_offset), ctx.chain
                    ):
                        if b.kind == "def":
                            sites.setdefault(b.scope_id, []).append(call)
        return self._call_sites


_HANDED_IN: dict[str, Value] = {"op": OP, "tables": TABLES}


def _unpacked(item: tuple[Value, ...], place: int) -> list[Value]:
    """The `place`-th name of `for a, b in ...` for one item: known when the item is literal."""
    out: list[Value] = []
    for value in item:
        if isinstance(value, Seq) and place < len(value.items):
            out.extend(value.items[place])
        else:
            out.append(Unknown("a loop variable"))
    return out


def module(path: str) -> Value:
    """An imported name by its dotted path; Alembic's `op` and `context` are known objects."""
    if path in ("alembic.op", "alembic.context"):
        return OP if path.endswith("op") else CONTEXT
    return Module(path)


def _attribute_of(base: Value, attr: str) -> Value:
    """`base.attr` for the objects the detector knows."""
    if isinstance(base, Module):
        if base.root not in _SA_ROOTS and base.root != "alembic":
            # Flask-SQLAlchemy's `db.session` / `db.engine`, db imported from the app
            if attr == "session":
                return SESSION
            if attr == "engine" and base.last in ("db", "database"):
                return CONN
        return module(f"{base.path}.{attr}")
    if base == CONTEXT and attr in ("bind", "connection"):
        return CONN
    if base in (CONN, SESSION) and attr in _CONN_ATTRS:
        return CONN
    if base == SA_OTHER:
        return SA_OTHER
    if base == TABLES:
        return Table(attr)
    if isinstance(base, Api) and base.kind in ("op", "context", "conn", "session"):
        return Method(base, attr)  # `run = op.execute`: called later
    return UNKNOWN


def span(node: ast.expr) -> tuple[int, int, int, int]:
    """A node's full extent: chained calls share their start, never their end."""
    return (node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)


def _builtin(name: str) -> Value:
    if name == "str":
        return Unknown("builtin str")
    if name in ("list", "tuple", "sorted"):
        return Unknown("builtin list")
    return Unknown(f"{name} is not defined in this file")


def _to_text(value: Value) -> Value:
    if isinstance(value, Num):
        return Text(str(value.value))
    return value if isinstance(value, Text) else UNKNOWN


def _unreadable(value: Value) -> str:
    return value.why if isinstance(value, Unknown) else "not a string"


def _static_spec(spec: ast.expr | None) -> str | None:
    if spec is None:
        return ""
    if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
        return "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
    return None


def _combos(pieces: list[list[str]]) -> list[tuple[str, ...]]:
    """Every combination of the pieces' alternatives; too many and the varying pieces are HOLEs."""
    total = 1
    for p in pieces:
        total *= len(p)
    if total > MAX_ALTERNATIVES:
        pieces = [p if len(p) == 1 else [HOLE] for p in pieces]
    return list(itertools.product(*pieces))


def _product(pieces: list[list[str]]) -> list[Value]:
    return [Text("".join(combo)) for combo in _combos(pieces)]


def _argument(call: ast.Call, name: str, index: int | None) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    if index is not None and index < len(call.args):
        if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return None
        return call.args[index]
    return None


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def describe(node: ast.expr) -> str:
    """A short source form of an expression, for messages: `users_table`, `User.__table__`."""
    target = (
        node.value
        if isinstance(node, ast.Attribute) and node.attr in ("insert", "update", "delete")
        else node
    )
    text = ast.unparse(target)
    return text if len(text) <= 60 else text[:57] + "..."
