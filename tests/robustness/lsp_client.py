"""A minimal editor for load and hostile-input tests: the real server over stdio.

Independent of tests/lsp's harness on purpose: it records every publish with its version and
exposes the server's pid so a test can read its memory from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

REPO = Path(__file__).resolve().parents[2]


class _Collect:
    """A writer that keeps what it is given (see `Editor.batched`)."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:
        pass


@dataclass
class Editor:
    client: LanguageClient
    root: Path
    published: list[types.PublishDiagnosticsParams] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    server_requests: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        server = self.client._server
        assert server is not None
        return server.pid

    def rss_kib(self) -> int:
        """Resident memory of the server process (VmRSS in /proc), KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def alive(self) -> bool:
        server = self.client._server
        return server is not None and server.returncode is None

    def open(self, path: Path, text: str) -> str:
        u = from_fs_path(str(path)) or path.as_uri()
        self.versions[u] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=u, language_id="python", version=1, text=text)
            )
        )
        return u

    def change(self, u: str, text: str) -> int:
        self.versions[u] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=u, version=self.versions[u]),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[u]

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Notifications sent inside are written to the server's stdin in one write on exit, so
        the server reads them back to back: how fast this process serialises them (and whether
        it is scheduled meanwhile) cannot put pauses into what the server sees as one burst."""
        protocol = self.client.protocol
        real = protocol.writer
        assert real is not None
        chunks: list[bytes] = []
        protocol.set_writer(_Collect(chunks))
        try:
            yield
        finally:
            protocol.set_writer(real)
        real.write(b"".join(chunks))

    def close(self, u: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=u))
        )

    async def code_actions(self, u: str, diagnostics: list[types.Diagnostic]) -> list[Any]:
        """Every action offered over the whole document, resolved (edits computed, not applied)."""
        end = types.Position(10_000, 0)
        actions = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(u),
                types.Range(types.Position(0, 0), end),
                types.CodeActionContext(diagnostics=diagnostics),
            )
        )
        out: list[Any] = []
        for action in actions or []:
            if isinstance(action, types.CodeAction) and action.edit is None and action.data:
                action = await self.client.code_action_resolve_async(action)
            out.append(action)
        return out

    async def hover_time(self, u: str, line: int = 0, character: int = 0) -> float:
        """Seconds the server takes to answer a hover (any answer, None included)."""
        started = time.monotonic()
        await self.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(u), types.Position(line, character))
        )
        return time.monotonic() - started

    def last_publish(self, u: str) -> types.PublishDiagnosticsParams | None:
        return next((p for p in reversed(self.published) if p.uri == u), None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            await asyncio.sleep(0.05)
        return predicate()


def _capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
            ),
            apply_edit=True,
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True, data_support=True
            ),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    types.ClientCodeActionKindOptions(
                        [types.CodeActionKind.QuickFix, types.CodeActionKind.Source]
                    )
                ),
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]),
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        ),
    )


async def start_editor(
    root: Path, *, cwd: Path | None = None, pythonpath: tuple[Path, ...] = ()
) -> Editor:
    """The server as an editor starts it (`cwd`: the editor's choice, e.g. the workspace)."""
    client = LanguageClient(converter_factory=default_converter)
    editor = Editor(client, root)
    features: dict[str, Callable[..., Any]] = dict(DEFAULT_CLIENT_FEATURES)

    def publish(c: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        c.diagnostics[params.uri] = params.diagnostics
        editor.published.append(params)

    def apply_edit(c: LanguageClient, params: types.ApplyWorkspaceEditParams) -> Any:
        editor.server_requests.append("workspace/applyEdit")
        return types.ApplyWorkspaceEditResult(applied=False)  # this editor never applies

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.WORKSPACE_APPLY_EDIT] = apply_edit
    for method, func in features.items():
        client.feature(method)(func)
    path = os.pathsep.join(str(p) for p in (*pythonpath, REPO / "server"))
    env = {**os.environ, "PYTHONPATH": path}
    await client.start_io(sys.executable, "-m", "ddlguard", "lsp", env=env, cwd=cwd or REPO)
    u = from_fs_path(str(root)) or root.as_uri()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=_capabilities(),
            root_uri=u,
            workspace_folders=[types.WorkspaceFolder(uri=u, name=root.name)],
        )
    )
    return editor


async def stop_editor(editor: Editor) -> None:
    await editor.client.shutdown_session()
    await editor.client.stop()  # type: ignore[no-untyped-call]
