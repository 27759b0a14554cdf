"""Revision-graph checks DG101-DG104, read statically from every migration of a project.

The graph is only right when it is complete, so the files being checked are completed with
the project's other version files read from disk (parsed, never imported): checking one file,
a pre-commit batch or a `--diff-base` selection gives the same graph as checking them all.
Findings go only to the files being checked, on the `revision`/`down_revision` lines.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from ddlguard.cache import ProjectCache, RunCache, file_stamp
from ddlguard.lazy_re import LazyPattern
from ddlguard.model import Finding, MigrationInfo, Range
from ddlguard.paths import Resolver, safe_resolve
from ddlguard.positions import split_lines, utf8_to_codepoints
from ddlguard.project import Project, looks_like_migration_text, version_folders
from ddlguard.records import Record
from ddlguard.rules import RULES
from ddlguard.runner import MAX_FILE_BYTES, CheckedFile, read_source

_INFO_CACHE: dict[Path, tuple[tuple[int, int], MigrationInfo | None]] = {}


def read_info(path: Path, cache: ProjectCache | None = None) -> MigrationInfo | None:
    """A migration file's `MigrationInfo` from disk, cached by mtime and size; None if unreadable.

    Read as the engine reads a file (`runner.read_source`, a leading BOM dropped, warnings
    silenced), so the engine's `MigrationInfo` of a checked file is what this would give:
    the run stores it in the on-disk `cache`, where the next run's graph finds it.
    """
    key = path if path.is_absolute() else safe_resolve(path)
    stamp = file_stamp(key)
    if stamp is None or stamp[0] > MAX_FILE_BYTES:  # not a regular file: a FIFO would block
        return None
    memo = (stamp[1], stamp[0])
    cached = _INFO_CACHE.get(key)
    if cached is not None and cached[0] == memo:
        return cached[1]
    rel = cache.relative(os.path.normcase(str(key))) if cache is not None else None
    if cache is not None and rel is not None:
        found, stored = cache.info(rel, stamp)
        if found:
            _INFO_CACHE[key] = (memo, stored)
            return stored
    info = _parse_info(key)
    _INFO_CACHE[key] = (memo, info)
    if cache is not None and rel is not None:
        cache.store_info(rel, stamp, info)
    return info


def _parse_info(path: Path) -> MigrationInfo | None:
    # `ast` and the reader load only when a file is read (none is when the cache serves all)
    import ast

    from ddlguard.analysis.migration import read_migration_info

    source, failed = read_source(path)
    if failed is not None or source is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source.removeprefix("\ufeff"), filename=str(path))
        return read_migration_info(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def project_key(project: Project) -> tuple[str, ...]:
    """Files sharing version locations share one graph (one `Project` object per file is common)."""
    dirs = sorted(str(d.resolve()) for d in project.version_dirs)
    return tuple(dirs) if dirs else (str(project.root.resolve()),)


class Node(Record):
    """One migration file in the graph; `checked` when findings may be reported on it."""

    _fields = ("path", "info", "checked")
    __slots__ = _fields

    def __init__(self, path: Path, info: MigrationInfo, checked: CheckedFile | None = None) -> None:
        self.path = path
        self.info = info
        self.checked = checked


class Graph(Record):
    """A project's revision graph: parents by id, files by id, and whether it is complete."""

    _fields = ("nodes", "unreadable")
    __slots__ = _fields

    def __init__(self, nodes: list[Node] | None = None, unreadable: int = 0) -> None:
        self.nodes: list[Node] = [] if nodes is None else nodes
        # files in the version locations that could not be read or parsed: heads and
        # parents unknown
        self.unreadable = unreadable

    def by_revision(self) -> dict[str, list[Node]]:
        out: dict[str, list[Node]] = {}
        for node in self.nodes:
            if node.info.revision:
                out.setdefault(node.info.revision, []).append(node)
        return out

    def labels(self) -> set[str]:
        return {label for n in self.nodes for label in n.info.branch_labels}


def build_graph(
    checked: Iterable[CheckedFile],
    project: Project | None,
    *,
    resolver: Resolver | None = None,
    cache: RunCache | None = None,
) -> Graph:
    """The graph of `checked` files (their current text) plus the project's other version files.

    The checked files' `MigrationInfo` comes from the engine's run: only the project's other
    files are read and parsed here.
    """
    resolver = resolver or Resolver()
    store = cache.for_root(project.root) if cache is not None and project is not None else None
    graph = Graph()
    seen: set[str] = set()  # `Resolver.file_key`s: no Path per file
    nodes = graph.nodes
    for cf in checked:
        result = cf.result
        seen.add(resolver.file_key(result.path))
        if result.info is None:
            graph.unreadable += 1
            continue
        nodes.append(Node(result.path, result.info, cf))
    if project is not None and project.version_dirs:
        others: Iterable[Path] = (
            Path(folder) / name
            for folder, names in _revision_names(project, resolver)
            for name in names
            if os.path.normcase(os.path.join(folder, name)) not in seen
        )
    else:  # without version locations, the migrations beside the checked files
        folders = {os.path.dirname(key) for key in seen}
        others = revision_files(project, sorted(Path(f) for f in folders), resolver=resolver)
    for path in others:  # absolute: resolved folders
        key = resolver.file_key(path)  # a symlinked migration is its target: no DG103 with itself
        if key in seen:
            continue
        seen.add(key)
        info = read_info(path, store)
        if info is None:
            graph.unreadable += 1
        elif info.revision is not None:
            graph.nodes.append(Node(path, info))
    return graph


def revision_files(
    project: Project | None, loose: list[Path], *, resolver: Resolver | None = None
) -> Iterator[Path]:
    """The project's revision files; without version locations (no alembic.ini), the
    migration-looking files beside the checked ones, as Alembic's versions folder is flat."""
    if project is None:
        return
    if project.version_dirs:
        for walked, revisions in _revision_names(project, resolver or Resolver()):
            base = Path(walked)
            yield from (base / name for name in revisions)
        return
    for folder in loose:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = folder / name
            if name.endswith(".py") and _looks_like_migration_file(path):
                yield path


def _revision_names(project: Project, resolver: Resolver) -> Iterator[tuple[str, list[str]]]:
    """Each folder of the project's version locations (normalised, as walked from a resolved
    location) with the names of its revision files."""
    for vdir in project.version_dirs:
        if vdir.is_dir():
            for walked, files in version_folders(project, vdir, resolver):
                yield str(Path(walked)), [name for name, _ in files]


def _looks_like_migration_file(path: Path) -> bool:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as fh:
            head = fh.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return False
    return looks_like_migration_text(head)


def check_graph(
    files: list[CheckedFile], *, resolver: Resolver | None = None, cache: RunCache | None = None
) -> dict[Path, list[Finding]]:
    """DG101-DG104 for every project among `files`, keyed by each checked file's `result.path`.

    A run passes its own `resolver`, which already knows the real path of every file it found,
    and its on-disk `cache`, which knows what the project's unchanged files declare.
    """
    groups: dict[tuple[str, ...], list[CheckedFile]] = {}
    keys: dict[int, tuple[str, ...]] = {}  # by id(project): files often share one object
    for cf in files:
        if cf.result.is_migration or cf.result.error:
            key = keys.get(id(cf.project))
            if key is None:
                key = keys[id(cf.project)] = project_key(cf.project)
            groups.setdefault(key, []).append(cf)
    out: dict[Path, list[Finding]] = {}
    resolver = resolver or Resolver()
    for members in groups.values():
        graph = build_graph(members, members[0].project, resolver=resolver, cache=cache)
        for cf, findings in graph_findings(graph):
            kept = _finalise(cf, findings)
            if kept:
                out.setdefault(cf.result.path, []).extend(kept)
    return out


def _finalise(cf: CheckedFile, findings: list[Finding]) -> list[Finding]:
    """Selection, severity from the file's settings, then `# noqa`."""
    enabled = cf.settings.enabled_codes()
    kept = [
        f._replace(severity=cf.settings.severity_of(f.code)) for f in findings if f.code in enabled
    ]
    if cf.source is not None:
        from ddlguard.analysis.noqa import apply_noqa  # a file served by the cache has no text

        kept = apply_noqa(kept, cf.source)
    return sorted(kept, key=lambda f: (f.range, f.code))


def graph_findings(graph: Graph) -> list[tuple[CheckedFile, list[Finding]]]:
    """Raw findings (default severities, no noqa) for the checked nodes of a project's graph,
    each separate tree of it checked on its own (`separate_trees`)."""
    return [found for tree in separate_trees(graph) for found in _tree_findings(tree)]


def separate_trees(graph: Graph) -> list[Graph]:
    """The graph split into the trees its folders hold, when folders do not refer to each other.

    A tree per dialect (`versions/postgresql`, `versions/sqlite`, often reusing revision ids)
    or several Alembic environments side by side are separate graphs: revisions in one never
    name revisions in another. Folders are joined when a revision names a parent (or a
    `depends_on`) that only another folder defines, so release folders of one history
    (`versions/2023.1/expand`, `versions/2024.1/expand`) stay one graph. A parent defined in
    the revision's own folder is looked up there first, as in a separate tree.
    """
    folders: dict[str, list[Node]] = {}
    for node in graph.nodes:
        folders.setdefault(os.path.dirname(os.path.normcase(str(node.path))), []).append(node)
    if len(folders) < 2:
        return [graph]
    defined: dict[str, set[str]] = {}  # revision id or label -> folders defining it
    for folder, nodes in folders.items():
        for node in nodes:
            for name in (node.info.revision, *node.info.branch_labels):
                if name:
                    defined.setdefault(name, set()).add(folder)
    parent = {folder: folder for folder in folders}

    def find(folder: str) -> str:
        while parent[folder] != folder:
            parent[folder] = parent[parent[folder]]
            folder = parent[folder]
        return folder

    for folder, nodes in folders.items():
        for node in nodes:
            for name in (*node.info.down_revisions, *node.info.depends_on):
                where = defined.get(name, set())
                if folder in where:
                    continue
                for other in where:
                    parent[find(other)] = find(folder)
    trees: dict[str, Graph] = {}
    for folder, nodes in folders.items():
        tree = trees.setdefault(find(folder), Graph(unreadable=graph.unreadable))
        tree.nodes.extend(nodes)
    return list(trees.values())


def _tree_findings(graph: Graph) -> list[tuple[CheckedFile, list[Finding]]]:
    """Raw findings for the checked nodes of one tree."""
    by_rev = graph.by_revision()
    # id(node) -> [(code, which assignment, message, statement)]
    raw: dict[int, list[tuple[str, str, str, str]]] = {}

    def add(node: Node, code: str, where: str, message: str, statement: str) -> None:
        if node.checked is not None:
            raw.setdefault(id(node), []).append((code, where, message, statement))

    # DG103: one revision id, several files
    for rev, nodes in by_rev.items():
        if len(nodes) > 1:
            for node in nodes:
                others = ", ".join(_display(n.path) for n in nodes if n is not node)
                add(node, "DG103", "revision", f"revision {rev!r} is also defined in {others}", rev)

    # DG102: parents that name nothing (only when every file of the project could be read)
    labels = graph.labels()
    if graph.unreadable == 0:
        for node in graph.nodes:
            for parent in node.info.down_revisions:
                if parent not in by_rev:
                    add(
                        node,
                        "DG102",
                        "down_revision",
                        f"down_revision {parent!r} names no revision in this project",
                        parent,
                    )
            for dep in node.info.depends_on:
                if _resolve_dependency(dep, by_rev, labels) is None:
                    add(
                        node,
                        "DG102",
                        "depends_on",
                        f"depends_on {dep!r} names no revision or branch label in this project",
                        dep,
                    )

    # DG104: cycles through down_revision/depends_on
    edges = {rev: _parents(nodes[0].info, by_rev, labels) for rev, nodes in by_rev.items()}
    for cycle in strongly_connected(edges):
        members = ", ".join(repr(rev) for rev in cycle)
        for rev in cycle:
            for node in by_rev[rev]:
                add(
                    node,
                    "DG104",
                    "down_revision",
                    f"revision {rev!r} is part of a cycle of revisions {members}",
                    rev,
                )

    # DG101: several heads whose branch labels do not say the split is intended
    if graph.unreadable == 0:
        for node, heads in _unintended_heads(graph, by_rev):
            others = ", ".join(repr(h) for h in heads if h != node.info.revision)
            add(
                node,
                "DG101",
                "revision",
                f"revision {node.info.revision!r} is one of {len(heads)} heads (also {others}); "
                "merge them with `alembic merge heads` or give each branch a branch label",
                str(node.info.revision),
            )

    result: list[tuple[CheckedFile, list[Finding]]] = []
    for node in graph.nodes:
        entries = raw.get(id(node))
        if entries and node.checked is not None:
            result.append((node.checked, [_finding(node.checked, *e) for e in entries]))
    return result


def _display(path: Path) -> str:
    return path.name


def _parents(info: MigrationInfo, by_rev: dict[str, list[Node]], labels: set[str]) -> list[str]:
    out = [p for p in info.down_revisions if p in by_rev]
    for dep in info.depends_on:
        resolved = _resolve_dependency(dep, by_rev, labels)
        if resolved is not None and resolved in by_rev:
            out.append(resolved)
    return out


def _resolve_dependency(dep: str, by_rev: dict[str, list[Node]], labels: set[str]) -> str | None:
    """Alembic resolves `depends_on` by id, unique id prefix or branch label."""
    if dep in by_rev or dep in labels:
        return dep
    matches = [rev for rev in by_rev if rev.startswith(dep)]
    return matches[0] if len(dep) >= 4 and len(matches) == 1 else None


def _acyclic(edges: dict[str, list[str]]) -> bool:
    """No cycle at all (Kahn: every node can be taken once nobody left names it), the common
    case, told at a third of the cost of Tarjan's walk."""
    named = dict.fromkeys(edges, 0)
    for children in edges.values():
        for child in children:
            if child in named:
                named[child] += 1
    free = [node for node, count in named.items() if count == 0]
    taken = 0
    while free:
        node = free.pop()
        taken += 1
        for child in edges[node]:
            if child in named:
                named[child] -= 1
                if named[child] == 0:
                    free.append(child)
    return taken == len(named)


def strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Cycles as Tarjan's strongly connected components (size > 1, or a self-loop), iteratively."""
    if _acyclic(edges):
        return []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = edges.get(node, [])
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    cycles.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cycles


def _unintended_heads(graph: Graph, by_rev: dict[str, list[Node]]) -> list[tuple[Node, list[str]]]:
    """Heads not told apart by a branch label; one unlabelled head (the trunk) is fine."""
    named = {p for n in graph.nodes for p in n.info.down_revisions}
    heads = sorted(rev for rev in by_rev if rev not in named)
    if len(heads) < 2:
        return []
    lineage = {h: _lineage_labels(h, by_rev) for h in heads}
    undistinguished = [
        h
        for h in heads
        if not any(all(lbl not in lineage[o] for o in heads if o != h) for lbl in lineage[h])
    ]
    if len(undistinguished) < 2:
        return []
    return [(node, heads) for h in undistinguished for node in by_rev[h]]


def _lineage_labels(head: str, by_rev: dict[str, list[Node]]) -> set[str]:
    """Branch labels on `head` and its ancestors (down_revision only)."""
    labels: set[str] = set()
    todo, seen = [head], set()
    while todo:
        rev = todo.pop()
        if rev in seen or rev not in by_rev:
            continue
        seen.add(rev)
        info = by_rev[rev][0].info
        labels.update(info.branch_labels)
        todo.extend(info.down_revisions)
    return labels


_ASSIGN = {
    name: LazyPattern(rf"^{name}\s*(?::[^=]*)?=")
    for name in ("revision", "down_revision", "depends_on")
}


def _finding(cf: CheckedFile, code: str, where: str, message: str, statement: str) -> Finding:
    rng = assignment_range(cf.source, where) if cf.source is not None else None
    if rng is None:
        rng = Range.of(1, 0, 1, 0)
    return Finding(
        code=code,
        message=message,
        severity=RULES[code].severity,
        range=rng,
        statement_range=rng,
        fix=None,
        data={
            "kind": "graph",
            "phase": None,
            "function": None,
            "statement": statement,
            "sql": None,
            "movable": False,
        },
    )


def assignment_range(source: str, name: str) -> Range | None:
    """The module-level `name = ...` statement (all its lines), else None. Columns in code points."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return _regex_range(source, name)
    found: ast.stmt | None = None
    for stmt in tree.body:
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found = stmt
    if found is None or found.end_lineno is None or found.end_col_offset is None:
        return None
    lines = split_lines(source)
    start_col = utf8_to_codepoints(lines[found.lineno - 1], found.col_offset)
    end_col = utf8_to_codepoints(lines[found.end_lineno - 1], found.end_col_offset)
    return Range.of(found.lineno, start_col, found.end_lineno, end_col)


def _regex_range(source: str, name: str) -> Range | None:
    for number, line in enumerate(split_lines(source), start=1):
        if _ASSIGN[name].match(line):
            return Range.of(number, 0, number, len(line.rstrip()))
    return None
