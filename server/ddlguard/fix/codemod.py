"""Editing the migration with libcst, so everything not touched stays byte for byte.

Statements are addressed by their first line (one statement per line is a precondition the
planner checks). A removed statement leaves its leading comments and a one-line comment in its
place; a body left empty gets `pass`. Helper assignments and imports the move left unused are
found on the original `ast` (`unused_after`) and removed in the same single libcst pass.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

# calls that only build objects: an assignment of these, left unused, can go with the move
PURE_CALLS = frozenset({
    "get_bind", "get_context", "table", "Table", "column", "Column", "text", "MetaData",
    "insert", "update", "delete", "where", "values", "ordered_values", "filter_by", "in_",
    "not_in", "is_", "is_not", "like", "ilike", "and_", "or_", "not_", "null", "true", "false",
    "literal", "literal_column", "format", "strip", "dedent", "cast", "func",
})  # fmt: skip


@dataclass(slots=True)
class Edits:
    """What to do, by 1-based line of a statement's first line."""

    remove: dict[int, str | None] = field(default_factory=dict)  # comment to leave, or None
    rewrite: dict[int, tuple[str, str]] = field(default_factory=dict)  # new SQL literal, comment
    drop_names: frozenset[str] = frozenset()  # import aliases to remove (their bound names)


class _Editor(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: Edits) -> None:
        super().__init__()
        self.edits = edits

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _body(
        self, original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        out: list[cst.BaseStatement] = []
        pending: list[cst.EmptyLine] = []
        for orig, new in zip(original, updated, strict=True):
            line = self._line(orig)
            replacement: cst.BaseStatement = new
            if not isinstance(new, cst.SimpleStatementLine) and line in self.edits.remove:
                # a compound statement deferred to a follow-up revision: it goes whole
                comment = self.edits.remove[line]
                pending = _join_lines(pending, getattr(new, "leading_lines", ()))
                if comment is not None and not _ends_with_comment(pending, comment):
                    pending.append(_comment_line(comment))
                continue
            if isinstance(new, cst.SimpleStatementLine):
                if line in self.edits.remove:
                    comment = self.edits.remove[line]
                    if comment is None:
                        pending = _carry_helper_lines(pending, new.leading_lines)
                    else:
                        pending = _join_lines(pending, new.leading_lines)
                        if not _ends_with_comment(pending, comment):
                            pending.append(_comment_line(comment))
                    continue
                if line in self.edits.rewrite:
                    literal, comment = self.edits.rewrite[line]
                    new = _rewrite_sql(new, literal).with_changes(
                        leading_lines=[*new.leading_lines, _comment_line(comment)]
                    )
                kept = self._drop_imports(new)
                if kept is None:
                    pending = _carry_helper_lines(pending, new.leading_lines)
                    continue
                replacement = kept
            if pending:
                leading: list[cst.EmptyLine] = list(getattr(replacement, "leading_lines", ()))
                replacement = replacement.with_changes(leading_lines=_join_lines(pending, leading))
                pending = []
            out.append(replacement)
        return out, pending

    def _drop_imports(self, stmt: cst.SimpleStatementLine) -> cst.SimpleStatementLine | None:
        if not self.edits.drop_names:
            return stmt
        if len(stmt.body) != 1 or not isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)):
            return stmt
        imp = stmt.body[0]
        if isinstance(imp.names, cst.ImportStar):
            return stmt
        kept = [a for a in imp.names if _bound_name(a) not in self.edits.drop_names]
        if len(kept) == len(imp.names):
            return stmt
        if not kept:
            return None
        parenthesized = isinstance(imp, cst.ImportFrom) and imp.lpar is not None
        # the last name takes the old last name's comma: in parentheses it holds the layout
        # before `)`; without them there is none
        last_comma = imp.names[-1].comma if parenthesized else cst.MaybeSentinel.DEFAULT
        kept[-1] = kept[-1].with_changes(comma=last_comma)
        return stmt.with_changes(body=[imp.with_changes(names=kept)])

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, pending = self._body(original_node.body, updated_node.body)
        if not body:
            return updated_node.with_changes(
                body=[cst.SimpleStatementLine([cst.Pass()], leading_lines=pending)]
            )
        return updated_node.with_changes(body=body, footer=[*pending, *updated_node.footer])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, pending = self._body(original_node.body, updated_node.body)
        return updated_node.with_changes(body=body, footer=[*pending, *updated_node.footer])


def _is_blank(line: cst.EmptyLine) -> bool:
    return line.comment is None


def _carry_helper_lines(
    pending: list[cst.EmptyLine], leading: Sequence[cst.EmptyLine]
) -> list[cst.EmptyLine]:
    """A removed helper's comments stay; its blank lines go unless a comment follows them."""
    lines = list(leading)
    while lines and _is_blank(lines[0]):
        lines.pop(0)
    return _join_lines(pending, lines)


def _join_lines(
    pending: list[cst.EmptyLine], leading: Sequence[cst.EmptyLine]
) -> list[cst.EmptyLine]:
    """Carried lines before a statement's own, without doubling a blank separator."""
    if pending and leading and _is_blank(pending[-1]) and _is_blank(leading[0]):
        pending = pending[:-1]
    return [*pending, *leading]


def _ends_with_comment(lines: list[cst.EmptyLine], text: str) -> bool:
    """True when the same move comment is already the last line (consecutive moved calls)."""
    return bool(lines) and lines[-1].comment is not None and lines[-1].comment.value == f"# {text}"


def _comment_line(text: str) -> cst.EmptyLine:
    return cst.EmptyLine(indent=True, comment=cst.Comment(f"# {text}"))


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    node: cst.BaseExpression = alias.name
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def _rewrite_sql(stmt: cst.SimpleStatementLine, literal: str) -> cst.SimpleStatementLine:
    """Replace the SQL string literal passed to the executing call (directly or in text())."""
    expr = stmt.body[0]
    assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
    call = expr.value
    arg = call.args[0]
    new_string = cst.SimpleString(literal)
    if isinstance(arg.value, cst.Call):
        inner = arg.value
        new_inner = inner.with_changes(
            args=[inner.args[0].with_changes(value=new_string), *inner.args[1:]]
        )
        new_arg = arg.with_changes(value=new_inner)
    else:
        new_arg = arg.with_changes(value=new_string)
    new_call = call.with_changes(args=[new_arg, *call.args[1:]])
    return stmt.with_changes(body=[expr.with_changes(value=new_call)])


def apply_edits(source: str, edits: Edits) -> str:
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return wrapper.visit(_Editor(edits)).code


def statement_lines(source: str) -> dict[int, cst.SimpleStatementLine]:
    """Every simple statement line by its first line (for checking the planner's targets)."""
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    return {
        positions[node].start.line: node
        for node in positions
        if isinstance(node, cst.SimpleStatementLine)
    }


def comments_in(node: cst.CSTNode) -> list[str]:
    """Comments inside a statement (not its leading lines), to carry them into the script."""
    found: list[str] = []

    class _Collect(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment.value.lstrip("#").strip())

    body = (
        node.with_changes(leading_lines=[]) if isinstance(node, cst.SimpleStatementLine) else node
    )
    body.visit(_Collect())
    return found


def comments_above(node: cst.SimpleStatementLine) -> list[str]:
    """The comment lines right above a statement (no blank line between): copied to the script."""
    found: list[str] = []
    for line in reversed(node.leading_lines):
        if line.comment is None:
            break
        text = line.comment.value.lstrip("#").strip()
        if not text.endswith("(ddlguard)."):  # an earlier move's note is not about this one
            found.append(text)
    return found[::-1]


def python_literal(text: str, quote: str = '"') -> str:
    """A Python string literal for SQL text in the original's quote style when that is safe."""
    if "\\" not in text and quote in ('"', "'", '"""', "'''"):
        if len(quote) == 3 and quote not in text and not text.endswith(quote[0]):
            return f"{quote}{text}{quote}"
        if len(quote) == 1 and quote not in text and "\n" not in text and "\r" not in text:
            return f"{quote}{text}{quote}"
    if "\n" in text and '"""' not in text and "\\" not in text and not text.endswith('"'):
        return f'"""{text}"""'
    return repr(text)


# -- helpers made unused by the move ------------------------------------------------------


def names_in(nodes: Iterable[ast.AST]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


# imports Alembic's own template writes: kept even when unused, as in a fresh revision
TEMPLATE_IMPORTS = frozenset({("alembic", "op"), ("sqlalchemy", "sa")})


def is_pure(node: ast.expr) -> bool:
    """An expression that only builds values (literals, SQL text, table definitions, a bind)."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return is_pure(node.value)
    if isinstance(node, ast.JoinedStr):
        return all(is_pure(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return is_pure(node.value)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(is_pure(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or is_pure(k) for k in node.keys) and all(
            is_pure(v) for v in node.values
        )
    if isinstance(node, ast.BinOp):
        return is_pure(node.left) and is_pure(node.right)
    if isinstance(node, ast.UnaryOp):
        return is_pure(node.operand)
    if isinstance(node, ast.Compare):
        return is_pure(node.left) and all(is_pure(c) for c in node.comparators)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        callee_pure = is_pure(func.value) if isinstance(func, ast.Attribute) else True
        return (
            (name in PURE_CALLS or name[:1].isupper())
            and callee_pure
            and all(is_pure(a) for a in node.args)
            and all(is_pure(k.value) for k in node.keywords)
        )
    return False


def unused_after(
    tree: ast.Module, removed: Sequence[ast.stmt], functions: set[str]
) -> tuple[list[int], frozenset[str]]:
    """Helper assignments (their lines) and imports (bound names) only the removed code used.

    Looked for at module level and in `functions`. A name still read anywhere else in the
    module is kept; removing a helper can free the helpers and imports it used, so this runs
    to a fixed point. Everything is decided on the original tree, then edited in one pass.
    """
    gone: list[ast.stmt] = list(removed)
    helpers: list[int] = []
    bodies: list[list[ast.stmt]] = [tree.body]
    bodies += [
        s.body
        for s in tree.body
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in functions
    ]
    candidates = [s for b in bodies for s in _flat(b)]
    while True:
        gone_ids = {id(n) for s in gone for n in ast.walk(s)}
        loads = Counter(
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in gone_ids
        )
        touched = names_in(gone)
        found = False
        for stmt in candidates:
            if id(stmt) in gone_ids:
                continue
            target, value = _single_assign(stmt)
            if target in touched and value is not None and not loads[target] and is_pure(value):
                gone.append(stmt)
                helpers.append(stmt.lineno)
                found = True
        if not found:
            break
    imports: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                bound = (alias.asname or alias.name).split(".", 1)[0]
                template = (module or alias.name, bound) in TEMPLATE_IMPORTS
                if bound in touched and not loads[bound] and alias.name != "*" and not template:
                    imports.add(bound)
    return helpers, frozenset(imports)


def _flat(body: list[ast.stmt]) -> list[ast.stmt]:
    """A block's statements, with those inside `with` blocks (helpers often live there)."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            out += _flat(stmt.body)
    return out


def _single_assign(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return stmt.targets[0].id, stmt.value
    if (
        isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and stmt.value is not None
    ):
        return stmt.target.id, stmt.value
    return None, None
