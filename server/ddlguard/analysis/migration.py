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


def read_migration_info(tree: ast.Module) -> MigrationInfo:
    assigns = module_assignments(tree)
    funcs = {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def strings(name: str) -> tuple[str, ...]:
        value = assigns.get(name)
        return (_strings(value[0]) or ()) if value else ()

    rev = strings("revision")
    doc = ast.get_docstring(tree, clean=True)
    message = doc.strip().splitlines()[0].strip() if doc and doc.strip() else None
    return MigrationInfo(
        revision=rev[0] if rev else None,
        down_revisions=strings("down_revision"),
        branch_labels=strings("branch_labels"),
        depends_on=strings("depends_on"),
        message=message,
        has_upgrade="upgrade" in funcs,
        has_downgrade="downgrade" in funcs,
        revision_line=assigns["revision"][1] if "revision" in assigns else None,
        down_revision_line=assigns["down_revision"][1] if "down_revision" in assigns else None,
    )


def looks_like_migration(tree: ast.Module) -> bool:
    """Design 1: assigns `revision` and `down_revision` at module level and defines `upgrade`."""
    assigns = module_assignments(tree)
    has_upgrade = any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "upgrade"
        for s in tree.body
    )
    return "revision" in assigns and "down_revision" in assigns and has_upgrade
