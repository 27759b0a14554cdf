"""Shared helpers: analyse a migration body given as text, look at its findings."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ddlguard.engine import analyze_source
from ddlguard.model import Finding
from ddlguard.settings import Settings

HEADER = 'revision = "a1"\ndown_revision = None\n'


DETECTOR_CODES = frozenset({"DG001", "DG002", "DG003", "DG004", "DG005", "DG006"})


def analyse(source: str, *, dedent: bool = True, dialect: str = "postgresql") -> list[Finding]:
    """DG001-DG006 findings of `source` analysed as a migration in a versions folder.

    Other rules (hygiene, graph) are left out: they are not this detector's and would make
    the assertions here depend on them.
    """
    text = textwrap.dedent(source) if dedent else source
    result = analyze_source(text, Path("m.py"), Settings(), dialect=dialect, in_version_dir=True)
    assert result.error is None, result.error
    return [f for f in result.findings if f.code in DETECTOR_CODES]


def codes(source: str) -> list[str]:
    return [f.code for f in analyse(source)]


def only(source: str) -> Finding:
    """The single finding of `source` (fails loudly when there are more or none)."""
    found = analyse(source)
    assert len(found) == 1, [(f.code, f.message) for f in found]
    return found[0]
