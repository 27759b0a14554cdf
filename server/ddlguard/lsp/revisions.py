"""Revision ids in migration source: where each is declared and which files name it as parent.

Go to definition and find references need, per project, `revision` → file and parent →
children. Each file's module-level assignments are read with `ast` (never imported) and cached
by modification time, so repeated requests only re-read what changed.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ddlguard.model import Range
from ddlguard.positions import split_lines, utf8_to_codepoints
from ddlguard.project import Project, project_version_files
from ddlguard.source_encoding import decode_python_source

LINK_NAMES = ("revision", "down_revision", "depends_on")


@dataclass(frozen=True, slots=True)
class RevisionRef:
    """One string naming a revision id in a module-level assignment."""

    name: str  # revision | down_revision | depends_on
    value: str
    range: Range  # the string literal, quotes included, engine coordinates


def revision_refs(tree: ast.Module, source: str) -> list[RevisionRef]:
    """Every string in module-level `revision`, `down_revision` and `depends_on` assignments."""
    lines = split_lines(source)
    refs: list[RevisionRef] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets: list[ast.expr] = list(stmt.targets)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets = [stmt.target]
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name) and t.id in LINK_NAMES]
        if not names or stmt.value is None:
            continue
        values = stmt.value.elts if isinstance(stmt.value, (ast.Tuple, ast.List)) else [stmt.value]
        for node in values:
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if node.end_lineno is None or node.end_col_offset is None:
                continue
            start = utf8_to_codepoints(lines[node.lineno - 1], node.col_offset)
            end = utf8_to_codepoints(lines[node.end_lineno - 1], node.end_col_offset)
            rng = Range.of(node.lineno, start, node.end_lineno, end)
            refs.extend(RevisionRef(name, node.value, rng) for name in names)
    return refs


def refs_of_source(source: str) -> list[RevisionRef]:
    try:
        return revision_refs(ast.parse(source), source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []


def ref_at(refs: list[RevisionRef], line: int, character: int) -> RevisionRef | None:
    """The reference whose string literal holds the (engine) position."""
    for ref in refs:
        r = ref.range
        if (r.start.line, r.start.character) <= (line, character) <= (r.end.line, r.end.character):
            return ref
    return None


class RevisionIndex:
    """Per-file revision references, cached by (mtime, size); shared across projects."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[Path, tuple[tuple[int, int], list[RevisionRef]]] = {}

    def _refs(self, path: Path) -> list[RevisionRef]:
        try:
            st = path.stat()
        except OSError:
            return []
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._files.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            source = decode_python_source(path.read_bytes()).text  # as Python reads it
        except (OSError, ValueError):
            return []
        refs = refs_of_source(source) if "revision" in source else []
        with self._lock:
            self._files[path] = (stamp, refs)
        return refs

    def _files_of(self, project: Project) -> Iterator[Path]:
        yield from project_version_files(project)  # bounded to the project root

    def definitions(self, project: Project, revision: str) -> list[tuple[Path, RevisionRef]]:
        """Files whose `revision` is `revision` (a unique prefix also matches, as in Alembic)."""
        exact, partial = [], []
        for path in self._files_of(project):
            for ref in self._refs(path):
                if ref.name != "revision":
                    continue
                if ref.value == revision:
                    exact.append((path, ref))
                elif len(revision) >= 4 and ref.value.startswith(revision):
                    partial.append((path, ref))
        return exact or partial

    def children(self, project: Project, revision: str) -> list[tuple[Path, RevisionRef]]:
        """Every `down_revision`/`depends_on` string naming `revision`."""
        return [
            (path, ref)
            for path in self._files_of(project)
            for ref in self._refs(path)
            if ref.name != "revision" and ref.value == revision
        ]
