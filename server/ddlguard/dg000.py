"""DG000: a file that cannot be read, decoded or parsed, as one finding.

Apart from the engine so that reading files (`runner.read_source`) does not load it: a run
whose files all come from the cache never imports `ast`, the engine or `# noqa` handling.
"""

from __future__ import annotations

from pathlib import Path

from ddlguard.model import Applicability, FileResult, Finding, FixHint, Range
from ddlguard.rules import RULES

_DG000_FIX = FixHint(Applicability.NONE, "", "fix the syntax error first")


def parse_error(path: Path, message: str, line: int = 1, col: int = 0) -> FileResult:
    finding = Finding(
        code="DG000",
        message=message,
        severity=RULES["DG000"].severity,
        range=Range.of(line, col, line, col),
        fix=_DG000_FIX,
    )
    return FileResult(path=path, findings=[finding], is_migration=True, error=message)
