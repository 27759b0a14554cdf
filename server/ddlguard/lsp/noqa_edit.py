"""The "Ignore DG001 on this line" edit: add or extend a `# noqa` where the engine reads it.

The design accepts `# noqa: CODES` at the end of the flagged statement's first or last line.
An existing `# noqa: ...` on either line is extended; a bare `# noqa` already covers every
code; otherwise a new comment goes at the end of the statement's last line, the only line
where a comment is always possible (the first line of a multi-line string cannot hold one).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from ddlguard.model import Range
from ddlguard.positions import split_lines

NOQA = re.compile(
    r"#\s*noqa(?P<sep>\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*))?", re.I
)


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Engine coordinates (1-based line, code points); `range.start == range.end` inserts."""

    range: Range
    new_text: str


def _comments(source: str) -> dict[int, tuple[int, str]]:
    found: dict[int, tuple[int, str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                found[tok.start[0]] = (tok.start[1], tok.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return found


def noqa_edit(source: str, statement: Range, code: str) -> TextEdit | None:
    """The edit suppressing `code` on `statement`; None when it is already suppressed."""
    lines = split_lines(source)
    comments = _comments(source)
    first, last = statement.start.line, statement.end.line
    for line in dict.fromkeys((first, last)):
        if line not in comments:
            continue
        col, comment = comments[line]
        match = NOQA.search(comment)
        if match is None:
            continue
        if match.group("codes") is None:
            return None  # a bare noqa comment suppresses every code
        codes = [c.strip().upper() for c in match.group("codes").split(",")]
        if code.upper() in codes:
            return None
        at = col + match.end("codes")
        return TextEdit(Range.of(line, at, line, at), f", {code}")
    line_text = lines[last - 1] if 0 < last <= len(lines) else ""
    end = len(line_text.rstrip())
    return TextEdit(Range.of(last, end, last, end), f"  # noqa: {code}")
