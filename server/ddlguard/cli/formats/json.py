"""Machine format: a JSON list of findings (design section 5), sorted by path and position.

Lines and columns are 1-based, columns count characters; `end_column` is exclusive.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from ddlguard.cli.formats import rule_name, sorted_findings
from ddlguard.model import Applicability, Finding, FixHint
from ddlguard.runner import CheckRun


def _fix(hint: FixHint | None) -> dict[str, str] | None:
    if hint is None:
        return None
    if hint.applicability is Applicability.NONE:  # no fix: say why, so tools can show it
        text = hint.reason or hint.description
    else:
        text = hint.description
    return {"applicability": hint.applicability.value, "description": text}


def finding_object(path: str, f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": rule_name(f.code),
        "severity": str(f.severity),
        "message": f.message,
        "path": path,
        "line": f.range.start.line,
        "column": f.range.start.character + 1,
        "end_line": f.range.end.line,
        "end_column": f.range.end.character + 1,
        "fix": _fix(f.fix),
    }


def write_report(run: CheckRun, out: TextIO, *, cwd: Path) -> None:
    objects = [finding_object(path, f) for path, _, f in sorted_findings(run, cwd)]
    # ASCII with \u escapes: valid JSON whatever the console encoding; one write (json.dump
    # writes each of its ~12,000 pieces for 226 findings separately)
    out.write(json.dumps(objects, indent=2, ensure_ascii=True) + "\n")
