"""The background scan of every migration in the workspace folders, and re-checks from disk.

Runs at start-up (unless `openFilesOnly`) and again when settings or config files change. Files
are analysed in a worker thread in small batches, so requests are answered during the scan;
the results of files open in the editor are left to the document analyser, which has the
unsaved text. A newer scan makes an older one stop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from ddlguard.data_scripts import check_data_scripts
from ddlguard.graph import check_graph
from ddlguard.lsp.diagnostics import to_diagnostics
from ddlguard.lsp.text import DocText
from ddlguard.model import FileResult
from ddlguard.project import ConfigError, Project, discover, project_for_file
from ddlguard.rules import RULES
from ddlguard.runner import CheckedFile, CheckRun, check_file
from ddlguard.selection import is_selected

if TYPE_CHECKING:
    from ddlguard.lsp.server import DdlguardServer

log = logging.getLogger("ddlguard.lsp")

BATCH = 16
_tokens = itertools.count(1)


def _uri(path: Path) -> str:
    return from_fs_path(str(path.absolute())) or path.absolute().as_uri()


def _selected(checked: CheckedFile) -> bool:
    """since-revision / diff-base, per file; a bad value is logged and the file is checked."""
    settings = checked.settings
    if not (settings.since_revision or settings.diff_base) or not checked.result.is_migration:
        return True
    try:
        return is_selected(checked.result.path, settings, checked.project, info=checked.result.info)
    except ConfigError as exc:
        log.warning("workspace scan: %s", exc)
        return True


def _diagnostics_for(result: FileResult, source: str | None) -> list[types.Diagnostic]:
    if source is None or not result.is_migration or result.error:
        return []
    findings = [f for f in result.findings if not RULES[f.code].cli_only]
    return to_diagnostics(findings, DocText.of(source), None)


class WorkspaceScanner:
    """Publishes diagnostics for migration files that are not open."""

    def __init__(self, server: DdlguardServer) -> None:
        self.server = server
        self.generation = 0
        self.published: set[str] = set()  # URIs with non-empty diagnostics from disk
        self.task: asyncio.Task[int] | None = None
        self.last_count = 0

    def _check_batch(
        self, batch: list[tuple[Path, Project]], keep: list[CheckedFile] | None = None
    ) -> list[tuple[str, list[types.Diagnostic]]]:
        """Analyse files from disk; `keep` collects them for the project-wide checks."""
        out: list[tuple[str, list[types.Diagnostic]]] = []
        for path, project in batch:
            time.sleep(0)  # hand the GIL to the event loop between files
            try:
                settings = self.server.contexts.for_path(path).settings
                if not settings.accepts_path(path):  # `include`/`exclude` leave it out
                    out.append((_uri(path), []))
                    continue
                checked = check_file(path, project, settings)
                if not _selected(checked):
                    checked.result.findings.clear()
                elif keep is not None and (checked.result.is_migration or checked.result.error):
                    keep.append(checked)
                diagnostics = _diagnostics_for(checked.result, checked.source)
            except Exception:
                log.exception("workspace scan: %s failed", path)
                continue
            out.append((_uri(path), diagnostics))
        return out

    def _project_wide(
        self, checked: list[CheckedFile], folders: list[Path]
    ) -> list[tuple[str, list[types.Diagnostic]]]:
        """The revision graph (DG101-DG104) over everything scanned, and DG401 in scripts."""
        out = []
        extra = check_graph(checked)
        for cf in checked:
            found = extra.get(cf.result.path)
            if found and cf.source is not None:
                cf.result.findings.extend(found)
                cf.result.findings.sort(key=lambda f: (f.range, f.code))
                out.append((_uri(cf.result.path), _diagnostics_for(cf.result, cf.source)))
        run = CheckRun(files=checked)
        for cf in check_data_scripts(run, folders):
            if cf.source is not None and not cf.result.error:
                findings = [f for f in cf.result.findings if not RULES[f.code].cli_only]
                out.append(
                    (_uri(cf.result.path), to_diagnostics(findings, DocText.of(cf.source), None))
                )
        return out

    def _discover(self, folders: list[Path]) -> list[tuple[Path, Project]]:
        found = discover(folders)
        for problem in found.problems:
            log.warning("workspace scan: %s", problem)
        return found.files

    def start(self) -> None:
        """(Re)start the scan; an unfinished older scan stops at its next batch."""
        if self.server.options.open_files_only:
            self.clear()
            return
        self.generation += 1
        self.task = asyncio.ensure_future(self.scan(self.generation))

    def clear(self) -> None:
        self.generation += 1
        for uri in self.published:
            if not self.server.documents.is_open(uri):
                self.server.push_diagnostics(uri, [], None)
        self.published.clear()

    async def scan(self, generation: int) -> int:
        """Scan every workspace folder; returns the number of files analysed."""
        folders = self.server.folder_paths()
        if not folders:
            return 0
        loop = asyncio.get_running_loop()
        executor = self.server.scan_executor
        files = await loop.run_in_executor(executor, self._discover, folders)
        progress = await self._begin_progress(len(files))
        done = 0
        seen: set[str] = set()
        checked: list[CheckedFile] = []
        try:
            for start in range(0, len(files), BATCH):
                if generation != self.generation:
                    return done
                batch = files[start : start + BATCH]
                results = await loop.run_in_executor(executor, self._check_batch, batch, checked)
                if generation != self.generation:
                    return done
                for uri, diagnostics in results:
                    seen.add(uri)
                    self._publish(uri, diagnostics)
                done += len(batch)
                if progress is not None:
                    self._report(progress, done, len(files))
            results = await loop.run_in_executor(executor, self._project_wide, checked, folders)
            if generation != self.generation:
                return done
            for uri, diagnostics in results:
                seen.add(uri)
                self._publish(uri, diagnostics)
            for uri in self.published - seen:  # files gone since the last scan
                self._publish(uri, [])
        finally:
            if progress is not None:
                self.server.work_done_progress.end(
                    progress, types.WorkDoneProgressEnd(message=f"{done} files")
                )
        self.last_count = done
        log.info("workspace scan: %d migration files analysed", done)
        return done

    def _publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        if self.server.documents.is_open(uri):
            return  # the editor's text wins over the file on disk
        if diagnostics or uri in self.published:
            self.server.push_diagnostics(uri, diagnostics, None)
        if diagnostics:
            self.published.add(uri)
        else:
            self.published.discard(uri)

    async def _begin_progress(self, total: int) -> str | None:
        window = self.server.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = f"ddlguard-scan-{next(_tokens)}"
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception:
            log.debug("client refused work-done progress", exc_info=True)
            return None
        self.server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="ddlguard", message=f"checking {total} migrations", percentage=0
            ),
        )
        return token

    def _report(self, token: str, done: int, total: int) -> None:
        self.server.work_done_progress.report(
            token,
            types.WorkDoneProgressReport(
                message=f"{done}/{total}", percentage=int(done * 100 / max(total, 1))
            ),
        )

    async def refresh(self, uri: str) -> None:
        """Re-check one closed file from disk (saved elsewhere, closed, created, changed)."""
        if self.server.options.open_files_only or self.server.documents.is_open(uri):
            return
        fs = to_fs_path(uri)
        if fs is None:
            return
        path = Path(fs)
        if not path.is_file():
            self._publish(uri, [])
            return
        loop = asyncio.get_running_loop()
        project = await loop.run_in_executor(self.server.scan_executor, project_for_file, path)
        results = await loop.run_in_executor(
            self.server.scan_executor, self._check_batch, [(path, project)]
        )
        for result_uri, diagnostics in results:
            self._publish(result_uri, diagnostics)
