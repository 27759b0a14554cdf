"""Text edits from an old and a new text: whole-line replacements, in code points.

The language server needs edits, not a new text; a line diff keeps them few and exact (each
edit covers only lines that changed), and applying them to the old text gives the new one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ddlguard.fix.model import TextEdit
from ddlguard.model import Position, Range

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_keepends(text: str) -> list[str]:
    """Lines with their endings, split on \\n, \\r\\n and \\r only (as `ast` and LSP count)."""
    return _LINE.findall(text)


def _position(lines: Sequence[str], index: int) -> Position:
    """The start of line `index` (0-based); past the end: the end of the text."""
    if index < len(lines):
        return Position(index + 1, 0)
    if not lines:
        return Position(1, 0)
    last = lines[-1]
    stripped = last.rstrip("\r\n")
    if stripped != last:
        return Position(len(lines) + 1, 0)
    return Position(len(lines), len(stripped))


def line_edits(old: str, new: str) -> tuple[TextEdit, ...]:
    a, b = split_keepends(old), split_keepends(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(TextEdit(Range(_position(a, i1), _position(a, i2)), "".join(b[j1:j2])))
    return tuple(edits)


def apply_text_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping edits to `text` (used by tests and by adapters without an editor)."""
    lines = split_keepends(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: Position) -> int:
        if pos.line - 1 >= len(lines):
            return len(text)
        return starts[pos.line - 1] + pos.character

    out = text
    for edit in sorted(edits, key=lambda e: e.range.start, reverse=True):
        out = out[: offset(edit.range.start)] + edit.new_text + out[offset(edit.range.end) :]
    return out
