"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run: the tool with the whole rule catalogue in `tool.driver.rules` (so viewers can show
each rule's explanation), one result per finding. Locations are URIs relative to the current
folder through the `%SRCROOT%` base, which is where code scanning expects the repository's
root. Columns count UTF-16 code units, SARIF's default `columnKind`; `endColumn` is exclusive.
Configuration and discovery problems are tool notifications of the invocation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from ddlguard import __version__
from ddlguard.cli.formats import display_path, sorted_findings
from ddlguard.model import Finding, Position, Severity
from ddlguard.positions import codepoints_to_utf16, split_lines
from ddlguard.rules import RULES, Rule
from ddlguard.runner import CheckRun
from ddlguard.settings import ConfigProblem

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ddlguard/ddlguard"
SRCROOT = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    explanation = rule.explanation
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_paragraph(explanation) or rule.summary},
        "help": {"text": explanation, "markdown": explanation},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"fix": rule.applicability.value},
    }


def _first_paragraph(markdown: str) -> str:
    """The first prose paragraph of the explanation's "What it flags" section (else of any)."""
    _, marker, rest = markdown.partition("## What it flags")
    for block in (rest if marker else markdown).strip().split("\n\n"):
        text = " ".join(line.strip() for line in block.splitlines())
        if text and not text.startswith(("#", "**Severity", "```")):
            return text
    return ""


def _utf16(lines: list[str], pos: Position) -> int:
    if 1 <= pos.line <= len(lines):
        return codepoints_to_utf16(lines[pos.line - 1], pos.character)
    return pos.character


def _location(path: str, finding: Finding, source: str | None) -> dict[str, Any]:
    lines = split_lines(source) if source is not None else []
    start, end = finding.range.start, finding.range.end
    region: dict[str, Any] = {
        "startLine": start.line,
        "startColumn": _utf16(lines, start) + 1,
        "endLine": end.line,
        "endColumn": _utf16(lines, end) + 1,
    }
    if Path(path).is_absolute():
        artifact: dict[str, Any] = {"uri": Path(path).as_uri()}
    else:
        artifact = {"uri": quote(path), "uriBaseId": SRCROOT}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _result(
    path: str, finding: Finding, source: str | None, index: dict[str, int]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _LEVEL.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "locations": [_location(path, finding, source)],
    }
    if finding.fix is not None:
        result["properties"] = {
            "fix": finding.fix.applicability.value,
            "fixDescription": finding.fix.reason or finding.fix.description,
        }
    return result


def _notification(text: str) -> dict[str, Any]:
    return {"level": "warning", "message": {"text": text}}


def _config_text(problem: ConfigProblem, cwd: Path) -> str:
    source = problem.source
    if source != "editor settings":
        source = display_path(Path(source), cwd)
    return f"{source}: {problem.key}: {problem.message}"


def sarif_log(run: CheckRun, *, cwd: Path) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    rules = list(RULES.values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = [
        _result(path, finding, cf.source, index) for path, cf, finding in sorted_findings(run, cwd)
    ]
    notifications = [_notification(_config_text(p, cwd)) for p in run.config_problems]
    notifications += [_notification(text) for text in run.problems]
    root_uri = cwd.resolve().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ddlguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolConfigurationNotifications": notifications,
                    }
                ],
                "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }


def write_report(run: CheckRun, out: TextIO, *, cwd: Path) -> None:
    out.write(json.dumps(sarif_log(run, cwd=cwd), indent=2, ensure_ascii=False))  # one write
    out.write("\n")
