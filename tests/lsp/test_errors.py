"""Internal errors are answered as LSP errors, logged with their traceback, and survived."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .conftest import Project
from .harness import Session


async def test_internal_error_is_an_lsp_error_and_the_server_lives_on(
    session: Session, project: Project
) -> None:
    with pytest.raises(Exception, match="unknown rule"):
        await session.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="ddlguard.showDocumentation", arguments=["DG999"])
        )
    await session.settle(0.2)
    assert any("Traceback" in m.message for m in session.client.log_messages)
    shown = [m for m in session.client.messages if m.type == types.MessageType.Error]
    assert len(shown) <= 1
    path = project.add_after_base("a1_m.py", "a1", body="    pass")
    u = session.open(path)
    assert [d.code for d in await session.diagnostics(u, version=1)] == ["DG202"]


async def test_requests_on_unknown_documents_do_not_crash(
    session: Session, project: Project
) -> None:
    ghost = types.TextDocumentIdentifier((project.root / "nope.py").as_uri())
    with pytest.raises(Exception):  # noqa: B017 - any LSP error response will do
        await session.client.text_document_hover_async(
            types.HoverParams(ghost, types.Position(0, 0))
        )
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=ghost,
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions
    path = project.add_after_base("a1_m.py", "a1", body="    pass")
    assert await session.diagnostics(session.open(path), version=1)
