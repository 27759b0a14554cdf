"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

`::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=DG001 dml-in-sql::message`, with
`warning` for warnings and `notice` for infos. Values are escaped as GitHub's toolkit does
(`%`, CR and LF everywhere; `:` and `,` too inside properties). Lines and columns are 1-based;
`endColumn` is the last character's column. Configuration problems become warnings too, so
they show up in the run's summary instead of only in its log.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ddlguard.cli.formats import display_path, sorted_findings
from ddlguard.model import Finding, Severity
from ddlguard.runner import CheckRun

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A message (after `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (`file=`, `title=`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, finding: Finding) -> str:
    start, end = finding.range.start, finding.range.end
    props = [
        f"file={escape_property(path)}",
        f"line={start.line}",
        f"col={start.character + 1}",
        f"endLine={end.line}",
        f"endColumn={max(end.character, start.character + 1 if end.line == start.line else 1)}",
        f"title={escape_property(f'{finding.code} {finding.name}')}",
    ]
    command = _COMMAND.get(finding.severity, "warning")
    return f"::{command} {','.join(props)}::{escape_data(finding.message)}"


def write_report(run: CheckRun, out: TextIO, *, cwd: Path) -> None:
    for problem in run.config_problems:
        where = problem.source
        if where != "editor settings":
            where = display_path(Path(where), cwd)
            props = f"file={escape_property(where)},title=ddlguard configuration"
        else:
            props = "title=ddlguard configuration"
        out.write(f"::warning {props}::{escape_data(f'{problem.key}: {problem.message}')}\n")
    for path, _, finding in sorted_findings(run, cwd):
        out.write(annotation(path, finding) + "\n")
