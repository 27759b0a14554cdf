"""Analysing one document's text: the engine call the server makes, off the event loop.

Besides the engine's per-file findings, an open document gets what the CLI adds around it:
the revision-graph checks (DG101-DG104, memoised while the file's revision ids and their lines
stay the same, since they need every sibling's header), `since-revision`/`diff-base`
selection, and DG401 for `.sql` files in the scripts folder. Nothing is read of the document
itself from disk: unsaved text is what is analysed.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

from ddlguard.analysis.reparse import ParseMemo
from ddlguard.data_scripts import analyze_sql_script
from ddlguard.engine import analyze_source
from ddlguard.graph import check_graph
from ddlguard.lsp.context import ContextCache, FileContext
from ddlguard.model import FileResult, Finding, MigrationInfo
from ddlguard.project import ConfigError
from ddlguard.rules import RULES
from ddlguard.runner import MAX_FILE_BYTES, CheckedFile
from ddlguard.selection import is_selected

log = logging.getLogger("ddlguard.lsp")


@dataclass(frozen=True, slots=True)
class Analysis:
    """One version's result. `parsed` is False on a syntax error: the editor keeps the last good one.

    `problem` is a configuration problem met on the way (an unknown since-revision...), for the
    server to show once.
    """

    result: FileResult
    context: FileContext | None
    parsed: bool
    problem: str | None = None
    # set when the revision-graph findings are not memoised yet: `with_graph` adds them later
    pending_graph: CheckedFile | None = None

    @property
    def findings(self) -> list[Finding]:
        """Findings an editor shows: never DG000 or other CLI-only rules."""
        return [f for f in self.result.findings if not RULES[f.code].cli_only]


class GraphMemo:
    """Graph findings per file, valid while its `MigrationInfo` (ids and their lines) is unchanged.

    Cleared when any migration on disk changes (watched files, saves). A build already under
    way for the same file and header is joined rather than repeated (a superseded analysis's
    build goes on in its worker); one that started before a `clear` read the old files: its
    result is returned to its caller but not remembered.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_path: dict[Path, tuple[MigrationInfo, list[Finding]]] = {}
        self._building: dict[tuple[Path, MigrationInfo, int], Future[list[Finding]]] = {}
        self._generation = 0  # bumped by `clear`
        self.builds = 0  # graphs built and remembered (each reads every sibling's header)

    def clear(self) -> None:
        with self._lock:
            self._by_path.clear()
            self._generation += 1

    def cached(self, checked: CheckedFile) -> list[Finding] | None:
        """The memoised findings, or None when they must be computed (`compute`)."""
        info = checked.result.info
        if info is None:
            return []
        with self._lock:
            memo = self._by_path.get(checked.result.path)
        return memo[1] if memo is not None and memo[0] == info else None

    def compute(self, checked: CheckedFile) -> list[Finding]:
        """Build the project's graph (reads every sibling's header: off the event loop)."""
        found = self.cached(checked)
        info = checked.result.info
        if found is not None or info is None:
            return found or []
        path = checked.result.path
        with self._lock:
            key = (path, info, self._generation)
            building = self._building.get(key)
            if building is None:
                future = self._building[key] = Future()
        if building is not None:
            return building.result()  # the same build, already under way
        try:
            found = check_graph([checked]).get(path, [])
        except BaseException as exc:
            with self._lock:
                del self._building[key]
            future.set_exception(exc)
            raise
        with self._lock:
            del self._building[key]
            current = key[2] == self._generation
            if current:
                self._by_path[path] = (info, found)
                self.builds += 1
            builds = self.builds
        future.set_result(found)
        if current:
            log.debug(
                "revision graph built for %s (build %d): its revision ids or their lines are new",
                path.name,
                builds,
            )
        return found


def _with_project_findings(result: FileResult, extra: list[Finding], context: FileContext) -> None:
    settings = context.settings
    enabled = settings.enabled_codes()
    result.findings.extend(
        f._replace(severity=settings.severity_of(f.code)) for f in extra if f.code in enabled
    )
    result.findings.sort(key=lambda f: (f.range, f.code))


def _in_scripts_dir(path: Path, context: FileContext) -> bool:
    try:
        folder = context.project.scripts_dir(context.settings.scripts_dir)
        path.resolve().relative_to(folder)
    except (ConfigError, ValueError, OSError):
        return False
    return True


def analyze_text(
    source: str,
    path: Path,
    contexts: ContextCache,
    graphs: GraphMemo | None = None,
    parse_memo: ParseMemo | None = None,
) -> Analysis:
    """Analyse `source` (BOM-less) as the file at `path` would be analysed by the CLI;
    `parse_memo` holds the document's previous version (only what changed is parsed again)."""
    if len(source) > MAX_FILE_BYTES:
        return Analysis(FileResult(path=path, findings=[], is_migration=False), None, True)
    context = contexts.for_path(path)
    if path.suffix == ".sql":
        if not _in_scripts_dir(path, context):
            return Analysis(FileResult(path=path, findings=[], is_migration=False), context, True)
        return Analysis(
            analyze_sql_script(source, path, context.settings, context.dialect), context, True
        )
    if not context.settings.accepts_path(path):  # `include`/`exclude` leave it out
        return Analysis(FileResult(path=path, findings=[], is_migration=False), context, True)
    result = analyze_source(
        source,
        path,
        context.settings,
        dialect=context.dialect,
        in_version_dir=contexts.in_version_dir(path, context),
        editor_text=True,
        parse_memo=parse_memo,
    )
    if result.error is not None or not result.is_migration:
        return Analysis(result, context, result.error is None)
    problem = None
    settings = context.settings
    if settings.since_revision or settings.diff_base:
        try:
            if not is_selected(path, settings, context.project, info=result.info):
                result.findings.clear()
                return Analysis(result, context, True)
        except ConfigError as exc:
            problem = str(exc)
    if graphs is not None:
        checked = CheckedFile(result, context.project, settings, source)
        found = graphs.cached(checked)
        if found is None:
            return Analysis(result, context, True, problem, pending_graph=checked)
        _with_project_findings(result, found, context)
    return Analysis(result, context, True, problem)


def with_graph(analysis: Analysis, found: list[Finding]) -> Analysis:
    """`analysis` with its revision-graph findings added (a new result; the old one is shared)."""
    assert analysis.context is not None
    result = analysis.result.copy(findings=list(analysis.result.findings))
    _with_project_findings(result, found, analysis.context)
    return replace(analysis, result=result, pending_graph=None)


_WARM_UP = """revision = "0"
down_revision = None


def upgrade():
    op.execute("UPDATE t SET a = 1")
"""


def warm_up() -> None:
    """Analyse a tiny migration once at start-up, so the SQL parsers are imported before the
    client's first request rather than while its first document waits."""
    from ddlguard.settings import Settings

    analyze_source(_WARM_UP, Path("warm_up.py"), Settings(), in_version_dir=True)
