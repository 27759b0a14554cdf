"""Editor settings: initializationOptions, then `workspace/configuration` (section `ddlguard`).

The configuration section, when the client has one, is layered key by key over the
initialization options. A change of either re-analyses open documents and rescans the
workspace. Problems are logged every time and shown to the user once per distinct problem.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass(frozen=True, slots=True)
class Sections:
    """The client's `ddlguard` section: the global one and one per workspace folder."""

    global_: Any
    folders: dict[Path, Any] = field(default_factory=dict)


async def fetch(server: DdlguardServer) -> Sections | None:
    """Ask for the section globally and for each folder; None without configuration support."""
    if not supports_configuration(server):
        return None
    folders = server.folder_uris()
    items = [types.ConfigurationItem(section=SECTION)] + [
        types.ConfigurationItem(section=SECTION, scope_uri=uri) for uri, _ in folders
    ]
    try:
        result = await server.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception:
        log.warning("workspace/configuration failed; keeping the current settings", exc_info=True)
        return None
    values = list(result or [])
    values += [None] * (len(items) - len(values))
    per_folder = {path: value for (_, path), value in zip(folders, values[1:], strict=True)}
    return Sections(values[0], {p: v for p, v in per_folder.items() if v is not None})


def options_from(init_options: Any, section: Any) -> EditorOptions:
    return parse_editor_options(layered(init_options, section))


def folder_options(init_options: Any, sections: Sections | None) -> dict[Path, EditorOptions]:
    """Per-folder options (each folder's section over the initialization options)."""
    if sections is None:
        return {}
    return {path: options_from(init_options, value) for path, value in sections.folders.items()}


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
