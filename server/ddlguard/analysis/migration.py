"""What a migration module declares: revision ids, parents, labels, message, upgrade/downgrade."""

from __future__ import annotations

import ast

from ddlguard.model import MigrationInfo


def _strings(node: ast.expr | None) -> tuple[str, ...] | None:
    """A str, None, or a tuple/list of str; None when it is anything else (not static)."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return ()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        out: list[str] = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                out.append(elt.value)
            else:
                return None
        return tuple(out)
    return None


def _labels(node: ast.expr | None) -> tuple[str, ...]:
    """Branch labels: literal strings as they are, anything else as an opaque `<expr>` label.

    `branch_labels = (cli.EXPAND_BRANCH,)` (a constant imported from the project) cannot be
    read statically, but it still says the branch is labelled: each distinct expression
    stands for one label, so expand/contract heads are told apart.
    """
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return ()
    elts = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    out: list[str] = []
    for elt in elts:
        if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
            out.append(elt.value)
        else:
            out.append(_opaque(elt))
    return tuple(out)


def _opaque(node: ast.expr) -> str:
    try:
        text = ast.unparse(node)
    except (RecursionError, ValueError):
        text = f"expression on line {getattr(node, 'lineno', 0)}"
    return f"<{text[:200]}>"


def module_assignments(tree: ast.Module) -> dict[str, tuple[ast.expr, int]]:
    """Module-level `name = value` and `name: T = value`, last one wins, with its line."""
    found: dict[str, tuple[ast.expr, int]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = (stmt.value, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            found[stmt.target.id] = (stmt.value, stmt.lineno)
    return found


def docstring_message(tree: ast.Module) -> str | None:
    """The first line of the module docstring, as Alembic writes the revision message.

    Exactly `ast.get_docstring(tree, clean=True)`'s first line, stripped: `inspect.cleandoc`
    expands tabs and removes only whitespace, which the strip removes anyway, so the line is
    read from the raw text (cleaning a whole docstring per file cost more than the rest of
    this module).
    """
    first = tree.body[0] if tree.body else None
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)):
        return None
    text = first.value.value
    if not isinstance(text, str):
        return None
    text = text.expandtabs().strip()
    return text.splitlines()[0].strip() if text else None


def read_migration_info(tree: ast.Module) -> MigrationInfo:
    assigns = module_assignments(tree)
    funcs = {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def strings(name: str) -> tuple[str, ...]:
        value = assigns.get(name)
        return (_strings(value[0]) or ()) if value else ()

    rev = strings("revision")
    revision_at = assigns.get("revision")
    down_at = assigns.get("down_revision")
    return MigrationInfo(
        revision=rev[0] if rev else None,
        down_revisions=strings("down_revision"),
        branch_labels=_labels(assigns["branch_labels"][0]) if "branch_labels" in assigns else (),
        depends_on=strings("depends_on"),
        message=docstring_message(tree),
        has_upgrade="upgrade" in funcs,
        has_downgrade="downgrade" in funcs,
        revision_line=revision_at[1] if revision_at else None,
        down_revision_line=down_at[1] if down_at else None,
    )


def looks_like_migration(tree: ast.Module) -> bool:
    """Design 1: assigns `revision` and `down_revision` at module level and defines `upgrade`."""
    assigns = module_assignments(tree)
    has_upgrade = any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "upgrade"
        for s in tree.body
    )
    return "revision" in assigns and "down_revision" in assigns and has_upgrade
