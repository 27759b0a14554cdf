"""What a planned fix is: text edits to the migration, new script files, and what moved or not.

Plain data so both adapters can consume it: the CLI writes it or prints diffs, the language
server turns it into one WorkspaceEdit (CreateFile + TextDocumentEdit) so one undo reverts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
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


class Outcome(StrEnum):
    """What the planner does with one data statement (docs/fixes.md, "Move, split or refuse")."""

    MOVE = "move"  # nothing after it depends on it: it goes to a script, the rest stays
    SPLIT = "split"  # the dependent schema operations go to a follow-up revision
    REFUSE = "refuse"  # nothing moves; `reason` says why


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one finding, why, and the schema operation that decided it (if any)."""

    finding: Finding
    outcome: Outcome
    reason: str
    dependent: Range | None = None  # the first dependent schema operation, for related info
    dependent_path: Path | None = None  # its file when it is not the migration itself
    follow_up: str | None = None  # the revision the script must run before (split)


@dataclass(frozen=True, slots=True)
class FileEdit:
    """Edits to another file than the migration: a child re-parented, a later revision guarded."""

    path: Path
    source: str  # the text the edits apply to (as read when planning)
    new_source: str
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True, slots=True)
class ChildMigration:
    """A revision file of the same project, as the planner needs it: read, never imported."""

    path: Path
    source: str
    revision: str | None


@dataclass(frozen=True, slots=True)
class RevisionContext:
    """What the planner knows about the revision graph around one migration (pure data).

    `is_new`: the file is new relative to the diff-base, or a head; only then may its
    history be rewritten. `children` are its direct children; `new_descendants` the later
    revisions that are new on the branch, parents first.
    """

    revision: str | None
    down_revision: str | tuple[str, ...] | None
    is_new: bool
    children: tuple[ChildMigration, ...] = ()
    new_descendants: tuple[ChildMigration, ...] = ()
    versions_dir: Path | None = None
    file_template: str | None = None
    existing_revisions: frozenset[str] = frozenset()
    why_old: str | None = None  # for an old file: what makes it old, said to the user
    # the revision's depth in the graph (longest chain of parents): scripts are numbered with
    # it so that `ls` lists the scripts of one run in the order they must run
    order: int | None = None


@dataclass(frozen=True, slots=True)
class FixPlan:
    """The outcome of `plan_moves`. `new_source` is the migration after `edits` are applied.

    `other_edits` change other files (children re-parented, a later new revision given the
    guard); `deploy_order` says in human lines how to deploy what the plan wrote.
    """

    path: Path
    source: str
    new_source: str
    edits: tuple[TextEdit, ...]
    new_files: tuple[NewFile, ...]
    moved: tuple[Moved, ...]
    skipped: tuple[Skipped, ...]
    decisions: tuple[Decision, ...] = ()
    other_edits: tuple[FileEdit, ...] = ()
    deploy_order: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.moved)


class NotMovable(Exception):
    """Raised inside the planner when one finding cannot be moved exactly; carries the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
