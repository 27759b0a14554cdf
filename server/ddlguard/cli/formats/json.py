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


# ASCII with \u escapes: valid JSON whatever the console encoding
_scalar = json.JSONEncoder(ensure_ascii=True).encode
_string = json.encoder.encode_basestring_ascii  # what `_scalar` does for a str, in C
# what `_scalar` gives for these, without building an encoder for each value (a report's
# line and column numbers: 8 M instructions, 2 % of a warm 1,000-file run); `json` writes an int
# with `int.__repr__` too
_CONSTANTS = {None: "null", True: "true", False: "false"}


def indented(value: Any, level: int = 0) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=True)`, byte for byte, for plain dicts (str
    keys), lists, strings, numbers, booleans and None.

    With `indent` set, `json` encodes in pure Python, one generator step per piece. Here
    each string and number goes through the C encoder and only the layout is joined in
    Python (`tests/cli/test_json_layout.py` compares both on generated documents).
    """
    if type(value) is dict and value:
        inner = "\n" + "  " * (level + 1)
        items = [f"{_string(k)}: {indented(v, level + 1)}" for k, v in value.items()]
        return "{" + inner + ("," + inner).join(items) + "\n" + "  " * level + "}"
    if type(value) is list and value:
        inner = "\n" + "  " * (level + 1)
        items = [indented(v, level + 1) for v in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + "  " * level + "]"
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None or kind is bool:
        return _CONSTANTS[value]
    return _scalar(value)


def write_report(run: CheckRun, out: TextIO, *, cwd: Path) -> None:
    objects = [finding_object(path, f) for path, _, f in sorted_findings(run, cwd)]
    out.write(indented(objects) + "\n")  # one write (`json.dump` writes piece by piece)
