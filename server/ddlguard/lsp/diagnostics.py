"""Findings to LSP diagnostics.

Each diagnostic carries in `data` everything the code actions need (the finding's own data, its
statement range in engine coordinates, the fix hint and the document version), so listing code
actions never re-analyses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types

from ddlguard.lsp.text import DocText
from ddlguard.model import Finding, Range, Severity
from ddlguard.rules import RULES

SOURCE = "ddlguard"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def range_to_list(rng: Range) -> list[int]:
    """[line, character, end_line, end_character] in engine coordinates (JSON-safe)."""
    return [rng.start.line, rng.start.character, rng.end.line, rng.end.character]


def range_from_list(value: Any) -> Range | None:
    if isinstance(value, list) and len(value) == 4 and all(isinstance(v, int) for v in value):
        return Range.of(*value)
    return None


def finding_data(finding: Finding, version: int | None) -> dict[str, Any]:
    """The finding's `data` plus what code actions need without re-analysing."""
    fix = finding.fix
    return {
        **dict(finding.data),
        "code": finding.code,
        "message": finding.message,
        "range": range_to_list(finding.range),
        "statementRange": range_to_list(finding.statement_range or finding.range),
        "fix": None
        if fix is None
        else {
            "applicability": fix.applicability.value,
            "description": fix.description,
            "reason": fix.reason,
        },
        "version": version,
    }


def to_diagnostic(
    finding: Finding,
    text: DocText,
    version: int | None,
    related: list[types.DiagnosticRelatedInformation] | None = None,
) -> types.Diagnostic:
    rule = RULES[finding.code]
    return types.Diagnostic(
        range=text.to_lsp_range(finding.range),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=rule.url),
        source=SOURCE,
        data=finding_data(finding, version),
        related_information=related,
    )


def to_diagnostics(
    findings: list[Finding],
    text: DocText,
    version: int | None,
    related: Mapping[tuple[str, Range], list[types.DiagnosticRelatedInformation]] | None = None,
) -> list[types.Diagnostic]:
    """`related` (by code and range): where a refused move's dependent statement is."""
    related = related or {}
    return [to_diagnostic(f, text, version, related.get((f.code, f.range))) for f in findings]
