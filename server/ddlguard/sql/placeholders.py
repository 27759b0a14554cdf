"""Placeholders that would defeat a parser, and same-length substitutes for them.

Drivers and string formatting leave markers in SQL (`%s`, `%(name)s`, `:name`, `?`, `$1`,
`{}`, `{name}`, and the analysis's own `HOLE`). Parsers reject most of them, so each is
replaced by something of the same length: an identifier first (valid wherever a column or a
table name goes, which covers values too), a string literal second (for the few places only a
literal is allowed, such as `COMMENT ... IS %s`). Keeping the length keeps every offset the
parser reports valid in the original text, with no mapping to maintain.

Quoted strings, quoted identifiers, dollar quotes and comments are skipped: a marker there is
text, not a placeholder (a DO body is scanned on its own when it is analysed).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import NamedTuple

from ddlguard.sql.model import HOLE

_MARKER = (
    r"(?P<marker>%\([^()\s]*\)s"  # %(name)s
    r"|%s(?![A-Za-z0-9_])"  # %s
    r"|(?<![:\w\\]):\w+(?!:)"  # :name, :1 (not ::type, not a := b, not arr[1:n])
    r"|\?"  # qmark
    r"|\$\d+"  # $1
    r"|\{[^{}\s'\";]*\}"  # {}, {0}, {name}, {name!r}, {x:>10}
    r"|" + re.escape(HOLE) + ")"
)
_COMMON_SKIPS = (
    r"--[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r"|%%"  # an escaped percent, not a %s
    r'|"(?:[^"]|"")*"?'
    r"|`[^`]*`?"
)
_SCANS = {
    # E'...' strings know backslash escapes; $tag$ opens a dollar quote (closed in the loop)
    "postgresql": r"(?P<skip>"
    + _COMMON_SKIPS
    + r"|(?<!\w)[Ee]'(?:[^'\\]|\\.|'')*'?|'(?:[^']|'')*'?)"
    r"|(?P<dollar>(?<![\w$])\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)|" + _MARKER,
    "mysql": r"(?P<skip>" + _COMMON_SKIPS + r"|\#[^\n]*|'(?:[^'\\]|\\.|'')*'?)|" + _MARKER,
    "mssql": r"(?P<skip>" + _COMMON_SKIPS + r"|\[[^\]]*\]?|'(?:[^']|'')*'?)|" + _MARKER,
    "other": r"(?P<skip>" + _COMMON_SKIPS + r"|'(?:[^']|'')*'?)|" + _MARKER,
}


@functools.cache
def _pattern(dialect: str) -> re.Pattern[str]:
    """The scan for a dialect, compiled when first needed: a project uses one or two."""
    return re.compile(_SCANS.get(dialect, _SCANS["other"]), re.S)


class Substitution(NamedTuple):
    """The texts worth trying, in order, and where the placeholders were."""

    candidates: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) touches a placeholder (a name that is not really there)."""
        return any(s < end and start < e for s, e in self.spans)


# every placeholder starts with one of these (or is HOLE): SQL without any has none, which
# most statements in migrations are, and one `in` per character is far cheaper than the scan
_MARKER_HEADS = ("%", ":", "?", "$", "{")


def find_placeholders(sql: str, dialect: str) -> list[tuple[int, int]]:
    """(start, end) of every placeholder outside quotes and comments."""
    if HOLE not in sql and not any(head in sql for head in _MARKER_HEADS):
        return []
    return scan_placeholders(sql, dialect)


def scan_placeholders(sql: str, dialect: str) -> list[tuple[int, int]]:
    """`find_placeholders` without its shortcut: the scan itself."""
    pattern = _pattern(dialect if dialect in _SCANS else "other")
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := pattern.search(sql, pos)) is not None:
        pos = m.end()
        if m.lastgroup == "marker":
            spans.append((m.start(), m.end()))
        elif m.lastgroup == "dollar":
            close = sql.find(m.group(0), pos)
            pos = len(sql) if close < 0 else close + len(m.group(0))
    return spans


def _identifier(length: int) -> str:
    return "_" + "x" * (length - 1)


def _literal(length: int) -> str:
    return "0" if length == 1 else "'" + " " * (length - 2) + "'"


def _replace(
    sql: str, spans: list[tuple[int, int]], make: Callable[[int], str], keep_hole: bool
) -> str:
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(sql[last:start])
        piece = sql[start:end]
        parts.append(piece if keep_hole and piece == HOLE else make(end - start))
        last = end
    parts.append(sql[last:])
    return "".join(parts)


def substitute(sql: str, dialect: str) -> Substitution:
    """The original text when it has no placeholder; else identifier, literal, original."""
    spans = find_placeholders(sql, dialect)
    if not spans:
        return Substitution((sql,), ())
    as_names = _replace(sql, spans, _identifier, keep_hole=True)
    as_literals = _replace(sql, spans, _literal, keep_hole=False)
    # the original last: a PostgreSQL `?` may be the jsonb operator, not a placeholder
    candidates = tuple(dict.fromkeys((as_names, as_literals, sql)))
    return Substitution(candidates, tuple(spans))
