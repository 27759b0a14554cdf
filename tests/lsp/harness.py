"""Drives the real server (`python -m ddlguard lsp`) over stdio with pytest-lsp's client.

Each test builds a project in `tmp_path`, chooses the client's capabilities, and then talks
to the server as an editor would. Edits the server returns are applied to the files here, the
way a client applies them, so tests check the resulting files.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ddlguard.positions import split_lines, utf16_to_codepoints
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

REPO = Path(__file__).resolve().parents[2]


def capabilities(
    *,
    resolve: bool = True,
    create_files: bool = True,
    document_changes: bool = True,
    progress: bool = True,
    configuration: bool = True,
    watch: bool = True,
    pull: bool = False,
    show_document: bool = True,
) -> types.ClientCapabilities:
    """A client like VS Code by default; each switch turns one ability off (or pull on)."""
    resource_ops = [types.ResourceOperationKind.Create] if create_files else []
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=document_changes, resource_operations=resource_ops
            ),
            configuration=configuration,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watch
            ),
            apply_edit=True,
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
            if pull
            else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True, code_description_support=True, data_support=True
            ),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]
                    )
                ),
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
                if resolve
                else None,
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        ),
        window=types.WindowClientCapabilities(
            work_done_progress=progress,
            show_document=types.ShowDocumentClientCapabilities(support=show_document),
        ),
    )


@dataclass
class Recorder:
    """Everything the server sent that the default pytest-lsp client does not keep."""

    published: list[types.PublishDiagnosticsParams] = field(default_factory=list)
    registrations: list[types.RegistrationParams] = field(default_factory=list)
    applied: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    apply_result: bool = True
    on_publish: asyncio.Event = field(default_factory=asyncio.Event)


def make_client(recorder: Recorder) -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    features: dict[str, Callable[..., Any]] = dict(DEFAULT_CLIENT_FEATURES)

    def publish(c: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        c.diagnostics[params.uri] = params.diagnostics
        recorder.published.append(params)
        recorder.on_publish.set()

    def register(c: LanguageClient, params: types.RegistrationParams) -> None:
        recorder.registrations.append(params)

    def apply_edit(
        c: LanguageClient, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        recorder.applied.append(params)
        if recorder.apply_result:
            apply_workspace_edit(params.edit)
        return types.ApplyWorkspaceEditResult(applied=recorder.apply_result)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    features[types.WORKSPACE_APPLY_EDIT] = apply_edit
    for method, func in features.items():
        client.feature(method)(func)
    return client


def uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


class Session:
    """One client connected to one server process, on one workspace folder."""

    def __init__(self, client: LanguageClient, recorder: Recorder, root: Path) -> None:
        self.client = client
        self.recorder = recorder
        self.root = root
        self.versions: dict[str, int] = {}

    # --- documents ------------------------------------------------------------------------
    def open(self, path: Path, text: str | None = None) -> str:
        u = uri(path)
        self.versions[u] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=u,
                    language_id="python",
                    version=1,
                    text=path.read_bytes().decode("utf-8") if text is None else text,
                )
            )
        )
        return u

    def change(self, u: str, text: str) -> int:
        self.versions[u] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=u, version=self.versions[u]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[u]

    def close(self, u: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=u))
        )

    async def diagnostics(
        self, u: str, version: int | None = None, timeout: float = 10.0
    ) -> list[types.Diagnostic]:
        """The diagnostics published for `u` (at `version` when given)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for params in reversed(self.recorder.published):
                if params.uri == u and (version is None or params.version == version):
                    return list(params.diagnostics)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no diagnostics for {u} version {version}")
            self.recorder.on_publish.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.recorder.on_publish.wait(), remaining)

    async def settle(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)

    def published_for(self, u: str) -> list[types.PublishDiagnosticsParams]:
        return [p for p in self.recorder.published if p.uri == u]

    async def code_actions(
        self, u: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None
    ) -> list[types.CodeAction]:
        rng = (
            diagnostics[0].range
            if diagnostics
            else types.Range(types.Position(0, 0), types.Position(0, 0))
        )
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=u),
                range=rng,
                context=types.CodeActionContext(diagnostics=diagnostics, only=only),
            )
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    async def resolved(self, action: types.CodeAction) -> types.CodeAction:
        if action.edit is None and action.data is not None:
            return await self.client.code_action_resolve_async(action)
        return action


async def start_session(
    root: Path,
    caps: types.ClientCapabilities | None = None,
    *,
    init_options: Any = None,
    configuration: dict[str, Any] | None = None,
    folders: list[Path] | None = None,
) -> Session:
    recorder = Recorder()
    client = make_client(recorder)
    if configuration is not None:
        client.set_configuration(configuration)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "server")
    await client.start_io(sys.executable, "-m", "ddlguard", "lsp", env=env)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps or capabilities(),
            root_uri=uri(root),
            workspace_folders=[
                types.WorkspaceFolder(uri=uri(f), name=f.name) for f in (folders or [root])
            ],
            initialization_options=init_options,
        )
    )
    return Session(client, recorder, root)


async def stop_session(session: Session) -> None:
    await session.client.shutdown_session()
    await session.client.stop()


# --- applying edits like a client -------------------------------------------------------------
def _offset(text: str, pos: types.Position) -> int:
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: pos.line])
    current = split_lines(text)[pos.line] if pos.line < len(split_lines(text)) else ""
    return offset + utf16_to_codepoints(current, pos.character)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    ordered = sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    )
    for edit in ordered:
        start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def _path(u: str) -> Path:
    fs = to_fs_path(u)
    assert fs is not None
    return Path(fs)


def apply_workspace_edit(edit: types.WorkspaceEdit) -> None:
    """Apply to disk; a CreateFile over an existing file fails like a client would."""
    for change in edit.document_changes or []:
        if isinstance(change, types.CreateFile):
            path = _path(change.uri)
            options = change.options
            if path.exists() and not (options and (options.overwrite or options.ignore_if_exists)):
                raise FileExistsError(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", "utf-8")
        elif isinstance(change, types.TextDocumentEdit):
            path = _path(change.text_document.uri)
            text = path.read_bytes().decode("utf-8") if path.exists() else ""
            edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
            path.write_bytes(apply_text_edits(text, edits).encode("utf-8"))
        else:
            raise AssertionError(f"unexpected resource operation {change}")
    for u, edits in (edit.changes or {}).items():
        path = _path(u)
        path.write_bytes(
            apply_text_edits(path.read_bytes().decode("utf-8"), list(edits)).encode("utf-8")
        )
