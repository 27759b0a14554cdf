"""The editor's settings (initializationOptions and the `ddlguard` configuration section).

Editors speak camelCase (`scriptsDir`); the project file speaks the design's kebab-case keys
(`scripts-dir`). This module maps one onto the other, keeps the server-only switches apart and
turns everything else into `Settings` through the same validation as the project file, so a bad
value becomes a problem naming the key, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ddlguard.settings import ConfigProblem, Settings, settings_from_mapping

SOURCE = "editor settings"

# editor key -> [tool.ddlguard] key
EDITOR_KEYS: dict[str, str] = {
    "select": "select",
    "ignore": "ignore",
    "severity": "severity",
    "dialect": "dialect",
    "scriptsDir": "scripts-dir",
    "scriptTemplate": "script-template",
    "include": "include",
    "exclude": "exclude",
    "sinceRevision": "since-revision",
    "diffBase": "diff-base",
}
# switches of the server itself, not of the analysis
SERVER_KEYS = frozenset({"openFilesOnly", "logLevel", "path", "interpreter", "trace", "enable"})


@dataclass(frozen=True)
class EditorOptions:
    """What the editor asked for: analysis settings plus the server's own switches."""

    settings: Settings = field(default_factory=Settings)
    open_files_only: bool = False
    log_level: str = "info"
    problems: tuple[ConfigProblem, ...] = ()


def unwrap(raw: Any) -> Mapping[str, Any]:
    """Accept `{...}`, `{"ddlguard": {...}}` or `{"settings": {...}}`: clients nest differently."""
    if not isinstance(raw, Mapping):
        return {}
    for key in ("ddlguard", "settings"):
        inner = raw.get(key)
        if isinstance(inner, Mapping) and len(raw) == 1:
            return unwrap(inner) if key == "settings" else inner
    return raw


def _unset(value: Any) -> bool:
    """Editors send empty defaults (`[]`, `""`, `null`) for keys the user never set."""
    return value is None or value == "" or value == [] or value == {}


def parse_editor_options(raw: Any) -> EditorOptions:
    """Editor settings to `EditorOptions`; unknown keys and bad values become problems."""
    table = unwrap(raw)
    mapped: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    open_files_only = False
    log_level = "info"
    for key, value in table.items():
        if key == "openFilesOnly":
            if isinstance(value, bool):
                open_files_only = value
            elif value is not None:
                problems.append(ConfigProblem(SOURCE, key, "expected true or false; using false"))
            continue
        if key == "logLevel":
            if isinstance(value, str) and value.lower() in ("error", "warning", "info", "debug"):
                log_level = value.lower()
            elif value is not None:
                problems.append(
                    ConfigProblem(SOURCE, key, "expected error, warning, info or debug")
                )
            continue
        if key in SERVER_KEYS or _unset(value):
            continue  # switches for the editor extension, or left at the default
        design_key = EDITOR_KEYS.get(key, key if key in EDITOR_KEYS.values() else None)
        if design_key is None:
            problems.append(ConfigProblem(SOURCE, key, "unknown key"))
            continue
        mapped[design_key] = value
    settings = settings_from_mapping(mapped, SOURCE)
    return EditorOptions(
        settings=settings,
        open_files_only=open_files_only,
        log_level=log_level,
        problems=tuple(problems) + settings.problems,
    )


def layered(base: Any, override: Any) -> dict[str, Any]:
    """`override` (workspace/configuration) key by key over `base` (initializationOptions)."""
    out = dict(unwrap(base))
    out.update({k: v for k, v in unwrap(override).items() if not _unset(v)})
    return out
