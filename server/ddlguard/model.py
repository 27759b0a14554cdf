"""The data every adapter shares: positions, findings and fixes.

Positions are 1-based lines and 0-based columns counted in Unicode code points
(Python `str` indices). Adapters convert: the CLI prints 1-based characters, the
language server UTF-16 code units (see `ddlguard.positions`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from ddlguard.records import EMPTY, Record, pickled_with_fresh_empty


class Severity(enum.IntEnum):
    """Ordered so that `severity >= Severity.ERROR` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


class Applicability(enum.Enum):
    """ruff's fix applicability: safe fixes may run unattended, unsafe ones only on request."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


class Position(NamedTuple):
    """A place in a file: 1-based line, 0-based column in code points."""

    line: int  # 1-based
    character: int  # 0-based, code points


class Range(NamedTuple):
    """A span of a file, `end` exclusive; ordered by start, then end."""

    start: Position
    end: Position  # exclusive

    @classmethod
    def of(cls, line: int, col: int, end_line: int, end_col: int) -> Range:
        return cls(Position(line, col), Position(end_line, end_col))


class FixHint(NamedTuple):
    """What a finding's fix would do, or why there is none (`applicability` NONE + `reason`).

    A NamedTuple, as `Range` is: a frozen dataclass costs ~3 M instructions to create at
    import, a measurable share of a one-file check (docs/performance.md).
    """

    applicability: Applicability
    description: str
    reason: str | None = None


class Finding(NamedTuple):
    """One problem in one file (a NamedTuple: see `ddlguard.records`; `_replace` copies).

    `range` covers the call that sends the statement to the database (or the whole
    construct the rule is about). `statement_range` covers the whole Python statement
    holding it: suppression comments and the fix act on that. `data` is JSON-safe and
    travels through the language server's `Diagnostic.data` so code actions need not
    re-analyse; see docs/architecture.md for its keys.
    """

    code: str
    message: str
    severity: Severity
    range: Range
    statement_range: Range | None = None
    fix: FixHint | None = None
    data: Mapping[str, Any] = EMPTY

    @property
    def name(self) -> str:
        from ddlguard.rules import RULES

        return RULES[self.code].name

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return pickled_with_fresh_empty(self)


class MigrationInfo(NamedTuple):
    """What a migration says about itself, read statically from module-level assignments."""

    revision: str | None
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    message: str | None  # first line of the module docstring, as Alembic writes it
    has_upgrade: bool
    has_downgrade: bool
    # 1-based line of the `revision = ...` / `down_revision = ...` assignments, for reporting
    revision_line: int | None = None
    down_revision_line: int | None = None


class FileResult(Record):
    """The outcome of analysing one file."""

    _fields = ("path", "findings", "is_migration", "info", "error")
    __slots__ = _fields

    def __init__(
        self,
        path: Path,
        findings: list[Finding],
        is_migration: bool,
        info: MigrationInfo | None = None,
        error: str | None = None,  # the file could not be read or parsed (DG000 is in findings)
    ) -> None:
        self.path = path
        self.findings = findings
        self.is_migration = is_migration
        self.info = info
        self.error = error
