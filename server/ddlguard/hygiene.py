"""Migration hygiene: DG201 (the template's review checklist left in) and DG202 (empty upgrade).

The checklist is written by `ddlguard init`'s `script.py.mako` between the marker lines
`CHECKLIST_MARKER` and `CHECKLIST_END`. It is found by its comment tokens, never inside a
string, and removing it is a safe fix: it is only comments, so behaviour cannot change.
"""

from __future__ import annotations

import ast
import io
import re

from ddlguard.analysis.migration import read_migration_info
from ddlguard.lazy_re import LazyPattern
from ddlguard.model import Applicability, Finding, FixHint, MigrationInfo, Range
from ddlguard.positions import split_lines, utf8_to_codepoints
from ddlguard.rules import RULES

CHECKLIST_MARKER = "ddlguard-checklist"
CHECKLIST_END = "end-ddlguard-checklist"
_START = LazyPattern(r"^\s*#\s*ddlguard-checklist\b", re.IGNORECASE)
_END = LazyPattern(r"^\s*#\s*end-ddlguard-checklist\b", re.IGNORECASE)
_LINE = LazyPattern(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# comments that do not explain anything: tool pragmas
_PRAGMA = LazyPattern(r"^#\s*(noqa\b|type:|pragma\b|fmt:|ddlguard:\s*noqa|pyright:|mypy:)", re.I)

_FIX = FixHint(Applicability.SAFE, "Remove the review checklist")


def _comment_lines(source: str) -> dict[int, str] | None:
    """1-based line → text of a comment token on that line; None when the text cannot be tokenized."""
    import tokenize  # only for files that hold the checklist marker

    out: dict[int, str] = {}
    try:
        # newline=None: lines end at \n, \r\n or \r, as for `ast`, so line numbers agree
        for tok in tokenize.generate_tokens(io.StringIO(source, newline=None).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return out


def checklist_span(source: str) -> tuple[int, int] | None:
    """First and last 1-based line of the checklist block, or None.

    The block starts at the marker comment and runs to the end marker; without one, to the
    last whole-line comment that follows the marker without a gap.
    """
    if CHECKLIST_MARKER not in source.lower():
        return None
    comments = _comment_lines(source)
    if comments is None:
        return None
    lines = split_lines(source)

    def whole_line_comment(number: int) -> bool:
        return number in comments and lines[number - 1].lstrip().startswith("#")

    for number in sorted(comments):
        if whole_line_comment(number) and _START.match(lines[number - 1]):
            last = number
            while whole_line_comment(last + 1):
                last += 1
                if _END.match(lines[last - 1]):
                    break
            return number, last
    for number in sorted(comments):  # an end marker whose start line was deleted by hand
        if whole_line_comment(number) and _END.match(lines[number - 1]):
            first = number
            while whole_line_comment(first - 1):
                first -= 1
            return first, number
    return None


def checklist_edit(source: str) -> tuple[Range, str] | None:
    """The edit that removes the checklist: a range of whole lines (with their endings) and ""."""
    span = checklist_span(source)
    if span is None:
        return None
    first, last = span
    lines = split_lines(source)
    # also take one blank line when the block sits between two blank lines (or at the top)
    before_blank = first == 1 or not lines[first - 2].strip()
    if before_blank and last < len(lines) and not lines[last].strip() and last + 1 < len(lines):
        last += 1
    if last < len(lines):
        return Range.of(first, 0, last + 1, 0), ""
    return Range.of(first, 0, last, len(lines[last - 1])), ""


def remove_checklist(source: str) -> str:
    """`source` without any checklist block; unchanged when there is none. Pure, idempotent."""
    while True:
        cleaned = _remove_first_checklist(source)
        if cleaned == source:
            return source
        source = cleaned


def _remove_first_checklist(source: str) -> str:
    edit = checklist_edit(source)
    if edit is None:
        return source
    rng, _ = edit
    chunks = _LINE.findall(source)
    first, last = rng.start.line, rng.end.line
    if rng.end.character == 0 and last > first:
        kept = chunks[: first - 1] + chunks[last - 1 :]
    else:  # the block runs to the end of the file
        kept = chunks[: first - 1]
        if kept and first > 1 and not re.search(r"[\r\n]$", source):
            kept[-1] = kept[-1].rstrip("\r\n")
    return "".join(kept)


def _checklist_finding(source: str) -> Finding | None:
    edit = checklist_edit(source)
    span = checklist_span(source)
    if edit is None or span is None:
        return None
    first, last = span
    lines = split_lines(source)
    marker = lines[first - 1]
    indent = len(marker) - len(marker.lstrip())
    rng, new_text = edit
    return Finding(
        code="DG201",
        message="the review checklist from the migration template is still here: "
        "review it, then delete it before committing",
        severity=RULES["DG201"].severity,
        range=Range.of(first, indent, first, len(marker.rstrip())),
        statement_range=Range.of(first, 0, last, len(lines[last - 1])),
        fix=_FIX,
        data={
            "kind": "hygiene",
            "phase": None,
            "function": None,
            "statement": "review checklist",
            "sql": None,
            "movable": False,
            "edit": {
                "start_line": rng.start.line,
                "start_character": rng.start.character,
                "end_line": rng.end.line,
                "end_character": rng.end.character,
                "new_text": new_text,
            },
        },
    )


def _is_noop(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and (stmt.value.value is Ellipsis or isinstance(stmt.value.value, str))
    )


def _empty_by_design(info: MigrationInfo) -> bool:
    """Revisions whose place in the graph is their purpose, so an empty upgrade() is expected.

    A base (the first revision, often a baseline of a schema made before Alembic), a merge
    (`alembic merge`), a revision that starts or names a branch (`branch_labels`, as
    `alembic revision --branch-label` writes it), and one that only orders itself after
    another branch (`depends_on`: expand/contract release markers).
    """
    return (
        not info.down_revisions
        or len(info.down_revisions) > 1
        or bool(info.branch_labels)
        or bool(info.depends_on)
    )


def _empty_upgrade_finding(tree: ast.Module, source: str) -> Finding | None:
    func = next(
        (s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "upgrade"), None
    )
    if func is None or not all(_is_noop(s) for s in func.body):
        return None
    if ast.get_docstring(func):
        return None  # the docstring says why it is empty
    if _empty_by_design(read_migration_info(tree)):
        return None
    end = func.end_lineno or func.lineno
    comments = _comment_lines(source) or {}
    if any(
        func.lineno <= n <= end and not _PRAGMA.match(text.strip()) for n, text in comments.items()
    ):
        return None
    lines = split_lines(source)
    line = lines[func.lineno - 1]
    start = utf8_to_codepoints(line, func.col_offset)
    name_end = line.find(func.name, start) + len(func.name)
    return Finding(
        code="DG202",
        message="upgrade() does nothing and no comment says why: "
        "add a comment explaining the empty revision, or delete the migration",
        severity=RULES["DG202"].severity,
        range=Range.of(func.lineno, start, func.lineno, max(name_end, start)),
        statement_range=Range.of(func.lineno, start, end, len(lines[end - 1])),
        fix=None,
        data={
            "kind": "hygiene",
            "phase": "upgrade",
            "function": "upgrade",
            "statement": "empty upgrade()",
            "sql": None,
            "movable": False,
        },
    )


def check_hygiene(tree: ast.Module, source: str) -> list[Finding]:
    """DG201 and DG202 for one parsed migration (default severities; the engine applies settings)."""
    findings = [f for f in (_checklist_finding(source), _empty_upgrade_finding(tree, source)) if f]
    return findings
