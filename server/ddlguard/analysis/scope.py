"""One pass over a module: scopes, the bindings of each name, and where every node sits.

The evaluator follows names to their assignments. A name assigned in several branches carries
every value, so lookups are "reaching definitions, roughly": walk back through the bindings
made before the use, keep each, and stop at the first one that dominates the use (made in the
same block or an enclosing one). Conditional blocks (if/else, loops, except, match) get their
own key in a binding's block chain; `with` and `try` bodies are transparent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

Pos = tuple[int, int]
Chain = tuple[tuple[int, str], ...]

END: Pos = (1 << 30, 0)
START: Pos = (0, 0)


@dataclass(slots=True)
class Binding:
    """`name` gets a value at `pos` (visible from there on) inside the block `chain`.

    kind: assign (value, index for tuple unpacking) | aug (op, value, before) | with (value) |
    iter (value: the iterable) | import (path) | def (scope id) | param | unknown
    """

    kind: str
    pos: Pos
    chain: Chain
    value: ast.expr | None = None
    index: int | None = None
    path: str = ""
    op: ast.operator | None = None
    before: Pos = START
    scope_id: int = -1


@dataclass(slots=True)
class Param:
    index: int | None  # positional index, None for keyword-only
    default: ast.expr | None
    star: bool = False  # *args / **kwargs


@dataclass(slots=True)
class Scope:
    id: int
    node: ast.AST
    name: str | None  # the function's name; None for the module, lambdas keep their owner's
    parent: Scope | None
    kind: str  # module | function | lambda | class
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)
    returns: list[ast.expr] = field(default_factory=list)
    loads: set[str] = field(default_factory=set)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    @property
    def function(self) -> Scope | None:
        """The innermost `def` holding this scope (lambdas belong to their owner)."""
        scope: Scope | None = self
        while scope is not None and scope.kind in ("lambda", "class"):
            scope = scope.parent
        return scope if scope is not None and scope.kind == "function" else None


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where an expression node sits: its scope, innermost statement and block chain."""

    scope: Scope
    stmt: ast.stmt | None
    chain: Chain


class Index:
    """Scopes, bindings, parents and every call of a module, built in one walk."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope(0, tree, None, None, "module")
        self.scopes: list[Scope] = [self.module]
        self.ctx: dict[int, Ctx] = {}
        self.parent: dict[int, ast.AST] = {}
        self.calls: list[ast.Call] = []
        self.def_names: set[str] = set()
        self.imported_names: set[str] = set()  # names bound by an import anywhere
        self._body(tree.body, self.module, ())
        self.calls.sort(key=lambda c: (c.lineno, c.col_offset))
        for scope in self.scopes:
            for bindings in scope.bindings.values():
                bindings.sort(key=lambda b: b.pos)

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
        end: Pos = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in [*stmt.decorator_list, *stmt.args.defaults, *stmt.args.kw_defaults]:
                if node is not None:
                    expr(node, scope, stmt, chain, stmt)
            parent = scope.parent if scope.kind == "class" and scope.parent else scope
            inner = self._new_scope(stmt, stmt.name, parent, "function")
            self._params(stmt.args, inner)
            self.def_names.add(stmt.name)
            scope.bind(
                stmt.name, Binding("def", (stmt.lineno, stmt.col_offset), chain, scope_id=inner.id)
            )
            self._body(stmt.body, inner, ())
        elif isinstance(stmt, ast.ClassDef):
            for node in [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]:
                expr(node, scope, stmt, chain, stmt)
            scope.bind(stmt.name, Binding("unknown", end, chain))
            self._body(stmt.body, self._new_scope(stmt, stmt.name, scope, "class"), ())
        elif isinstance(stmt, ast.Assign):
            expr(stmt.value, scope, stmt, chain, stmt)
            for target in stmt.targets:
                self._target(target, stmt.value, scope, stmt, chain, end)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                expr(stmt.value, scope, stmt, chain, stmt)
                self._target(stmt.target, stmt.value, scope, stmt, chain, end)
        elif isinstance(stmt, ast.AugAssign):
            expr(stmt.value, scope, stmt, chain, stmt)
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
                if alias.name != "*":
                    self.imported_names.add(alias.asname or alias.name)
                    path = (
                        f"{base}.{alias.name}"
                        if base and not base.endswith(".")
                        else base + alias.name
                    )
                    scope.bind(alias.asname or alias.name, Binding("import", end, chain, path=path))
        else:
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                scope.returns.append(stmt.value)
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
                    scope.bind(elt.id, Binding("assign", end, chain, value, index=i))
                else:
                    self._unknown_targets(elt, scope, stmt, chain, end)
        else:
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
        self, node: ast.expr, scope: Scope, stmt: ast.stmt | None, chain: Chain, parent: ast.AST
    ) -> None:
        """Record context and parent of the nodes of an expression (iteratively: deep nesting is fine).

        Only names and calls need their context, constants nothing at all: this walk is most
        of the per-file cost, so it does the least it can.
        """
        here = Ctx(scope, stmt, chain)
        parents, contexts, calls = self.parent, self.ctx, self.calls
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
