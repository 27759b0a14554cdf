"""What the revision graph says about one migration, for the planner: `RevisionContext`.

One pure function used by the CLI and the language server alike. A migration is *new* when
it is a head (nothing builds on it yet) or when the branch added it (its path is in
`new_paths`, from `--diff-base`/`diff-base`); every other migration has already run on
existing databases, and moving its data would run the change again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from ddlguard.fix.model import ChildMigration, RevisionContext
from ddlguard.model import MigrationInfo


def revision_context(
    path: Path,
    info: MigrationInfo | None,
    graph: Sequence[tuple[Path, MigrationInfo]],
    *,
    new_paths: Collection[Path] | None,
    read: Callable[[Path], str | None],
    file_template: str | None = None,
    diff_base: str | None = None,
) -> RevisionContext:
    """The context of the migration at `path` (`info` its current text's) in `graph`.

    `graph` holds every revision file of the project (path, info); `new_paths` the files the
    branch added (None without a diff-base: then only heads are new); `read` gives a file's
    text (children are re-parented, later revisions read for dependent operations).
    """
    revision = info.revision if info is not None else None
    parents = info.down_revisions if info is not None else ()
    down: str | tuple[str, ...] | None = (
        None if not parents else parents[0] if len(parents) == 1 else parents
    )
    nodes = [(p, i) for p, i in graph if p != path]
    if info is not None:
        nodes.append((path, info))
    children_of: dict[str, list[tuple[Path, MigrationInfo]]] = {}
    for node_path, node_info in nodes:
        for parent in node_info.down_revisions:
            children_of.setdefault(parent, []).append((node_path, node_info))
    existing = frozenset(i.revision for _, i in nodes if i.revision)
    direct = children_of.get(revision, []) if revision else []
    added = new_paths is not None and path in new_paths
    is_new = not direct or added
    why_old = None
    if not is_new:
        first = direct[0][1].revision or direct[0][0].name
        why_old = f"revision {first} builds on it"
        if diff_base is not None:
            why_old += f", and it was not added since {diff_base}"

    def child(node_path: Path, node_info: MigrationInfo) -> ChildMigration | None:
        text = read(node_path)
        return None if text is None else ChildMigration(node_path, text, node_info.revision)

    children = tuple(c for c in (child(p, i) for p, i in direct) if c is not None)
    descendants: list[ChildMigration] = []
    if is_new and revision:
        for node_path, node_info in _descendants(revision, children_of):
            if (new_paths is not None and node_path in new_paths) or not children_of.get(
                node_info.revision or ""
            ):
                found = child(node_path, node_info)
                if found is not None:
                    descendants.append(found)
    return RevisionContext(
        revision=revision,
        down_revision=down,
        is_new=is_new,
        children=children,
        new_descendants=tuple(descendants),
        versions_dir=path.parent,
        file_template=file_template,
        existing_revisions=existing,
        why_old=why_old,
        order=_depth(revision, {i.revision: i for _, i in nodes if i.revision}),
    )


def _descendants(
    revision: str, children_of: dict[str, list[tuple[Path, MigrationInfo]]]
) -> list[tuple[Path, MigrationInfo]]:
    """Every later revision, parents first (breadth first through down_revision)."""
    out: list[tuple[Path, MigrationInfo]] = []
    seen = {revision}
    queue = list(children_of.get(revision, []))
    while queue:
        node = queue.pop(0)
        rev = node[1].revision
        if rev is None or rev in seen:
            continue
        seen.add(rev)
        out.append(node)
        queue.extend(children_of.get(rev, []))
    return out


def _depth(revision: str | None, infos: dict[str | None, MigrationInfo]) -> int | None:
    """The longest chain of parents below `revision` (0 for a base), cycle-safe."""
    if revision is None:
        return None
    memo: dict[str, int] = {}
    stack: list[tuple[str, bool]] = [(revision, False)]
    active: set[str] = set()
    while stack:
        rev, done = stack.pop()
        if done:
            active.discard(rev)
            parents = [p for p in infos[rev].down_revisions if p in infos]
            memo[rev] = 1 + max((memo.get(p, 0) for p in parents), default=-1)
            continue
        if rev in memo or rev in active or rev not in infos:
            continue
        active.add(rev)
        stack.append((rev, True))
        stack.extend((p, False) for p in infos[rev].down_revisions if p not in memo)
    return memo.get(revision)
