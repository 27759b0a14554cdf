"""`ddlguard lsp`: the pygls server wiring each feature module to its LSP messages.

State lives on `DdlguardServer`; the feature modules are plain functions over it. Analysis
runs in worker threads (one pool for open documents, one thread for the workspace scan) so
the event loop keeps answering requests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from ddlguard import __version__
from ddlguard.lsp import code_actions, commands, configuration, hover, navigation
from ddlguard.lsp.analysis import GraphMemo, warm_up
from ddlguard.lsp.context import ContextCache
from ddlguard.lsp.documents import DocumentAnalyzer, uri_to_path
from ddlguard.lsp.initialization_options import EditorOptions
from ddlguard.lsp.log import WindowLogHandler, set_level, setup_logging
from ddlguard.lsp.memory import tune_gc
from ddlguard.lsp.protocol import BoundedReader, DdlguardProtocol, read_messages
from ddlguard.lsp.revisions import RevisionIndex
from ddlguard.lsp.text import DocText
from ddlguard.lsp.workspace_scan import WorkspaceScanner

log = logging.getLogger("ddlguard.lsp")

CONFIG_FILES = ("alembic.ini", "pyproject.toml", "ddlguard.toml")
CHECK_WORKSPACE = "ddlguard.server.checkWorkspace"
WATCHERS = ("**/alembic.ini", "**/pyproject.toml", "**/ddlguard.toml", "**/*.py")


class DdlguardServer(LanguageServer):
    """The language server and its state: options, caches, open documents, the scan."""

    def __init__(self) -> None:
        super().__init__("ddlguard", __version__, protocol_cls=DdlguardProtocol)
        self.options = EditorOptions()
        self.init_options: Any = None
        self.contexts = ContextCache()
        self.revisions = RevisionIndex()
        self.graphs = GraphMemo()
        self.documents = DocumentAnalyzer(self)
        self.scanner = WorkspaceScanner(self)
        self.document_executor = ThreadPoolExecutor(2, thread_name_prefix="ddlguard-doc")
        self.scan_executor = ThreadPoolExecutor(1, thread_name_prefix="ddlguard-scan")
        self.shown_problems: set[str] = set()
        self.shown_internal_error = False
        self.log_handler: WindowLogHandler | None = None

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls's stdio server with `read_messages` as its reader (see `lsp.protocol`)."""
        self._stop_event = threading.Event()
        reader = BoundedReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        protocol = self.protocol
        assert isinstance(protocol, DdlguardProtocol)
        try:
            asyncio.run(read_messages(self._stop_event, reader, protocol))
        except BrokenPipeError:
            log.error("the connection to the client is lost; stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    # --- capabilities -------------------------------------------------------------------
    @property
    def position_encoding(self) -> object:
        return self.workspace.position_encoding

    @property
    def pull_mode(self) -> bool:
        """The client pulls diagnostics of open documents (textDocument/diagnostic)."""
        td = self.client_capabilities.text_document
        return bool(td and td.diagnostic)

    def folder_uris(self) -> list[tuple[str, Path]]:
        out = []
        for folder in self.workspace.folders.values():
            fs = to_fs_path(folder.uri)
            if fs:
                out.append((folder.uri, Path(fs)))
        return out

    def folder_paths(self) -> list[Path]:
        paths = []
        for folder in self.workspace.folders.values():
            fs = to_fs_path(folder.uri)
            if fs:
                paths.append(Path(fs))
        if not paths and self.workspace.root_path:
            paths.append(Path(self.workspace.root_path))
        return [p for p in paths if p.is_dir()]

    # --- publishing ---------------------------------------------------------------------
    def push_diagnostics(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None
    ) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def publish_document(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None
    ) -> None:
        """An open document's diagnostics: pushed, unless the client pulls them."""
        if not self.pull_mode:
            self.push_diagnostics(uri, diagnostics, version)

    def current_text(self, uri: str) -> DocText:
        """The open document's text, else the file's; InvalidParams when it is neither."""
        try:
            source = self.workspace.get_text_document(uri).source
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise JsonRpcInvalidParams(
                message=f"{uri}: not an open document nor a readable file"
            ) from exc
        return DocText.of(source, self.position_encoding)

    # --- settings -----------------------------------------------------------------------
    def apply_options(
        self, options: EditorOptions, folders: dict[Path, EditorOptions] | None = None
    ) -> None:
        """Global options (server switches and settings) and per-folder analysis settings."""
        changed = options != self.options
        self.options = options
        set_level(options.log_level)
        per_folder = {path: o.settings for path, o in (folders or {}).items()}
        self.contexts.reset(options.settings, per_folder)
        problems = [str(p) for p in options.problems]
        for o in (folders or {}).values():
            problems.extend(str(p) for p in o.problems if str(p) not in problems)
        configuration.report_problems(self, problems)
        if changed:
            log.info("settings applied: %s", options.settings)

    def apply_sections(self, sections: configuration.Sections | None) -> None:
        global_ = sections.global_ if sections else None
        self.apply_options(
            configuration.options_from(self.init_options, global_),
            configuration.folder_options(self.init_options, sections),
        )

    def report_problem(self, problem: str) -> None:
        configuration.report_problems(self, [problem])

    def report_config_problems(self) -> None:
        configuration.report_problems(self, [str(p) for p in self.contexts.config_problems()])

    def report_new_problems(self, problems: Iterable[object]) -> None:
        """Problems of a config file met while analysing (a bad glob...), each shown once."""
        new = [str(p) for p in problems if str(p) not in self.shown_problems]
        if new:
            configuration.report_problems(self, new)

    def reanalyse_everything(self) -> None:
        self.graphs.clear()
        self.documents.reanalyse_all()
        self.scanner.start()
        if self.pull_mode:
            ws = self.client_capabilities.workspace
            if ws and ws.diagnostics and ws.diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)

    # --- errors -------------------------------------------------------------------------
    def report_server_error(self, error: Exception, source: Any) -> None:
        """Internal errors go to the log with their traceback; the user is told once."""
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            log.warning("request refused (%s): %s", getattr(source, "__name__", source), error)
            return  # the client's mistake (invalid params...), answered with its error code
        data = getattr(error, "data", None)
        if isinstance(data, dict) and data.get("traceback"):
            tb = "Traceback (most recent call last):\n" + "".join(data["traceback"])
        else:
            tb = "".join(traceback.format_exception(error))
        log.error("internal error (%s): %s\n%s", getattr(source, "__name__", source), error, tb)
        if not self.shown_internal_error:
            self.shown_internal_error = True
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message="ddlguard: internal error, see the ddlguard output for details",
                )
            )


server = DdlguardServer()


@server.feature(types.INITIALIZE)
def initialize(ls: DdlguardServer, params: types.InitializeParams) -> None:
    ls.init_options = params.initialization_options
    ls.log_handler = setup_logging(ls)
    ls.log_handler.loop = asyncio.get_event_loop()
    ls.apply_options(configuration.options_from(ls.init_options, None))


@server.feature(types.INITIALIZED)
async def initialized(ls: DdlguardServer, params: types.InitializedParams) -> None:
    folders = ls.folder_paths()
    if folders:
        # relative things (editor `include`/`exclude` globs, git for diff-base, the fallback
        # project root) resolve against the workspace, whatever folder the editor started us in
        os.chdir(folders[0])
    await _register_watchers(ls)
    sections = await configuration.fetch(ls)
    if sections is not None:
        ls.apply_sections(sections)
        ls.documents.reanalyse_all()
    ls.scanner.start()


async def _register_watchers(ls: DdlguardServer) -> None:
    ws = ls.client_capabilities.workspace
    if not (
        ws and ws.did_change_watched_files and ws.did_change_watched_files.dynamic_registration
    ):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHERS]
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="ddlguard-watched-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )
    except Exception:
        log.warning("the client refused file watching", exc_info=True)


@server.feature(types.SHUTDOWN)
def shutdown(ls: DdlguardServer, params: None) -> None:
    ls.scanner.generation += 1  # stops a running scan at its next batch
    ls.document_executor.shutdown(wait=False, cancel_futures=True)
    ls.scan_executor.shutdown(wait=False, cancel_futures=True)


# --- documents ----------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: DdlguardServer, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    if ls.pull_mode and uri in ls.scanner.published:
        ls.push_diagnostics(uri, [], None)  # the pulled report replaces the scan's push
    ls.documents.opened(uri, params.text_document.language_id)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: DdlguardServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.documents.changed(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: DdlguardServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.documents.header_saved(params.text_document.uri):
        ls.graphs.clear()  # the saved revision ids are what sibling files now see
    ls.documents.reanalyse_all()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: DdlguardServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if not ls.documents.is_open(uri):
        return
    ls.documents.closed(uri)
    ls.scanner.published.discard(uri)
    ls.push_diagnostics(uri, [], None)
    await ls.scanner.refresh(uri)  # with the workspace scan on, the file on disk is shown


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier="ddlguard", inter_file_dependencies=False, workspace_diagnostics=False
    ),
)
async def pull_diagnostics(
    ls: DdlguardServer, params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport:
    uri = params.text_document.uri
    if not ls.documents.is_open(uri):
        ls.documents.opened(uri, None)
    state = await ls.documents.settled(uri)
    items = state.good.diagnostics if state and state.good else []
    return types.RelatedFullDocumentDiagnosticReport(items=items)


# --- workspace ----------------------------------------------------------------------------
@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: DdlguardServer, params: types.DidChangeConfigurationParams
) -> None:
    if configuration.supports_configuration(ls):
        ls.apply_sections(await configuration.fetch(ls))
    else:
        settings = params.settings
        section = (
            settings.get(configuration.SECTION, settings) if isinstance(settings, dict) else None
        )
        ls.apply_sections(configuration.Sections(section))
    ls.reanalyse_everything()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(
    ls: DdlguardServer, params: types.DidChangeWatchedFilesParams
) -> None:
    ls.graphs.clear()
    config_changed = False
    python: list[str] = []
    for change in params.changes:
        name = change.uri.rsplit("/", 1)[-1]
        if name in CONFIG_FILES:
            config_changed = True
        elif name.endswith(".py"):
            python.append(change.uri)
    if config_changed:
        ls.contexts.reset()
        ls.report_config_problems()
        ls.reanalyse_everything()
        return
    for uri in python:
        await ls.scanner.refresh(uri)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_folders(ls: DdlguardServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    ls.scanner.start()


# --- code actions -------------------------------------------------------------------------
@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, code_actions.FIX_ALL_KIND],
        resolve_provider=True,
    ),
)
async def code_action(ls: DdlguardServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    state = ls.documents.states.get(params.text_document.uri)
    support = code_actions.ClientSupport.of(ls.client_capabilities)
    good = state.good if state else None
    # off the event loop: the titles come from the fix planner (move, split or nothing)
    return await asyncio.get_running_loop().run_in_executor(
        ls.document_executor, code_actions.list_actions, params, good, support
    )


@server.feature(types.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: DdlguardServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    state = ls.documents.states.get(str(data.get("uri")))
    support = code_actions.ClientSupport.of(ls.client_capabilities)
    good = state.good if state else None
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        ls.document_executor, code_actions.resolve, action, good, support
    )


@server.command(code_actions.SHOW_DOCS)
async def show_documentation(ls: DdlguardServer, code: str) -> None:
    await commands.show_documentation(ls, code)


@server.command(CHECK_WORKSPACE)
async def check_workspace(ls: DdlguardServer, *args: Any) -> int:
    """Rescan every migration of the workspace now (even with `openFilesOnly`); returns the count."""
    ls.scanner.generation += 1
    return await ls.scanner.scan(ls.scanner.generation)


@server.command(code_actions.APPLY_MOVE)
async def apply_move(ls: DdlguardServer, request: dict[str, Any]) -> bool:
    return await commands.apply_move(ls, request)


# --- hover and navigation -----------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: DdlguardServer, params: types.HoverParams) -> types.Hover | None:
    state = ls.documents.states.get(params.text_document.uri)
    findings = state.good.analysis.findings if state and state.good else []
    return hover.hover(ls.current_text(params.text_document.uri), params.position, findings)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def on_definition(ls: DdlguardServer, params: types.DefinitionParams) -> list[types.Location]:
    uri = params.text_document.uri
    text = ls.current_text(uri)
    return await asyncio.get_running_loop().run_in_executor(
        ls.document_executor,
        navigation.definition,
        text,
        uri_to_path(uri),
        params.position,
        ls.contexts,
        ls.revisions,
    )


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def on_references(ls: DdlguardServer, params: types.ReferenceParams) -> list[types.Location]:
    uri = params.text_document.uri
    text = ls.current_text(uri)
    return await asyncio.get_running_loop().run_in_executor(
        ls.document_executor,
        navigation.references,
        text,
        uri_to_path(uri),
        params.position,
        params.context.include_declaration,
        ls.contexts,
        ls.revisions,
    )


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
async def on_document_link(
    ls: DdlguardServer, params: types.DocumentLinkParams
) -> list[types.DocumentLink]:
    uri = params.text_document.uri
    text = ls.current_text(uri)
    td = ls.client_capabilities.text_document
    tooltips = bool(td and td.document_link and td.document_link.tooltip_support)
    return await asyncio.get_running_loop().run_in_executor(
        ls.document_executor,
        navigation.document_links,
        text,
        uri_to_path(uri),
        ls.contexts,
        tooltips,
    )


def run_server(tcp: str | None = None) -> int:
    """Serve over stdio, or on `HOST:PORT` for debugging."""
    # the scan thread holds the GIL for long stretches; a shorter switch interval lets the event
    # loop answer requests (hover, code actions) within a few ms meanwhile
    sys.setswitchinterval(0.001)
    warm_up()  # import the SQL parsers now, not while the first document waits
    tune_gc()
    if tcp:
        host, _, port = tcp.rpartition(":")
        if not port.isdigit():
            raise SystemExit(f"ddlguard lsp: --tcp expects HOST:PORT, got {tcp!r}")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0
