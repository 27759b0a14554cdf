"""Editor settings: initializationOptions, then `workspace/configuration` (section `ddlguard`).

The configuration section, when the client has one, is layered key by key over the
initialization options. A change of either re-analyses open documents and rescans the
workspace. Problems are logged every time and shown to the user once per distinct problem.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ddlguard.lsp.initialization_options import EditorOptions, layered, parse_editor_options

if TYPE_CHECKING:
    from ddlguard.lsp.server import DdlguardServer

log = logging.getLogger("ddlguard.lsp")
SECTION = "ddlguard"


def supports_configuration(server: DdlguardServer) -> bool:
    ws = server.client_capabilities.workspace
    return bool(ws and ws.configuration)


async def fetch(server: DdlguardServer) -> Any:
    """The client's `ddlguard` section, or None when it has no configuration support."""
    if not supports_configuration(server):
        return None
    try:
        result = await server.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
    except Exception:
        log.warning("workspace/configuration failed; keeping the current settings", exc_info=True)
        return None
    return result[0] if result else None


def options_from(init_options: Any, section: Any) -> EditorOptions:
    return parse_editor_options(layered(init_options, section))


def report_problems(server: DdlguardServer, problems: list[str]) -> None:
    """Log each problem; show each distinct one to the user only once per session."""
    for problem in problems:
        log.warning("settings: %s", problem)
        if problem not in server.shown_problems:
            server.shown_problems.add(problem)
            server.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning, message=f"ddlguard: {problem}"
                )
            )
