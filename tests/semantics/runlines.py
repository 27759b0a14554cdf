"""Reading a generated script's `-- ddlguard-run:` line (the contract for tools that run scripts).

ddlguard's own reader is `ddlguard.fix.script.parse_run_line`; this module also reads the
documented format itself and checks that both agree, so a lenient reader cannot hide a bad line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ddlguard.fix.script import parse_run_line

RUN_PREFIX = "-- ddlguard-run:"
HEADER_LINES = 15
_REV = r"[A-Za-z0-9_.+-]{1,64}"
_LINE = re.compile(
    rf"-- ddlguard-run: (?:upgrade after (?P<up>{_REV})(?: before (?P<until>{_REV}))?"
    rf"|downgrade (?P<when>before|after) (?P<down>{_REV}))"
)


@dataclass(frozen=True, slots=True)
class Run:
    """Where a script runs: `upgrade after R [before F]`, `downgrade before|after R`."""

    phase: str  # "upgrade" | "downgrade"
    when: str  # "after" | "before"
    revision: str
    until: str | None = None


@dataclass(frozen=True, slots=True)
class Script:
    """A generated script and its run line (None, with the problem, when it has no valid one)."""

    path: Path
    run: Run | None
    problem: str | None

    @property
    def name(self) -> str:
        return self.path.name


def read_run(text: str) -> tuple[Run | None, str | None]:
    """The one run line of a script, or None and why (missing, twice, too late, unreadable)."""
    lines = text.splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith(RUN_PREFIX)]
    header = "\n".join(lines[:HEADER_LINES])
    if len(found) != 1:
        return None, f"expected exactly one {RUN_PREFIX!r} line, found {len(found)}:\n{header}"
    if found[0] >= HEADER_LINES:
        return None, f"the run line is not among the first {HEADER_LINES} lines:\n{header}"
    line = lines[found[0]].rstrip()
    parsed = _parse(text, line)
    if parsed is None:
        return None, f"unreadable run line {line!r}"
    return parsed, None


def _parse(text: str, line: str) -> Run | None:
    """ddlguard's reader and the documented format must agree on every script."""
    theirs = parse_run_line(text)
    ours = _parse_documented(line)
    if theirs is None:
        return None
    run = Run(theirs.phase, theirs.when, theirs.revision, theirs.until)
    assert run == ours, f"parse_run_line read {theirs!r} from {line!r}"
    return run


def _parse_documented(line: str) -> Run | None:
    match = _LINE.fullmatch(line)
    if match is None:
        return None
    if match["up"] is not None:
        return Run("upgrade", "after", match["up"], match["until"])
    return Run("downgrade", match["when"], match["down"])


def read_scripts(scripts_dir: Path) -> list[Script]:
    """Every generated script in `ls` order (C locale: code points) with its run line."""
    if not scripts_dir.is_dir():
        return []
    found = []
    for path in sorted(scripts_dir.glob("*.sql"), key=lambda p: p.name):
        run, problem = read_run(path.read_text(encoding="utf-8"))
        found.append(Script(path, run, problem))
    return found
