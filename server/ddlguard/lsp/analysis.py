"""Analysing one document's text: the engine call the server makes, off the event loop.

Pure apart from project discovery (cached in `ContextCache`): it reads nothing of the document
from disk, so unsaved text is what is analysed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ddlguard.engine import analyze_source
from ddlguard.lsp.context import ContextCache, FileContext
from ddlguard.model import FileResult, Finding
from ddlguard.rules import RULES
from ddlguard.runner import MAX_FILE_BYTES


@dataclass(frozen=True, slots=True)
class Analysis:
    """One version's result. `parsed` is False on a syntax error: the editor keeps the last good one."""

    result: FileResult
    context: FileContext | None
    parsed: bool

    @property
    def findings(self) -> list[Finding]:
        """Findings an editor shows: never DG000 or other CLI-only rules."""
        return [f for f in self.result.findings if not RULES[f.code].cli_only]


def analyze_text(source: str, path: Path, contexts: ContextCache) -> Analysis:
    """Analyse `source` (BOM-less) as the file at `path` would be analysed by the CLI."""
    if len(source) > MAX_FILE_BYTES:
        return Analysis(FileResult(path=path, findings=[], is_migration=False), None, True)
    context = contexts.for_path(path)
    result = analyze_source(
        source,
        path,
        context.settings,
        dialect=context.dialect,
        in_version_dir=context.project.contains_version_file(path),
    )
    return Analysis(result, context, result.error is None)
