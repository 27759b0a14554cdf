"""What a planned fix is: text edits to the migration, new script files, and what moved or not.

Plain data so both adapters can consume it: the CLI writes it or prints diffs, the language
server turns it into one WorkspaceEdit (CreateFile + TextDocumentEdit) so one undo reverts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ddlguard.model import Finding, Range


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace `range` (code points, end exclusive) of the original text with `new_text`."""

    range: Range
    new_text: str


@dataclass(frozen=True, slots=True)
class NewFile:
    """A script to create. `path` is absolute; `relative` is how the migration comment names it."""

    path: Path
    relative: str
    content: str


@dataclass(frozen=True, slots=True)
class Moved:
    finding: Finding
    script: Path
    statements: tuple[str, ...]  # the SQL written to the script for this finding, in order


@dataclass(frozen=True, slots=True)
class Skipped:
    finding: Finding
    reason: str


@dataclass(frozen=True, slots=True)
class FixPlan:
    """The outcome of `plan_moves`. `new_source` is the migration after `edits` are applied."""

    path: Path
    source: str
    new_source: str
    edits: tuple[TextEdit, ...]
    new_files: tuple[NewFile, ...]
    moved: tuple[Moved, ...]
    skipped: tuple[Skipped, ...]

    @property
    def changed(self) -> bool:
        return bool(self.moved)


class NotMovable(Exception):
    """Raised inside the planner when one finding cannot be moved exactly; carries the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
