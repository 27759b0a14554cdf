"""A model of how psql reads a script file, written from psqlscan.l, as a test oracle.

It is deliberately independent of ddlguard's code: ddlguard relies on libpg_query's scanner
and its own encoding; this re-reads the script the way psql does and reports what psql would
send to the server and what it would do itself (meta-commands, variable substitution).

Rules modelled (PostgreSQL 15-17 psqlscan.l, standard_conforming_strings on):
- `--` starts a comment that ends at `\\n` or `\\r` (`non_newline [^\\n\\r]`);
- `/* */` comments nest;
- `'…'` with `''`; `E'…'` with backslash escapes; `"…"` with `""`; `$tag$…$tag$` (a `$`
  right after an identifier character belongs to the identifier);
- outside all of those, a backslash starts a meta-command and `:name`, `:'name'`, `:"name"`,
  `:{?name}` are variable references (`::` is a cast, `:=` an assignment);
- `;` outside parentheses ends a statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]")
_IDENT_START = re.compile(r"[A-Za-z_\x80-\U0010ffff]")
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")
_VARIABLE = re.compile(r":(?:[A-Za-z0-9_\x80-\U0010ffff]+|'|\"|\{\?)")
_BLANK = " \t\n\r\f\v"


@dataclass
class PsqlReading:
    statements: list[str] = field(default_factory=list)  # what is sent, trimmed, without `;`
    meta_commands: list[int] = field(default_factory=list)  # offsets of backslashes
    variables: list[int] = field(default_factory=list)  # offsets of `:name` references
    unterminated: bool = False  # a quote or comment still open at the end


def read_script(text: str) -> PsqlReading:
    out = PsqlReading()
    i, n = 0, len(text)
    depth = 0  # parentheses
    current: list[tuple[int, int]] = []  # code pieces of the statement being read
    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            j = i + 2
            while j < n and text[j] not in "\n\r":
                j += 1
            i = j
            continue
        if text.startswith("/*", i):
            level, j = 1, i + 2
            while j < n and level:
                if text.startswith("/*", j):
                    level, j = level + 1, j + 2
                elif text.startswith("*/", j):
                    level, j = level - 1, j + 2
                else:
                    j += 1
            out.unterminated |= level > 0
            current.append((i, j))
            i = j
            continue
        if ch in _BLANK:
            current.append((i, i + 1))
            i += 1
            continue
        if ch in "Ee" and text.startswith("'", i + 1) and not _after_ident(text, i):
            j = _quoted(text, i + 2, "'", backslash=True)
            out.unterminated |= j > n
            current.append((i, min(j, n)))
            i = j
            continue
        if ch in "'\"":
            j = _quoted(text, i + 1, ch, backslash=False)
            out.unterminated |= j > n
            current.append((i, min(j, n)))
            i = j
            continue
        if ch == "$" and not _after_ident(text, i):
            m = _DOLLAR.match(text, i)
            if m:
                close = text.find(m.group(), m.end())
                j = n + 1 if close < 0 else close + len(m.group())
                out.unterminated |= j > n
                current.append((i, min(j, n)))
                i = j
                continue
        if _IDENT_START.match(ch):
            j = i + 1
            while j < n and _IDENT_CHAR.match(text[j]):
                j += 1
            current.append((i, j))
            i = j
            continue
        if ch == "\\":
            out.meta_commands.append(i)
            j = text.find("\n", i)
            i = n if j < 0 else j + 1  # the rest of the line is the meta-command's
            continue
        if ch == ":":
            if text.startswith("::", i) or text.startswith(":=", i):
                current.append((i, i + 2))
                i += 2
                continue
            if _VARIABLE.match(text, i):
                out.variables.append(i)
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            _flush(text, current, out)
            current = []
            i += 1
            continue
        current.append((i, i + 1))
        i += 1
    _flush(text, current, out)
    return out


def _after_ident(text: str, i: int) -> bool:
    return i > 0 and bool(_IDENT_CHAR.match(text[i - 1]))


def _quoted(text: str, j: int, quote: str, *, backslash: bool) -> int:
    """The offset after the closing quote (len(text) + 1 when it is missing)."""
    n = len(text)
    while j < n:
        if backslash and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if text.startswith(quote, j + 1):
                j += 2
                continue
            return j + 1
        j += 1
    return n + 1


def _flush(text: str, pieces: list[tuple[int, int]], out: PsqlReading) -> None:
    # blanks and comments around a statement are not part of it
    code = [p for p in pieces if not text.startswith("/*", p[0]) and text[p[0]] not in _BLANK]
    if code:
        out.statements.append(text[code[0][0] : code[-1][1]])


def comment_lines_only(text: str) -> list[str]:
    """The lines (as any editor splits them) of `text` that are neither blank nor `--` comments."""
    return [line for line in text.splitlines() if line.strip(" \t") and not line.startswith("--")]
