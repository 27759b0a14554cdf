"""Open documents: analysis on open/change/save, coalesced per document, published by version.

A change is analysed at once, unless it is part of a burst (then after a short debounce); a
change arriving while the document's analysis runs is analysed as soon as that run ends (one
analysis at a time per document, always of the latest version). Large documents are analysed
in a worker thread so requests keep being answered. A result is stored and published only if
the document is still at the analysed version. A version that does not parse keeps the last
good findings (nothing is published, the editor keeps what it shows).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from lsprotocol import types
from pygls.uris import to_fs_path

from ddlguard.analysis.reparse import ParseMemo
from ddlguard.lsp import move
from ddlguard.lsp.analysis import Analysis, analyze_text, with_graph
from ddlguard.lsp.diagnostics import to_diagnostics
from ddlguard.lsp.memory import collect_when_idle
from ddlguard.lsp.text import DocText
from ddlguard.model import MigrationInfo

if TYPE_CHECKING:
    from ddlguard.lsp.server import DdlguardServer

log = logging.getLogger("ddlguard.lsp")

# changes closer together than the window (any documents) are a burst (a paste, a
# refactoring, a client replaying edits); burst changes wait the debounce, restarted by each
# newer change to the same document. The gap is counted from the later of the previous change
# and the end of the server's own work on the event loop (an analysis, its publish): changes
# that queued up while the server was busy are part of the burst, not a pause of the client.
# Without that, an analysis longer than the window made the next queued change look like a
# pause of the client, analysed at once, and so on (1,000 changes to 20 documents, written as
# a client makes them: 24-127 analyses, with it 21-40).
# The window stays narrow: while a large document is analysed in a worker, holding the GIL,
# keystrokes typed 50 ms apart reach the loop closer together, and 20 ms made them a burst
# (the 2,000-line p95 went from 68 to 209 ms).
BURST_WINDOW_SECONDS = 0.005
DEBOUNCE_SECONDS = 0.05
# documents up to this size are analysed on the event loop (a typical migration: ~1 ms)
INLINE_CHARS = 8_000
# a pause in typing before the fix planner runs for the related information of refusals
REFUSALS_AFTER_IDLE = 0.3
# above this size the planner is not run for the related information (2,000 lines: ~4 s holding
# the GIL, slowing the keystrokes typed meanwhile); the code actions still ask it when listed
REFUSALS_MAX_CHARS = 32_000


@dataclass(slots=True)
class Good:
    """The last version of a document that parsed, with what was published for it."""

    version: int | None
    text: DocText
    analysis: Analysis
    diagnostics: list[types.Diagnostic]


@dataclass(slots=True)
class DocState:
    uri: str
    analysed_version: int | None = None  # the newest version analysed, parsed or not
    good: Good | None = None
    task: asyncio.Task[None] | None = None  # the analysis, waiting or running
    running: bool = False
    # a change arrived while the analysis ran: run again when it ends, after this delay
    rerun: float | None = None
    follow_up: asyncio.Task[None] | None = None  # the refusals' related information
    saved_info: MigrationInfo | None = None  # the header at the last save, once known
    done: asyncio.Event = field(default_factory=asyncio.Event)
    # the last parsed text and its tree: a keystroke re-parses only the lines it changed
    parse_memo: ParseMemo = field(default_factory=ParseMemo)

    def cancel_follow_up(self) -> None:
        if self.follow_up is not None and not self.follow_up.done():
            self.follow_up.cancel()
        self.follow_up = None


def uri_to_path(uri: str) -> Path:
    """The file a URI names; non-file URIs (untitled:) get a path that exists nowhere."""
    fs = to_fs_path(uri)
    if fs and urlparse(uri).scheme == "file":
        return Path(fs)
    name = Path(urlparse(uri).path or "untitled.py")
    return name if name.suffix in (".py", ".sql") else name.with_suffix(".py")


def is_analysed(uri: str, language_id: str | None) -> bool:
    """Python files (migrations) and SQL files (data scripts, DG401)."""
    return language_id in ("python", "sql") or uri.endswith((".py", ".sql"))


class DocumentAnalyzer:
    """Owns the diagnostics of open documents."""

    def __init__(
        self,
        server: DdlguardServer,
        debounce: float = DEBOUNCE_SECONDS,
        window: float = BURST_WINDOW_SECONDS,
    ) -> None:
        self.server = server
        self.debounce = debounce
        self.window = window
        self.last_change_at = float("-inf")  # event-loop time of the last change, any document
        self.busy_until = float("-inf")  # when the last analysis on the event loop ended
        self.states: dict[str, DocState] = {}
        self.collector: asyncio.Task[None] | None = None  # the full collection once idle
        # the one document whose tree is kept (a 2,000-line migration's is ~300,000 objects):
        # the one being typed into
        self.tree_kept_for: DocState | None = None

    def collect_later(self) -> None:
        """A full garbage collection once no document has changed for a second (after typing,
        a close, the planner's work)."""
        if self.collector is None or self.collector.done():
            self.collector = asyncio.ensure_future(collect_when_idle(lambda: self.last_change_at))

    def is_open(self, uri: str) -> bool:
        return uri in self.states

    def current_version(self, uri: str) -> int | None:
        try:
            return self.server.workspace.get_text_document(uri).version
        except Exception:
            return None

    # --- events -------------------------------------------------------------------------
    def opened(self, uri: str, language_id: str | None) -> None:
        if not is_analysed(uri, language_id):
            return
        self.states[uri] = DocState(uri)
        self.schedule(uri, delay=0.0)

    def changed(self, uri: str) -> None:
        if uri in self.states:
            self.schedule(uri)

    def closed(self, uri: str) -> None:
        state = self.states.pop(uri, None)
        if state is not None and state is self.tree_kept_for:
            self.tree_kept_for = None
            state.parse_memo.clear()
        if state and state.task and not state.task.done():
            state.task.cancel()
        if state:
            state.cancel_follow_up()
            self.collect_later()

    def header_saved(self, uri: str) -> bool:
        """On save: True when the header on disk may have changed since the previous save (the
        revision graphs of every open document must then be rebuilt); unknown counts as True."""
        state = self.states.get(uri)
        if state is None:
            return True
        good = state.good
        if good is None or good.version != self.current_version(uri):
            state.saved_info = None  # the saved text is not analysed yet
            return True
        info = good.analysis.result.info
        changed = info is None or info != state.saved_info
        state.saved_info = info
        return changed

    def reanalyse_all(self) -> None:
        for uri in list(self.states):
            self.schedule(uri, delay=0.0)

    # --- scheduling ---------------------------------------------------------------------
    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Analyse soon. A change after a quiet spell starts at once (typing stays instant).
        A change arriving within `window` of the previous change to any document is part of a
        burst: it waits `debounce`, and each newer change to the document restarts that wait,
        so a burst costs one analysis per document, of its last version. A change arriving
        while the document's analysis runs is analysed right after it (no debounce unless it
        is a burst): the user waits for at most the running analysis and their own."""
        state = self.states[uri]
        now = asyncio.get_running_loop().time()
        burst = now - max(self.last_change_at, self.busy_until) < self.window
        self.last_change_at = now
        self.collect_later()
        state.cancel_follow_up()  # the planner's result would be for a superseded version
        state.done.clear()
        if delay is None:
            delay = self.debounce if burst else 0.0
        if state.running:
            state.rerun = delay  # the newest change decides, as below
            return
        if state.task is not None and not state.task.done():
            state.task.cancel()  # superseded before it started (or while it awaited the graph)
        state.task = asyncio.ensure_future(self._run(state, delay))

    async def _run(self, state: DocState, delay: float) -> None:
        wait: float | None = delay
        try:
            while wait is not None:
                await asyncio.sleep(wait)  # even 0 lets already-received changes supersede this
                state.rerun = None
                await self._analyse(state)
                wait, state.rerun = state.rerun, None  # changes that arrived while it ran
        finally:
            if state.task is asyncio.current_task() or state.task is None or state.task.done():
                state.done.set()

    async def _analyse(self, state: DocState) -> None:
        uri = state.uri
        doc = self.server.workspace.get_text_document(uri)
        version, text = doc.version, DocText.of(doc.source, self.server.position_encoding)
        loop = asyncio.get_running_loop()
        state.running = True
        if self.tree_kept_for is not state:
            if self.tree_kept_for is not None:
                self.tree_kept_for.parse_memo.clear()
            self.tree_kept_for = state
        memo = state.parse_memo
        spliced = memo.reparsed
        args = (text.source, uri_to_path(uri), self.server.contexts, self.server.graphs, memo)
        inline = len(text.source) <= INLINE_CHARS
        try:
            if inline:
                analysis = analyze_text(*args)  # ~1 ms: a thread hop would cost more than it saves
            else:
                analysis = await loop.run_in_executor(
                    self.server.document_executor, analyze_text, *args
                )
        except Exception:
            log.exception("analysis of %s failed; keeping its previous diagnostics", uri)
            return
        finally:
            state.running = False
            if inline:
                self.busy_until = loop.time()
        if memo.reparsed != spliced:
            log.debug("version %s of %s: only the changed lines were parsed again", version, uri)
        if self.states.get(uri) is not state or self.current_version(uri) != version:
            return  # closed or superseded: a newer run publishes
        state.analysed_version = version
        if not analysis.parsed:
            return  # mid-typing syntax error: keep the last good findings
        if analysis.problem:
            self.server.report_problem(analysis.problem)
        if analysis.context is not None and analysis.context.settings.problems:
            self.server.report_new_problems(analysis.context.settings.problems)
        try:
            diagnostics = to_diagnostics(analysis.findings, text, version)
        except Exception:
            log.exception(
                "diagnostics of %s could not be converted; keeping the previous ones", uri
            )
            return
        state.good = Good(version, text, analysis, diagnostics)
        self.server.publish_document(uri, diagnostics, version)
        if inline:
            self.busy_until = loop.time()
        if analysis.pending_graph is not None:
            await self._add_graph(state, analysis, text, version)
        if len(text.source) <= REFUSALS_MAX_CHARS and any(
            move.movable(f) for f in analysis.findings
        ):
            state.follow_up = asyncio.ensure_future(self._add_refusals(state, version))

    async def _add_refusals(self, state: DocState, version: int | None) -> None:
        """Refused moves get related information pointing at the statement that needs the
        data (the planner runs in a worker), published again for the same version."""
        # The planner is no keystroke work: it runs once typing pauses in every document (it
        # holds the GIL for ~125 ms, which would slow the analyses of another document being
        # typed into), in its own task, which the next change to this document cancels.
        loop = asyncio.get_running_loop()
        while (quiet := loop.time() - self.last_change_at) < REFUSALS_AFTER_IDLE:
            await asyncio.sleep(REFUSALS_AFTER_IDLE - quiet)
        good = state.good
        if good is None or good.version != version or self.current_version(state.uri) != version:
            return
        try:
            planned = self.server.document_executor.submit(
                move.refusals, good.text, good.analysis, uri_to_path(state.uri)
            )
            # the planner's garbage (libcst trees) is collected once it ends, even if a change
            # cancelled this task meanwhile: the worker thread goes on until then
            planned.add_done_callback(lambda _: loop.call_soon_threadsafe(self.collect_later))
            refused = await asyncio.wrap_future(planned)
            related = {}
            for decision in refused:
                info = move.related_information(decision, state.uri, good.text)
                if info is not None:
                    related[(decision.finding.code, decision.finding.range)] = [info]
            if not related:
                return
            diagnostics = to_diagnostics(good.analysis.findings, good.text, version, related)
        except Exception:
            log.exception("planning the moves of %s failed", state.uri)
            return
        if self.states.get(state.uri) is not state or self.current_version(state.uri) != version:
            return
        if state.good is not good:
            return  # a newer report (the graph's) replaced it meanwhile
        state.good = Good(version, good.text, good.analysis, diagnostics)
        self.server.publish_document(state.uri, diagnostics, version)

    async def _add_graph(
        self, state: DocState, analysis: Analysis, text: DocText, version: int | None
    ) -> None:
        """The revision-graph findings, computed in a worker (they read every sibling file),
        published as a second report for the same version if it is still current."""
        assert analysis.pending_graph is not None
        loop = asyncio.get_running_loop()
        try:
            found = await loop.run_in_executor(
                self.server.document_executor, self.server.graphs.compute, analysis.pending_graph
            )
            if not found:
                return
            full = with_graph(analysis, found)
            diagnostics = to_diagnostics(full.findings, text, version)
        except Exception:
            log.exception("revision-graph checks of %s failed", state.uri)
            return
        if self.states.get(state.uri) is not state or self.current_version(state.uri) != version:
            return
        state.good = Good(version, text, full, diagnostics)
        self.server.publish_document(state.uri, diagnostics, version)

    async def settled(self, uri: str) -> DocState | None:
        """The state once the current version has been analysed (for pull diagnostics)."""
        state = self.states.get(uri)
        for _ in range(100):
            if state is None or self.states.get(uri) is not state:
                return None
            finished = state.task is None or state.task.done()  # graph findings included
            current = state.analysed_version == self.current_version(uri)
            if current and finished and state.analysed_version is not None:
                return state
            if finished:
                self.schedule(uri, delay=0.0)
            await state.done.wait()
        return state
