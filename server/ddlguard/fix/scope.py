"""What names mean in a migration, read statically: imports, assignments, enclosing function.

Used to rebuild Core constructs and `op.bulk_insert` tables without importing anything of the
user's project. A name assigned more than once in a scope is ambiguous and resolves to nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ddlguard.positions import split_lines, utf8_to_codepoints

_LINE_ENDS = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


class Scope:
    """Names visible at one call: the enclosing function's locals over the module's globals."""

    def __init__(
        self, tree: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef | None
    ) -> None:
        self.imports = _imports(tree)
        self.module_names = _assignments(tree.body)
        self.local_names: dict[str, ast.expr | None] = {}
        if function is not None:
            self.local_names = _assignments(function.body)
            args = function.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    self.local_names[arg.arg] = None

    def binding(self, name: str) -> ast.expr | None:
        """The single expression bound to `name`, or None (unbound, ambiguous, a parameter)."""
        if name in self.local_names:
            return self.local_names[name]
        if name in self.module_names:
            return self.module_names[name]
        return None

    def is_assigned(self, name: str) -> bool:
        return name in self.local_names or name in self.module_names

    def qualname(self, node: ast.expr) -> str | None:
        """`sa.func.now` → `sqlalchemy.func.now` through the module's imports; None if not imported."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or self.is_assigned(node.id):
            return None
        target = self.imports.get(node.id)
        if target is None:
            return None
        return ".".join([target, *reversed(parts)])


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name → dotted target. Names imported from two places are dropped (ambiguous)."""
    found: dict[str, str] = {}
    clashes: set[str] = set()

    def bind(local: str, target: str) -> None:
        if found.get(local, target) != target:
            clashes.add(local)
        found[local] = target

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bind(alias.asname, alias.name)
                else:
                    top = alias.name.split(".", 1)[0]
                    bind(top, top)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    bind(alias.asname or alias.name, f"{node.module}.{alias.name}")
    return {k: v for k, v in found.items() if k not in clashes}


def _assignments(body: list[ast.stmt]) -> dict[str, ast.expr | None]:
    """Names bound in a block (not in nested functions); the value when bound exactly once.

    Imports are not bindings here: `_imports` resolves them for the whole module.
    """
    values: dict[str, ast.expr | None] = {}
    for node in _walk_block(body):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
            if len(targets) != 1:
                value = None
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or (
            isinstance(node, ast.ExceptHandler) and node.name
        ):
            values[str(getattr(node, "name", ""))] = None
            continue
        for target in targets:
            for name in _target_names(target):
                simple = isinstance(target, ast.Name) and value is not None
                values[name] = None if name in values or not simple else value
    return values


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _walk_block(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a block, not descending into nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


class NotFound(LookupError):
    """No call starts at the position a finding gives."""


class TreeIndex:
    """One walk of the module shared by every finding of a plan: calls by position, parents,
    and one `Scope` per function — so "move all" stays linear in the number of findings."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.tree = tree
        self.text = text
        self.lines = split_lines(text)
        self._parents: dict[int, ast.AST] = {}
        self._calls: dict[tuple[int, int], ast.Call] = {}
        self._scopes: dict[int, Scope] = {}
        self._starts: list[int] | None = None
        for node in ast.walk(tree):  # breadth first: the outermost call at a position wins
            for child in ast.iter_child_nodes(node):
                self._parents[id(child)] = node
            if isinstance(node, ast.Call) and node.lineno <= len(self.lines):
                col = utf8_to_codepoints(self.lines[node.lineno - 1], node.col_offset)
                self._calls.setdefault((node.lineno, col), node)

    def segment(self, node: ast.expr | ast.stmt) -> str:
        """`ast.get_source_segment(text, node)`, line endings kept, without re-splitting the
        file per call (that made moving n statements quadratic)."""
        if self._starts is None:
            starts = [0]
            for line in _LINE_ENDS.findall(self.text):
                starts.append(starts[-1] + len(line))
            self._starts = starts
        first, last = node.lineno, node.end_lineno or node.lineno
        start = self._starts[first - 1] + utf8_to_codepoints(self.lines[first - 1], node.col_offset)
        end = self._starts[last - 1] + utf8_to_codepoints(
            self.lines[last - 1], node.end_col_offset or 0
        )
        return self.text[start:end]

    def call_at(self, line: int, character: int) -> ast.Call:
        call = self._calls.get((line, character))
        if call is None:
            raise NotFound(f"no call starts at {line}:{character}")
        return call

    def enclosing(
        self, target: ast.AST
    ) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, list[ast.AST]]:
        """The innermost function holding `target`, and its ancestors (outermost first)."""
        path: list[ast.AST] = []
        node = self._parents.get(id(target))
        while node is not None:
            path.append(node)
            node = self._parents.get(id(node))
        path.reverse()
        funcs = [n for n in path if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        return (funcs[-1] if funcs else None), path

    def scope(self, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> Scope:
        key = id(function)
        if key not in self._scopes:
            self._scopes[key] = Scope(self.tree, function)
        return self._scopes[key]
