"""Suppression comments (DESIGN.md section 3), ruff-compatible.

- `# noqa: DG001,DG005` (codes case-insensitive, commas and/or spaces) at the end of the
  flagged statement's first or last line suppresses those codes for that statement; a bare
  `# noqa` (or `# noqa:` with no codes) suppresses every code there.
- `# ddlguard: noqa` (optionally `: DG001,...`) on a line of its own before the first
  statement suppresses the whole file. The module docstring Alembic writes at the top does not
  count as a statement, so the comment may sit just below it.

Comments are found with `tokenize`, so `# noqa` inside a string literal does not count; the
tokenizer runs only when the text contains "noqa" at all (keystroke path).
"""

from __future__ import annotations

import io
import re
import token
from typing import NamedTuple

from ddlguard.lazy_re import LazyPattern
from ddlguard.model import Finding, Range, Severity
from ddlguard.rules import RULES

# The code `--show-unused-noqa` reports under (to be registered in ddlguard.rules).
UNUSED_NOQA_CODE = "DG200"

_CODES = r"[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*"
_LINE = LazyPattern(r"#\s*noqa(?![A-Za-z0-9_])(?::\s*(?P<codes>" + _CODES + r"))?", re.IGNORECASE)
_FILE = LazyPattern(
    r"^#\s*ddlguard\s*:\s*noqa(?![A-Za-z0-9_])(?::\s*(?P<codes>" + _CODES + r"))?", re.IGNORECASE
)
_SKIP = frozenset({token.COMMENT, token.NL, token.ENCODING, token.INDENT, token.DEDENT})


class Directive(NamedTuple):
    """One suppression comment: `codes` None means every code."""

    line: int  # 1-based
    range: Range  # the comment, code points
    codes: frozenset[str] | None
    file_level: bool = False

    def covers(self, code: str) -> bool:
        return self.codes is None or code.upper() in self.codes


def _codes(text: str | None) -> frozenset[str] | None:
    if not text:
        return None
    return frozenset(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)


class Directives:
    """The suppression comments of one file: file-level, by line, and misplaced ones.

    A plain class, not a dataclass: it is never compared or copied, and creating a dataclass
    is a measurable part of every run's start-up (docs/performance.md).
    """

    __slots__ = ("by_line", "file_level", "misplaced")

    def __init__(self) -> None:
        self.file_level: Directive | None = None
        self.by_line: dict[int, Directive] = {}
        self.misplaced: list[Range] = []  # `# ddlguard: noqa` after code


def parse_directives(source: str) -> Directives:
    """The file-level directive (if any), the line directives by line, misplaced file ones."""
    found = Directives()
    if "noqa" not in source.lower():
        return found
    import tokenize  # only for files that mention noqa: its regexes cost 4 M instructions

    header, docstring_open, docstring_done = True, False, False
    try:
        # `ast` counts lone CR as a line break and StringIO.readline does not: normalise first
        text = source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == token.COMMENT:
                (line, col), (_, end_col) = tok.start, tok.end
                span = Range.of(line, col, line, end_col)
                own_line = not tok.line[:col].strip()
                file_match = _FILE.match(tok.string)
                if file_match and own_line and header and not docstring_open:
                    if found.file_level is None:
                        codes = _codes(file_match.group("codes"))
                        found.file_level = Directive(line, span, codes, True)
                    continue
                if file_match:
                    found.misplaced.append(span)
                    continue
                match = _LINE.search(tok.string)
                if match:
                    found.by_line[line] = Directive(line, span, _codes(match.group("codes")))
            elif tok.type == token.STRING and header and not docstring_done and not docstring_open:
                docstring_open = True
            elif tok.type == token.NEWLINE and docstring_open:
                docstring_open, docstring_done = False, True
            elif tok.type not in _SKIP and tok.type != token.NEWLINE and header:
                header = False
                docstring_open = False
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # keep what was read before the error; the engine reports the syntax error
    return found


def _lines(finding: Finding) -> tuple[int, int]:
    where = finding.statement_range or finding.range
    return where.start.line, where.end.line


def _suppressing(finding: Finding, found: Directives) -> Directive | None:
    if found.file_level is not None and found.file_level.covers(finding.code):
        return found.file_level
    for line in dict.fromkeys(_lines(finding)):
        directive = found.by_line.get(line)
        if directive is not None and directive.covers(finding.code):
            return directive
    return None


def apply_noqa(findings: list[Finding], source: str) -> list[Finding]:
    """The findings no suppression comment covers."""
    found = parse_directives(source)
    if found.file_level is None and not found.by_line:
        return findings
    return [f for f in findings if _suppressing(f, found) is None]


def unused_noqa(findings: list[Finding], source: str) -> list[Finding]:
    """Suppressions that suppress nothing, or name a DG code that does not exist.

    `findings` are the file's findings before suppression (after rule selection). Only codes
    starting with `DG` are judged: `# noqa: E501` belongs to another linter. A bare line
    `# noqa` is never reported (it may be there for flake8 or ruff); a bare `# ddlguard: noqa`
    that suppresses nothing is.
    """
    found = parse_directives(source)
    used: dict[int, set[str]] = {}  # id(directive) -> codes it suppressed
    directives = [*([found.file_level] if found.file_level else []), *found.by_line.values()]
    for finding in findings:
        directive = _suppressing(finding, found)
        if directive is not None:
            used.setdefault(id(directive), set()).add(finding.code)
    problems = [
        _problem(
            span, "`# ddlguard: noqa` only works on its own line before the first statement", []
        )
        for span in found.misplaced
    ]
    for directive in directives:
        label = "# ddlguard: noqa" if directive.file_level else "# noqa"
        hit = used.get(id(directive), set())
        if directive.codes is None:
            if directive.file_level and not hit:
                problems.append(
                    _problem(
                        directive.range, f"unused suppression `{label}`: nothing to suppress", []
                    )
                )
            continue
        for code in sorted(directive.codes):
            if not code.startswith("DG"):
                continue
            if code not in RULES:
                problems.append(
                    _problem(directive.range, f"unknown rule code {code} in `{label}`", [code])
                )
            elif code not in hit:
                problems.append(
                    _problem(
                        directive.range,
                        f"unused suppression `{label}: {code}`: no {code} finding here",
                        [code],
                    )
                )
    return problems


def _problem(span: Range, message: str, codes: list[str]) -> Finding:
    rule = RULES.get(UNUSED_NOQA_CODE)
    return Finding(
        code=UNUSED_NOQA_CODE,
        message=message,
        severity=rule.severity if rule else Severity.WARNING,
        range=span,
        statement_range=span,
        data={"kind": "noqa", "codes": codes},
    )
