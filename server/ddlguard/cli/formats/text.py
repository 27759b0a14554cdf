"""The human format: `path:line:col: CODE message` per finding, then one summary line."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ddlguard.cli.formats import sorted_findings
from ddlguard.model import Severity
from ddlguard.runner import CheckRun


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(run: CheckRun) -> str:
    """`Found 3 errors, 1 warning in 2 files.` or `All checks passed: 12 migrations.`"""
    counts = dict.fromkeys(Severity, 0)
    files = 0
    for cf in run.files:
        for f in cf.result.findings:
            counts[f.severity] += 1
        files += bool(cf.result.findings)
    if not files and run.pending:
        return (
            f"No findings left in {_plural(len(run.files), 'migration')}, but "
            f"{_plural(len(run.pending), 'data script')} must still be run: follow the deploy "
            "order above."
        )
    if not files:
        return f"All checks passed: {_plural(len(run.files), 'migration')}."
    parts = [
        _plural(counts[sev], str(sev)) if sev is not Severity.INFO else f"{counts[sev]} info"
        for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[sev] or sev is Severity.ERROR
    ]
    return f"Found {', '.join(parts)} in {_plural(files, 'file')}."


def write_report(run: CheckRun, out: TextIO, *, cwd: Path) -> None:
    for path, _, f in sorted_findings(run, cwd):
        start = f.range.start
        out.write(f"{path}:{start.line}:{start.character + 1}: {f.code} {f.message}\n")
    out.write(summary(run) + "\n")
