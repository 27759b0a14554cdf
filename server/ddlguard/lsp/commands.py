"""Server commands (`workspace/executeCommand`): rule documentation and the fallback move."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ddlguard.lsp import code_actions, move
from ddlguard.lsp.documents import uri_to_path
from ddlguard.rules import RULES

if TYPE_CHECKING:
    from ddlguard.fix import FixPlan
    from ddlguard.lsp.server import DdlguardServer

log = logging.getLogger("ddlguard.lsp")


async def show_documentation(ls: DdlguardServer, code: str) -> None:
    """Open the rule's page (`window/showDocument`), or say where it is."""
    rule = RULES.get(str(code).upper())
    if rule is None:
        raise ValueError(f"unknown rule {code!r}")
    window = ls.client_capabilities.window
    if window and window.show_document and window.show_document.support:
        await ls.window_show_document_async(types.ShowDocumentParams(uri=rule.url, external=True))
    else:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info, message=f"{rule.code} {rule.name}: {rule.url}"
            )
        )


async def apply_move(ls: DdlguardServer, request: dict[str, Any]) -> bool:
    """The move for clients without `resourceOperations: create`: each script is created
    exclusively (never over a file), then the client applies the migration's edit; scripts
    of an edit the client refuses are deleted again. Returns whether the edit was applied."""
    uri = str(request.get("uri"))
    state = ls.documents.states.get(uri)
    good = state.good if state else None
    if good is None or good.version != request.get("version"):
        raise ValueError("the document changed since the action was offered; try again")
    action = request.get("action") or {}
    if action.get("action") == "move":
        finding = code_actions.finding_for(good, action.get("diagnostic") or {})
        findings = [finding] if finding else []
    else:
        findings = [f for f in good.analysis.findings if move.movable(f)]
    loop = asyncio.get_running_loop()

    def plan_and_write() -> tuple[FixPlan, list[Path]]:
        fix_plan = move.plan(good.text, good.analysis, uri_to_path(uri), findings)
        return fix_plan, move.write_scripts_exclusively(fix_plan)

    fix_plan, created = await loop.run_in_executor(ls.document_executor, plan_and_write)
    support = code_actions.ClientSupport.of(ls.client_capabilities)
    edit = move.migration_edit(good.text, uri, good.version, fix_plan, support.document_changes)
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="ddlguard: move data to scripts/sql")
    )
    if not result.applied:
        move.remove(created)
        log.warning(
            "the client did not apply the move (%s); removed %s", result.failure_reason, created
        )
    return bool(result.applied)
