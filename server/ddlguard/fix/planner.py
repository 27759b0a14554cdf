"""The fix planner: move a migration's data operations into `scripts/sql` (design section 4).

A pure library: source text and findings in, a `FixPlan` out. It reads nothing but what it is
given (plus `exists` for free script names) and writes nothing. libcst is imported only here,
when a fix is asked for, never on the analysis path.
"""

from __future__ import annotations

import ast
import datetime
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from ddlguard.analysis.migration import read_migration_info
from ddlguard.fix.codemod import (
    Edits,
    apply_edits,
    comments_above,
    comments_in,
    python_literal,
    statement_lines,
    unused_after,
)
from ddlguard.fix.edits import line_edits
from ddlguard.fix.model import FixPlan, Moved, NewFile, NotMovable, Skipped
from ddlguard.fix.naming import migration_slug, script_names
from ddlguard.fix.render import render_bulk_insert, render_core
from ddlguard.fix.scope import NotFound, TreeIndex
from ddlguard.fix.script import ScriptBlock, render_script
from ddlguard.fix.sqltext import split_sql
from ddlguard.model import Applicability, Finding
from ddlguard.positions import split_lines
from ddlguard.project import Project
from ddlguard.settings import Settings

MOVABLE_CODES = frozenset({"DG001", "DG002", "DG003"})
PHASES = ("upgrade", "downgrade")
_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_PARAM_METHODS = frozenset({"bindparams", "params", "execution_options", "columns"})
_EXEC_METHODS = frozenset({"execute", "exec_driver_sql"})


@dataclass(slots=True)
class _Candidate:
    finding: Finding
    phase: str
    line: int  # first line of the statement
    stmt: ast.stmt
    statements: tuple[str, ...]  # SQL for the script
    kept: tuple[str, ...] | None  # DDL that stays (multi-statement strings), else None
    quote: str = '"'  # the quotes of the SQL literal, kept when it is rewritten
    python: str | None = None  # original source, shown in the script for rendered constructs
    comments: tuple[str, ...] = ()
    siblings: list[ast.stmt] | None = None  # the block holding the statement
    before: str | None = None  # the first line of the statement that ran next, if any


def plan_moves(
    source: str,
    path: Path,
    findings: Sequence[Finding],
    *,
    project: Project,
    settings: Settings,
    today: datetime.date,
    exists: Callable[[Path], bool],
) -> FixPlan:
    """Plan moving `findings` (one: the quick fix; all of a file's: "move all") to scripts.

    Findings that cannot move exactly are returned in `skipped` with the reason; the others
    go to one upgrade script and one `-rollback` script, in source order. Raises
    `ConfigError` when the scripts folder resolves outside the project root.
    """
    scripts_dir = project.scripts_dir(settings.scripts_dir)
    dialect = project.dialect(settings.dialect)
    text = source[1:] if source.startswith("\ufeff") else source
    skipped: list[Skipped] = []
    ordered = sorted(findings, key=lambda f: (f.range.start, f.code))
    try:
        tree = ast.parse(text)
        lines = statement_lines(text)
    except (SyntaxError, ValueError, RecursionError, cst.ParserSyntaxError) as exc:
        reason = f"the file does not parse ({str(exc).splitlines()[0] if str(exc) else 'error'})"
        return _unchanged(path, source, [Skipped(f, reason) for f in ordered])

    candidates: list[_Candidate] = []
    index = TreeIndex(tree, text)
    for finding in ordered:
        try:
            candidate = _candidate(finding, index, dialect)
            stmt_node = lines.get(candidate.line)
            if stmt_node is None:
                raise NotMovable("the statement shares its line with its function definition")
            if len(stmt_node.body) != 1:
                raise NotMovable("the statement shares its line with other statements")
            candidate.comments = (*comments_above(stmt_node), *comments_in(stmt_node))
            if any(c.line == candidate.line for c in candidates):
                raise NotMovable("another finding already moves this statement")
        except NotMovable as exc:
            skipped.append(Skipped(finding, exc.reason))
            continue
        except RecursionError:
            skipped.append(Skipped(finding, "the code is too deeply nested"))
            continue
        except Exception as exc:  # a planner bug must cost one move, never the editor or the run
            skipped.append(
                Skipped(finding, f"ddlguard could not plan this move ({type(exc).__name__})")
            )
            continue
        candidates.append(candidate)
    if not candidates:
        return _unchanged(path, source, skipped)

    info = read_migration_info(tree)
    slug = migration_slug(info.message, path)
    phases = {c.phase for c in candidates}
    up, down = script_names(
        scripts_dir, today, slug, upgrade="upgrade" in phases, downgrade="downgrade" in phases,
        exists=exists,
    )  # fmt: skip
    script_for = {"upgrade": up, "downgrade": down}
    rel_root = project.root.resolve()
    migration_rel = _relative(path, rel_root)

    moved_lines = {c.line for c in candidates if not c.kept}
    text_lines = split_lines(text)
    for c in candidates:
        c.before = _next_kept(c, moved_lines, text_lines)

    edits = Edits()
    moved: list[Moved] = []
    for c in candidates:
        script = script_for[c.phase]
        assert script is not None
        rel = _relative(script, rel_root)
        if c.kept:
            literal = python_literal(";\n".join(c.kept), c.quote)
            edits.rewrite[c.line] = (literal, f"Data statements moved to {rel} (ddlguard).")
        else:
            edits.remove[c.line] = f"Data change moved to {rel} (ddlguard)."
        moved.append(Moved(c.finding, script, c.statements))

    removed = [c.stmt for c in candidates if not c.kept]
    helpers, imports = unused_after(tree, removed, {c.phase for c in candidates})
    edits.remove.update(dict.fromkeys(helpers, None))
    edits.drop_names = imports
    try:
        new_text = apply_edits(text, edits)
        ast.parse(new_text)  # the invariant: a fix never produces a migration that does not parse
    except (SyntaxError, ValueError, RecursionError, cst.ParserSyntaxError) as exc:
        reason = f"ddlguard could not edit the file safely ({type(exc).__name__})"
        return _unchanged(
            path, source, [*skipped, *(Skipped(c.finding, reason) for c in candidates)]
        )

    files = []
    for phase in PHASES:
        script = script_for[phase]
        if script is None:
            continue
        blocks = [_block(c) for c in candidates if c.phase == phase]
        content = render_script(
            migration=migration_rel,
            revision=info.revision,
            phase=phase,
            today=today,
            run_path=_relative(script, rel_root),
            blocks=blocks,
            transaction=settings.transaction,
        )
        files.append(NewFile(script, _relative(script, rel_root), content))

    bom = "\ufeff" if source.startswith("\ufeff") else ""
    return FixPlan(
        path=path,
        source=source,
        new_source=bom + new_text,
        edits=line_edits(text, new_text),
        new_files=tuple(files),
        moved=tuple(moved),
        skipped=tuple(skipped),
    )


def _unchanged(path: Path, source: str, skipped: list[Skipped]) -> FixPlan:
    return FixPlan(path, source, source, (), (), (), tuple(skipped))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.name


def _block(c: _Candidate) -> ScriptBlock:
    """The script lines for one move: the Python it replaces (for rendered SQL), its comments."""
    comments = list(c.comments)
    if c.python is not None:
        lines = textwrap.dedent(c.python).splitlines()
        comments += [("was: " if i == 0 else "     ") + line for i, line in enumerate(lines)]
    if c.before is not None:
        comments.append(f"in the migration this ran before: {c.before}")
    return ScriptBlock(tuple(comments), c.statements)


def _candidate(finding: Finding, index: TreeIndex, dialect: str) -> _Candidate:
    """Check one finding can move exactly and compute its SQL; raise NotMovable otherwise."""
    tree, text = index.tree, index.text
    if finding.code not in MOVABLE_CODES:
        raise NotMovable(f"{finding.code} is not a data operation ddlguard moves")
    fix = finding.fix
    if (
        fix is None
        or fix.applicability is not Applicability.UNSAFE
        or not finding.data.get("movable", True)
    ):
        raise NotMovable((fix.reason if fix else None) or "no automatic move is offered for it")
    srange = finding.statement_range or finding.range
    if _suppressed(finding.code, index.lines, srange.start.line, srange.end.line):
        raise NotMovable(f"suppressed with # noqa for {finding.code}")
    try:
        call = index.call_at(finding.range.start.line, finding.range.start.character)
    except NotFound:
        raise NotMovable(
            "the call was not found where the finding says (was the file changed?)"
        ) from None
    function, ancestors = index.enclosing(call)
    stmt = ancestors[-1] if ancestors else None
    if not isinstance(stmt, ast.Expr) or stmt.value is not call:
        raise NotMovable("the call's result is used, so the statement cannot be removed")
    phase = _phase(function, ancestors, tree)
    wanted = finding.data.get("phase")
    if wanted is not None and wanted != phase:
        raise NotMovable(f"the call runs in {wanted}() through a helper; move it by hand")
    kind = finding.data.get("kind")
    scope = index.scope(function)
    python: str | None = None
    if finding.code == "DG003" or kind == "bulk_insert":
        statements = tuple(render_bulk_insert(call, scope, dialect))
        python = ast.get_source_segment(text, stmt, padded=True)
    elif finding.code == "DG002" or kind == "core":
        _check_exec_args(call)
        statements = tuple(render_core(call.args[0], scope, dialect))
        python = ast.get_source_segment(text, stmt, padded=True)
    else:
        _check_exec_args(call)
        sql = finding.data.get("sql")
        if not isinstance(sql, str):
            raise NotMovable("the SQL text cannot be read statically")
        split = split_sql(sql, dialect)
        statements = split.moved
        if _literal_sql_arg(call) is None:  # built in Python: show the reviewer where from
            python = ast.get_source_segment(text, stmt, padded=True)
        if split.kept:
            literal = _literal_sql_arg(call)
            if literal is None:
                raise NotMovable(
                    "the SQL mixes schema and data changes and is not one string literal"
                )
            quote = _quote_of(ast.get_source_segment(text, literal) or '""')
            found = _Candidate(finding, phase, stmt.lineno, stmt, statements, split.kept, quote)
            found.siblings = _block_of(ancestors)
            return found
    found = _Candidate(finding, phase, stmt.lineno, stmt, statements, None, python=python)
    found.siblings = _block_of(ancestors)
    return found


def _block_of(ancestors: list[ast.AST]) -> list[ast.stmt] | None:
    parent = ancestors[-2] if len(ancestors) >= 2 else None
    body = getattr(parent, "body", None)
    return body if isinstance(body, list) else None


def _next_kept(c: _Candidate, moved_lines: set[int], text_lines: list[str]) -> str | None:
    """The first line of the statement that ran right after this one and stays in the migration.

    The reviewer needs it: a schema change that followed a backfill (`nullable=False`, a
    dropped column) may need the script to run first, which means splitting the migration.
    """
    body = c.siblings or []
    index = next((i for i, s in enumerate(body) if s is c.stmt), len(body))
    for stmt in body[index + 1 :]:
        if stmt.lineno in moved_lines:
            continue
        line = text_lines[stmt.lineno - 1].strip()
        if isinstance(stmt, ast.Pass) or not line:
            return None
        return line if len(line) <= 80 else line[:77] + "..."
    return None


def _phase(
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    ancestors: list[ast.AST],
    tree: ast.Module,
) -> str:
    """upgrade/downgrade when the statement runs there unconditionally (only `with` between)."""
    if function is None or function.name not in PHASES or function not in tree.body:
        name = f"{function.name}()" if function is not None else "module level"
        raise NotMovable(
            f"the call is in {name}, not directly in upgrade() or downgrade(); move it by hand"
        )
    inner = ancestors[ancestors.index(function) + 1 : -1]
    for node in inner:
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            what = type(node).__name__.lower().replace("async", "")
            raise NotMovable(
                f"the call runs inside {_CONTROL.get(what, what)}, so moving it would change when it runs"
            )
    return function.name


_CONTROL = {"for": "a loop", "while": "a loop", "if": "a condition", "try": "a try block",
            "match": "a match block", "trystar": "a try block"}  # fmt: skip


def _check_exec_args(call: ast.Call) -> None:
    """The statement alone: parameters passed to execute or bound on the text cannot move."""
    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        raise NotMovable("parameters are passed at execution")
    for node in ast.walk(call.args[0]):
        if isinstance(node, ast.Attribute) and node.attr in _PARAM_METHODS:
            raise NotMovable(f"the statement uses .{node.attr}(), so its values come from Python")


def _literal_sql_arg(call: ast.Call) -> ast.Constant | None:
    """The SQL when it is one plain string literal, directly or in text(...)."""
    arg = call.args[0]
    if isinstance(arg, ast.Call) and len(arg.args) == 1 and not arg.keywords:
        arg = arg.args[0]
    return arg if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None


def _quote_of(literal_source: str) -> str:
    body = literal_source.lstrip("rRuUbB")
    return body[:3] if body[:3] in ('"""', "'''") else body[:1]


def _suppressed(code: str, lines: list[str], first: int, last: int) -> bool:
    for number in {first, last}:
        if 1 <= number <= len(lines):
            match = _NOQA.search(lines[number - 1])
            if match and (
                match.group("codes") is None
                or code in re.split(r"\s*,\s*", match.group("codes").upper())
            ):
                return True
    return False
