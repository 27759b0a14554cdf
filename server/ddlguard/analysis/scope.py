"""One pass over a module: scopes, the bindings of each name, and where every node sits.

The evaluator follows names to their assignments. A name assigned in several branches carries
every value, so lookups are "reaching definitions, roughly": walk back through the bindings
made before the use, keep each, and stop at the first one that dominates the use (made in the
same block or an enclosing one). Conditional blocks (if/else, loops, except, match) get their
own key in a binding's block chain; `with` and `try` bodies are transparent.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterable
from typing import NamedTuple

from ddlguard.analysis.prescan import hot_lines, normalise

Pos = tuple[int, int]
Chain = tuple[tuple[int, str], ...]

# Below this many characters the text pre-check costs more than the walk it saves (measured
# on the benchmark corpus: even at ~1,000 characters, 50 vs 57 µs per file).
DEFER_FROM = 1000
# `index_mentions` searches the text this many times at most, then walks everything left.
MENTION_SEARCHES = 8
END: Pos = (1 << 30, 0)
_GROWS = frozenset({"append", "extend", "insert"})
START: Pos = (0, 0)
# what `from M import *` binds that the detector follows, for Alembic's modules
STAR_NAMES = {
    "alembic": ("op", "context"),
    "alembic.op": ("execute", "bulk_insert", "get_bind", "get_context"),
    "alembic.context": ("execute", "get_bind", "get_context"),
}


class Binding(NamedTuple):
    """`name` gets a value at `pos` (visible from there on) inside the block `chain`.

    kind: assign (value, item: the name's place in a tuple target) | aug (op, value, before) |
    with (value) | iter (value: the iterable; item: the name's place in a tuple target) |
    import (path) | def (scope id) | class (scope id of its body) | param | unknown
    """

    kind: str
    pos: Pos
    chain: Chain
    value: ast.expr | None = None
    item: int | None = None
    path: str = ""
    op: ast.operator | None = None
    before: Pos = START
    scope_id: int = -1


class Param(NamedTuple):
    """A function parameter: its position, default, and whether it is `*args`/`**kwargs`."""

    position: int | None  # positional index, None for keyword-only
    default: ast.expr | None
    star: bool = False  # *args / **kwargs


class Scope:
    """A module, function, lambda or class body: its bindings, parameters, returns and reads.

    A plain class (never compared or copied): a dataclass costs ~3 M instructions to create,
    a measurable share of a one-file check's start-up (docs/performance.md).
    """

    __slots__ = (
        "bindings",
        "grows",
        "id",
        "kind",
        "klass",
        "loads",
        "name",
        "node",
        "params",
        "parent",
        "returns",
        "self_name",
        "yields",
    )

    def __init__(
        self, id: int, node: ast.AST, name: str | None, parent: Scope | None, kind: str
    ) -> None:
        self.id = id
        self.node = node
        self.name = name  # the function's name; None for the module, lambdas keep their owner's
        self.parent = parent
        self.kind = kind  # module | function | lambda | class
        self.bindings: dict[str, list[Binding]] = {}
        self.params: dict[str, Param] = {}
        self.returns: list[ast.expr] = []
        self.loads: set[str] = set()
        self.yields: list[ast.expr] = []  # `yield x` statements: a generator
        # `name.append(x)` / `.extend(x)` / `.insert(i, x)` statements: what a list built up holds
        self.grows: dict[str, list[ast.Call]] = {}
        # a method's class body scope id and the name of its `self` parameter
        self.klass = -1
        self.self_name = ""

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    @property
    def function(self) -> Scope | None:
        """The innermost `def` holding this scope (lambdas belong to their owner)."""
        scope: Scope | None = self
        while scope is not None and scope.kind in ("lambda", "class"):
            scope = scope.parent
        return scope if scope is not None and scope.kind == "function" else None


class Ctx(NamedTuple):
    """Where an expression node sits: its scope, innermost statement and block chain."""

    scope: Scope
    stmt: ast.stmt | None
    chain: Chain


# an expression met by the statement pass: node, scope, statement, chain, parent, deferrable
_Root = tuple[ast.expr, Scope, ast.stmt | None, Chain, ast.AST, bool]


def _span(node: ast.expr) -> tuple[int, int, int, int]:
    return (node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)


class Index:
    """Scopes, bindings, parents and the calls of a module.

    One pass over the statements records scopes and bindings; the expressions are walked
    after it. Given the source and the detector's method names, the value of a simple
    statement (`op.create_table(...)`, `x = ...`, `return ...`) whose lines `prescan` finds
    nothing on is walked only when a lookup (`ctx_of`, `parent_of`, `call_at`,
    `index_mentions`) needs one of its nodes: the answers are the same as with a full walk,
    most of which a migration never needs. `calls` then holds only the calls the detector
    looks at: those of a method in `methods` (or starting with one of `prefixes`) and those of
    a name defined or imported in the module.
    """

    def __init__(
        self,
        tree: ast.Module,
        source: str | None = None,
        *,
        methods: frozenset[str] | None = None,
        prefixes: tuple[str, ...] = (),
    ) -> None:
        self.module = Scope(0, tree, None, None, "module")
        self.scopes: list[Scope] = [self.module]
        self.ctx: dict[int, Ctx] = {}
        self.parent: dict[int, ast.AST] = {}
        self.calls: list[ast.Call] = []
        self.def_names: set[str] = set()
        self.imported_names: set[str] = set()  # names bound by an import anywhere
        self.alias_names: set[str] = set()  # names assigned a method: `run = op.execute`
        # `self.x = value` in a method, by (class body scope id, attribute)
        self.instance_attrs: dict[tuple[int, str], list[ast.expr]] = {}
        self.version = 0  # bumped each time a deferred expression is walked
        self._methods = methods
        self._prefixes = prefixes
        self._callees: set[str] = set()
        self._text = ""
        self._pending: list[_Root] | None = []
        self._deferred: list[_Root | None] = []
        self._deferred_starts: list[Pos] = []
        self._deferred_left = 0
        self._all_calls: list[ast.Call] = []
        self._by_span: dict[tuple[int, int, int, int], ast.Call] = {}
        self._by_span_count = 0
        self._mentioned: set[str] = set()
        self._mention_searches = 0
        self._body(tree.body, self.module, ())
        self._walk_pending(source)
        self.calls.sort(key=lambda c: (c.lineno, c.col_offset))
        for scope in self.scopes:
            for bindings in scope.bindings.values():
                bindings.sort(key=lambda b: b.pos)

    def _walk_pending(self, source: str | None) -> None:
        """Walk the expressions the statement pass met, in their order, or defer them."""
        pending, self._pending = self._pending or [], None
        self._callees = self.def_names | self.imported_names | self.alias_names
        hot: bytearray | None = None
        if source is not None and self._methods is not None and len(source) >= DEFER_FROM:
            self._text = normalise(source)
            hot = hot_lines(
                self._text,
                words=[*self._methods, *self.def_names, *self.alias_names],
                prefixes=self._prefixes,
                callees=self.imported_names,
            )
        deferred, starts = self._deferred, self._deferred_starts
        for root in pending:
            node = root[0]
            if type(node) is ast.Constant:
                continue  # a docstring: nothing to record
            if (
                root[5]
                and hot is not None
                and hot.find(1, node.lineno, (node.end_lineno or node.lineno) + 1) < 0
            ):
                deferred.append(root)
                starts.append((node.lineno, node.col_offset))
                self._deferred_left += 1
            else:
                self._walk(root[0], root[1], root[2], root[3], root[4])

    # -- lookups -------------------------------------------------------------------------

    def reaching(self, scope: Scope, name: str, pos: Pos, chain: Chain) -> list[Binding]:
        """The bindings of `name` that may hold its value at `pos`, through enclosing scopes."""
        current: Scope | None = scope
        while current is not None:
            bindings = current.bindings.get(name)
            if bindings:
                out: list[Binding] = []
                for b in reversed(bindings):
                    if b.pos <= pos:
                        out.append(b)
                        if chain[: len(b.chain)] == b.chain:
                            break
                return out or list(bindings)
            # enclosing scopes are read when the function runs: after all their bindings
            current = current.parent
            while current is not None and current.kind == "class":
                current = current.parent
            pos, chain = END, ()
        return []

    def ctx_of(self, node: ast.AST) -> Ctx | None:
        """Where an expression node sits (names and calls only), walking it first if deferred."""
        found = self.ctx.get(id(node))
        if found is None and self._deferred_left:
            self._walk_deferred_for(node)
            found = self.ctx.get(id(node))
        return found

    def parent_of(self, node: ast.AST) -> ast.AST | None:
        found = self.parent.get(id(node))
        if found is None and self._deferred_left:
            self._walk_deferred_for(node)
            found = self.parent.get(id(node))
        return found

    def call_at(self, where: tuple[int, int, int, int]) -> ast.Call | None:
        """The call with exactly this extent (`evaluate.span`)."""
        found = self._calls_by_span().get(where)
        if found is None and self._deferred_left:
            if not self._walk_deferred_at((where[0], where[1])):
                self._walk_all_deferred()
            found = self._calls_by_span().get(where)
        return found

    def _calls_by_span(self) -> dict[tuple[int, int, int, int], ast.Call]:
        """Every walked call by its extent, extended as deferred values are walked (a rebuild
        per lookup would make many Core constructs quadratic)."""
        calls, by_span = self._all_calls, self._by_span
        for call in calls[self._by_span_count :]:
            if by_span.setdefault(_span(call), call) is not call:
                # two calls with one extent (positions that lie): the last in source order wins
                ordered = sorted(calls, key=lambda c: (c.lineno, c.col_offset))
                self._by_span = by_span = {_span(c): c for c in ordered}
                break
        self._by_span_count = len(calls)
        return by_span

    def index_mentions(self, names: Iterable[str]) -> None:
        """Walk the deferred values that may read one of `names` (exact `Scope.loads`).

        A name is looked for once (what still waits does not mention it); after a few
        searches everything is walked, so a file full of assignments stays linear.
        """
        todo = [name for name in names if name not in self._mentioned]
        if not self._deferred_left or not todo:
            return
        self._mentioned.update(todo)
        self._mention_searches += 1
        if self._mention_searches > MENTION_SEARCHES:
            self._walk_all_deferred()
            return
        hot = hot_lines(self._text, words=todo, always=False)
        for i, root in enumerate(self._deferred):
            if root is not None:
                node = root[0]
                if hot.find(1, node.lineno, (node.end_lineno or node.lineno) + 1) >= 0:
                    self._walk_deferred(i)

    def _walk_deferred_for(self, node: ast.AST) -> None:
        """Walk the deferred expression holding `node`, found by its position; when that does
        not find it (a node never recorded, or a position that lies), walk all of them."""
        lineno = getattr(node, "lineno", None)
        if (
            lineno is None
            or not self._walk_deferred_at((lineno, getattr(node, "col_offset", 0)))
            or id(node) not in self.parent
        ):
            self._walk_all_deferred()

    def _walk_all_deferred(self) -> None:
        for i, root in enumerate(self._deferred):
            if root is not None:
                self._walk_deferred(i)

    def _walk_deferred_at(self, pos: Pos) -> bool:
        """Walk the deferred expression spanning `pos`, if any (they never overlap)."""
        i = bisect.bisect_right(self._deferred_starts, pos) - 1
        if i < 0:
            return False
        root = self._deferred[i]
        if root is None:
            return False
        node = root[0]
        if pos > (node.end_lineno or node.lineno, node.end_col_offset or 0):
            return False
        self._walk_deferred(i)
        return True

    def _walk_deferred(self, i: int) -> None:
        root = self._deferred[i]
        assert root is not None
        self._deferred[i] = None
        self._deferred_left -= 1
        self._walk(root[0], root[1], root[2], root[3], root[4])
        self.version += 1

    # -- the walk ------------------------------------------------------------------------

    def _new_scope(self, node: ast.AST, name: str | None, parent: Scope, kind: str) -> Scope:
        scope = Scope(len(self.scopes), node, name, parent, kind)
        self.scopes.append(scope)
        return scope

    def _body(self, body: list[ast.stmt], scope: Scope, chain: Chain) -> None:
        for stmt in body:
            self._stmt(stmt, scope, chain)

    def _stmt(self, stmt: ast.stmt, scope: Scope, chain: Chain) -> None:
        expr = self._expr
        # the commonest statements first, by exact type (they cannot be subclassed by parsing)
        if type(stmt) is ast.Expr:
            value = stmt.value
            if (
                type(value) is ast.Call
                and type(value.func) is ast.Attribute
                and value.func.attr in _GROWS
                and type(value.func.value) is ast.Name
            ):
                scope.grows.setdefault(value.func.value.id, []).append(value)
            elif type(value) is ast.Yield and value.value is not None:
                scope.yields.append(value.value)
            expr(value, scope, stmt, chain, stmt, True)
            return
        if type(stmt) is ast.Return:
            if stmt.value is not None:
                scope.returns.append(stmt.value)
                expr(stmt.value, scope, stmt, chain, stmt, True)
            return
        end: Pos = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in [*stmt.decorator_list, *stmt.args.defaults, *stmt.args.kw_defaults]:
                if node is not None:
                    expr(node, scope, stmt, chain, stmt)
            parent = scope.parent if scope.kind == "class" and scope.parent else scope
            inner = self._new_scope(stmt, stmt.name, parent, "function")
            self._params(stmt.args, inner)
            first = [*stmt.args.posonlyargs, *stmt.args.args][:1]
            if scope.kind == "class" and first:
                inner.klass, inner.self_name = scope.id, first[0].arg
            self.def_names.add(stmt.name)
            scope.bind(
                stmt.name, Binding("def", (stmt.lineno, stmt.col_offset), chain, scope_id=inner.id)
            )
            self._body(stmt.body, inner, ())
        elif isinstance(stmt, ast.ClassDef):
            for node in [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]:
                expr(node, scope, stmt, chain, stmt)
            body = self._new_scope(stmt, stmt.name, scope, "class")
            scope.bind(stmt.name, Binding("class", end, chain, scope_id=body.id))
            self._body(stmt.body, body, ())
        elif isinstance(stmt, ast.Assign):
            expr(stmt.value, scope, stmt, chain, stmt, True)
            value = stmt.value
            if (
                type(value) is ast.Attribute
                and self._methods is not None
                and (value.attr in self._methods or value.attr.startswith(self._prefixes))
            ):
                self.alias_names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            for target in stmt.targets:
                self._target(target, stmt.value, scope, stmt, chain, end)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                expr(stmt.value, scope, stmt, chain, stmt, True)
                self._target(stmt.target, stmt.value, scope, stmt, chain, end)
        elif isinstance(stmt, ast.AugAssign):
            expr(stmt.value, scope, stmt, chain, stmt, True)
            if isinstance(stmt.target, ast.Name):
                before = (stmt.lineno, stmt.col_offset)
                scope.bind(
                    stmt.target.id,
                    Binding("aug", end, chain, stmt.value, op=stmt.op, before=before),
                )
            else:
                expr(stmt.target, scope, stmt, chain, stmt)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            expr(stmt.iter, scope, stmt, chain, stmt)
            inner_chain = (*chain, (id(stmt), "body"))
            header_end = (stmt.iter.end_lineno or stmt.lineno, stmt.iter.end_col_offset or 0)
            self._loop_target(stmt.target, stmt.iter, scope, stmt, inner_chain, header_end)
            self._body(stmt.body, scope, inner_chain)
            self._body(stmt.orelse, scope, (*chain, (id(stmt), "orelse")))
        elif isinstance(stmt, (ast.While, ast.If)):
            expr(stmt.test, scope, stmt, chain, stmt)
            self._body(stmt.body, scope, (*chain, (id(stmt), "body")))
            self._body(stmt.orelse, scope, (*chain, (id(stmt), "orelse")))
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                expr(item.context_expr, scope, stmt, chain, stmt)
                var = item.optional_vars
                if isinstance(var, ast.Name):
                    pos = (var.end_lineno or var.lineno, var.end_col_offset or 0)
                    scope.bind(var.id, Binding("with", pos, chain, item.context_expr))
                elif var is not None:
                    self._unknown_targets(var, scope, stmt, chain, end)
            self._body(stmt.body, scope, chain)
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            self._body(stmt.body, scope, chain)
            for i, handler in enumerate(stmt.handlers):
                handler_chain = (*chain, (id(stmt), f"handler{i}"))
                if handler.type is not None:
                    expr(handler.type, scope, stmt, chain, handler)
                if handler.name:
                    scope.bind(
                        handler.name,
                        Binding("unknown", (handler.lineno, handler.col_offset), handler_chain),
                    )
                self._body(handler.body, scope, handler_chain)
            self._body(stmt.orelse, scope, chain)
            self._body(stmt.finalbody, scope, chain)
        elif isinstance(stmt, ast.Match):
            expr(stmt.subject, scope, stmt, chain, stmt)
            for i, case in enumerate(stmt.cases):
                case_chain = (*chain, (id(stmt), f"case{i}"))
                for sub in ast.walk(case.pattern):
                    name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                    if isinstance(name, str):
                        scope.bind(name, Binding("unknown", end, case_chain))
                if case.guard is not None:
                    expr(case.guard, scope, stmt, case_chain, case)
                self._body(case.body, scope, case_chain)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.imported_names.add(alias.asname)
                    scope.bind(alias.asname, Binding("import", end, chain, path=alias.name))
                else:
                    head = alias.name.split(".", 1)[0]
                    self.imported_names.add(head)
                    scope.bind(head, Binding("import", end, chain, path=head))
        elif isinstance(stmt, ast.ImportFrom):
            base = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":  # only Alembic's names matter, and they are known
                    for name in STAR_NAMES.get(base, ()):
                        self.imported_names.add(name)
                        scope.bind(name, Binding("import", end, chain, path=f"{base}.{name}"))
                    continue
                self.imported_names.add(alias.asname or alias.name)
                path = (
                    f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
                )
                scope.bind(alias.asname or alias.name, Binding("import", end, chain, path=path))
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    expr(child, scope, stmt, chain, stmt)
                    if isinstance(stmt, ast.Delete) and isinstance(child, ast.Name):
                        scope.bind(child.id, Binding("unknown", end, chain))

    def _params(self, args: ast.arguments, scope: Scope) -> None:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += list(args.defaults)
        for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
            scope.params[arg.arg] = Param(i, default)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            scope.params[arg.arg] = Param(None, kw_default)
        for star in (args.vararg, args.kwarg):
            if star is not None:
                scope.params[star.arg] = Param(None, None, star=True)
        for name in scope.params:
            scope.bind(name, Binding("param", START, ()))

    def _target(
        self,
        target: ast.expr,
        value: ast.expr,
        scope: Scope,
        stmt: ast.stmt,
        chain: Chain,
        end: Pos,
    ) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding("assign", end, chain, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Name):
                    scope.bind(elt.id, Binding("assign", end, chain, value, item=i))
                else:
                    self._unknown_targets(elt, scope, stmt, chain, end)
        else:
            if (
                isinstance(target, ast.Attribute)
                and scope.self_name
                and isinstance(target.value, ast.Name)
                and target.value.id == scope.self_name
            ):
                self.instance_attrs.setdefault((scope.klass, target.attr), []).append(value)
            self._expr(target, scope, stmt, chain, stmt)

    def _loop_target(
        self,
        target: ast.expr,
        iterable: ast.expr,
        scope: Scope,
        stmt: ast.stmt | None,
        chain: Chain,
        pos: Pos,
    ) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding("iter", pos, chain, iterable))
        elif isinstance(target, (ast.Tuple, ast.List)) and all(
            isinstance(e, ast.Name) for e in target.elts
        ):
            # `for name, sql in [("a", "..."), ...]`: each name takes its place in the items
            for i, elt in enumerate(target.elts):
                assert isinstance(elt, ast.Name)
                scope.bind(elt.id, Binding("iter", pos, chain, iterable, item=i))
        else:
            self._unknown_targets(target, scope, stmt, chain, pos)

    def _unknown_targets(
        self, target: ast.expr, scope: Scope, stmt: ast.stmt | None, chain: Chain, pos: Pos
    ) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                scope.bind(node.id, Binding("unknown", pos, chain))
            elif isinstance(node, (ast.Attribute, ast.Subscript)):
                self._expr(node, scope, stmt, chain, target)

    def _expr(
        self,
        node: ast.expr,
        scope: Scope,
        stmt: ast.stmt | None,
        chain: Chain,
        parent: ast.AST,
        deferrable: bool = False,
    ) -> None:
        """Walk an expression, or queue it while the statement pass runs.

        `deferrable`: the value of a simple statement, which cannot overlap another queued
        expression, so a node's position finds it again.
        """
        if self._pending is not None:
            self._pending.append((node, scope, stmt, chain, parent, deferrable))
        else:
            self._walk(node, scope, stmt, chain, parent)

    def _walk(
        self, node: ast.expr, scope: Scope, stmt: ast.stmt | None, chain: Chain, parent: ast.AST
    ) -> None:
        """Record context and parent of the nodes of an expression (iteratively: deep nesting is fine).

        Only names and calls need their context, constants nothing at all: this walk is most
        of the per-file cost, so it does the least it can.
        """
        here = Ctx(scope, stmt, chain)
        parents, contexts, calls, every = self.parent, self.ctx, self.calls, self._all_calls
        methods, prefixes, callees = self._methods, self._prefixes, self._callees
        stack: list[tuple[ast.AST, ast.AST, Ctx]] = [(node, parent, here)]
        push = stack.append
        while stack:
            current, up, cx = stack.pop()
            # exact type checks first: the common nodes, cheaply (mypy narrows on `type(x) is`)
            if type(current) is ast.Constant:
                continue
            parents[id(current)] = up
            if type(current) is ast.Name:
                contexts[id(current)] = cx
                if type(current.ctx) is ast.Load:
                    cx.scope.loads.add(current.id)
                continue
            if type(current) is ast.Call:
                contexts[id(current)] = cx
                every.append(current)
                func = current.func
                if methods is None:
                    calls.append(current)
                elif type(func) is ast.Attribute:
                    if func.attr in methods or func.attr.startswith(prefixes):
                        calls.append(current)
                elif type(func) is ast.Name and func.id in callees:
                    calls.append(current)
                push((current.func, current, cx))
                for arg in current.args:
                    push((arg, current, cx))
                for kw in current.keywords:
                    push((kw.value, current, cx))
                continue
            if type(current) is ast.Attribute:
                push((current.value, current, cx))
                continue
            sc = cx.scope
            if isinstance(current, ast.Lambda):
                inner = self._new_scope(current, None, sc, "lambda")
                self._params(current.args, inner)
                inner.returns.append(current.body)
                for d in [*current.args.defaults, *current.args.kw_defaults]:
                    if d is not None:
                        push((d, current, cx))
                push((current.body, current, Ctx(inner, stmt, ())))
                continue
            elif isinstance(current, ast.NamedExpr):
                end = (current.end_lineno or current.lineno, current.end_col_offset or 0)
                sc.bind(current.target.id, Binding("assign", end, cx.chain, current.value))
            elif isinstance(current, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                comp_chain = (*cx.chain, (id(current), "comp"))
                for gen in current.generators:
                    pos = (gen.iter.end_lineno or gen.iter.lineno, gen.iter.end_col_offset or 0)
                    self._loop_target(gen.target, gen.iter, sc, stmt, comp_chain, pos)
                cx = Ctx(sc, stmt, comp_chain)  # what runs inside runs once per item
            for child in ast.iter_child_nodes(current):
                if isinstance(
                    child, (ast.expr, ast.comprehension, ast.keyword, ast.arg, ast.arguments)
                ):
                    push((child, current, cx))
