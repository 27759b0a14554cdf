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

import re
from collections.abc import Callable
from dataclasses import dataclass

from ddlguard.sql.model import HOLE

_MARKER = re.compile(
    r"%\([^()\s]*\)s"  # %(name)s
    r"|%s(?![A-Za-z0-9_])"  # %s
    r"|%%"  # an escaped percent: skipped, not a marker (see below)
    r"|(?<![:\w\\]):\w+(?!:)"  # :name, :1 (not ::type, not a := b, not arr[1:n])
    r"|\?"  # qmark
    r"|\$\d+"  # $1
    r"|\{[^{}\s'\";]*\}"  # {}, {0}, {name}, {name!r}, {x:>10}
    r"|" + re.escape(HOLE)
)
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@dataclass(frozen=True, slots=True)
class Substitution:
    """The texts worth trying, in order, and where the placeholders were."""

    candidates: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) touches a placeholder (a name that is not really there)."""
        return any(s < end and start < e for s, e in self.spans)


def _skip_quoted(sql: str, i: int, dialect: str) -> int:
    """Index just past the quoted string, identifier, comment or dollar quote at `i`, else `i`."""
    ch = sql[i]
    n = len(sql)
    if (ch == "-" and sql.startswith("--", i)) or (ch == "#" and dialect == "mysql"):
        nl = sql.find("\n", i)
        return n if nl < 0 else nl + 1
    if ch == "/" and sql.startswith("/*", i):
        close = sql.find("*/", i + 2)
        return n if close < 0 else close + 2
    if ch in "'\"`" or (ch == "[" and dialect == "mssql"):
        closer = "]" if ch == "[" else ch
        backslash = ch == "'" and (dialect == "mysql" or sql[i - 1 : i] in ("E", "e"))
        j = i + 1
        while j < n:
            if backslash and sql[j] == "\\":
                j += 2
                continue
            if sql[j] == closer:
                if j + 1 < n and sql[j + 1] == closer:
                    j += 2
                    continue
                return j + 1
            j += 1
        return n
    if ch == "$" and dialect == "postgresql":
        m = _DOLLAR.match(sql, i)
        if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            close = sql.find(m.group(0), m.end())
            return n if close < 0 else close + len(m.group(0))
    return i


def find_placeholders(sql: str, dialect: str) -> list[tuple[int, int]]:
    """(start, end) of every placeholder outside quotes and comments."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(sql)
    while i < n:
        skipped = _skip_quoted(sql, i, dialect)
        if skipped != i:
            i = skipped
            continue
        m = _MARKER.match(sql, i)
        if m:
            if m.group(0) != "%%":
                spans.append((m.start(), m.end()))
            i = m.end()
            continue
        i += 1
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
