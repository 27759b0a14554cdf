"""Which migration function (upgrade or downgrade) runs each function of the file.

Edges are references, not only calls: a helper passed as a callback or put in a tuple and
looped over runs too. Module-level functions named `upgrade`/`downgrade` (and the multi-database
template's `upgrade_<name>`/`downgrade_<name>`) are the roots. Breadth-first, so recursion and
mutual recursion terminate.
"""

from __future__ import annotations

from collections import deque

from ddlguard.analysis.scope import END, Index, Scope

PHASES = ("upgrade", "downgrade")


def root_phase(scope: Scope) -> str | None:
    """`upgrade`/`downgrade` for the module-level functions Alembic calls, else None."""
    if scope.kind != "function" or scope.parent is None or scope.parent.kind != "module":
        return None
    for phase in PHASES:
        if scope.name == phase or (scope.name or "").startswith(phase + "_"):
            return phase
    return None


def phases(index: Index) -> dict[int, frozenset[str]]:
    """Function scope id -> the phases that run it (empty: never called from a migration function)."""
    edges: dict[int, set[int]] = {}
    for scope in index.scopes:
        owner = scope.function
        if owner is None:
            continue
        for name in scope.loads & index.def_names:
            for b in index.reaching(scope, name, END, ()):
                if b.kind == "def":
                    edges.setdefault(owner.id, set()).add(b.scope_id)
    reached: dict[int, set[str]] = {}
    for scope in index.scopes:
        phase = root_phase(scope)
        if phase is None:
            continue
        queue = deque([scope.id])
        seen = {scope.id}
        while queue:
            current = queue.popleft()
            reached.setdefault(current, set()).add(phase)
            for target in edges.get(current, ()):
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return {sid: frozenset(p) for sid, p in reached.items()}
