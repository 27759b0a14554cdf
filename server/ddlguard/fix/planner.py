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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from ddlguard.fix.dependencies import (
    Dependencies,
    Footprint,
    Operation,
    first_dependent,
    following,
    preceding,
    reason_for,
    sql_footprint,
)
from ddlguard.fix.edits import line_edits
from ddlguard.fix.guards import Guard
from ddlguard.fix.inverse import inverse_prefix
from ddlguard.fix.model import (
    ChildMigration,
    Decision,
    FileEdit,
    FixPlan,
    Moved,
    NewFile,
    NotMovable,
    Outcome,
    RevisionContext,
    Skipped,
)
from ddlguard.fix.naming import migration_slug, script_names
from ddlguard.fix.outcomes import Placed, UpgradeDecision, When, decide_upgrade, downgrade_when
from ddlguard.fix.render import render_bulk_insert, render_core
from ddlguard.fix.scope import NotFound, TreeIndex
from ddlguard.fix.script import RunLine, ScriptBlock, render_script, run_command
from ddlguard.fix.sqltext import execution_path, split_sql
from ddlguard.fix.temporary import temporary_order
from ddlguard.model import Applicability, Finding
from ddlguard.positions import utf8_to_codepoints
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
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    ancestors: list[ast.AST] | None = None
    footprint: Footprint | None = None
    carried: tuple[int, ...] = ()  # lines of statements on its temporary objects, moved along
    kept_after: tuple[str, ...] | None = None  # kept DDL of its string that ran after its data
    kept_literal: str | None = None  # the original literal with the moved statements cut out


def plan_moves(
    source: str,
    path: Path,
    findings: Sequence[Finding],
    *,
    project: Project,
    settings: Settings,
    today: datetime.date,
    exists: Callable[[Path], bool],
    context: RevisionContext | None = None,
) -> FixPlan:
    """Plan moving `findings` (one: the quick fix; all of a file's: "move all") to scripts.

    Each finding is moved, split (its dependent schema operations go to a follow-up revision)
    or refused, with the reason (`FixPlan.decisions`; refused ones are also in `skipped`).
    `context` is what the revision graph says about the file; without one the file is taken
    as a new head with no children. Raises `ConfigError` when the scripts folder resolves
    outside the project root.
    """
    return _plan(
        source, path, findings, project=project, settings=settings, today=today,
        exists=exists, context=context, forced={},
    )  # fmt: skip


def _plan(
    source: str,
    path: Path,
    findings: Sequence[Finding],
    *,
    project: Project,
    settings: Settings,
    today: datetime.date,
    exists: Callable[[Path], bool],
    context: RevisionContext | None,
    forced: dict[int, str],
) -> FixPlan:
    """`plan_moves`, with `forced` refusals (by `id(finding)`): a split the follow-up module
    refused is planned again with its statements refused."""
    scripts_dir = project.scripts_dir(settings.scripts_dir)
    dialect = project.dialect(settings.dialect)
    text = source[1:] if source.startswith("\ufeff") else source
    skipped: list[Skipped] = []
    ordered = sorted(findings, key=lambda f: (f.range.start, f.code))
    if context is not None and not context.is_new:
        return _unchanged(path, source, [Skipped(f, old_reason(context, f)) for f in ordered])
    unwritable = project.not_writable(path)  # a migration outside the root is never rewritten
    if unwritable is not None:
        return _unchanged(path, source, [Skipped(f, unwritable) for f in ordered])
    try:
        tree = ast.parse(text)
        lines = statement_lines(text)
    except (SyntaxError, ValueError, RecursionError, cst.ParserSyntaxError) as exc:
        reason = f"the file does not parse ({str(exc).splitlines()[0] if str(exc) else 'error'})"
        return _unchanged(path, source, [Skipped(f, reason) for f in ordered])
    info = read_migration_info(tree)
    try:
        if info.revision is None:
            raise NotMovable("the migration has no revision id, so no script can say when it runs")
        RunLine("upgrade", "after", info.revision)  # an unsafe id refuses every move here
    except NotMovable as exc:
        return _unchanged(path, source, [Skipped(f, exc.reason) for f in ordered])
    revision = info.revision

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
            candidate.footprint = sql_footprint(candidate.statements, dialect)
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

    try:
        refusals: dict[int, tuple[str, Operation | None]] = {
            i: (forced[id(c.finding)], None)
            for i, c in enumerate(candidates)
            if id(c.finding) in forced
        }
        layout = _decide(candidates, tree, text, index, dialect, revision, context, refusals)
    except RecursionError:
        reason = "the code is too deeply nested"
        return _unchanged(
            path, source, [*skipped, *(Skipped(c.finding, reason) for c in candidates)]
        )
    chosen = [c for i, c in enumerate(candidates) if i in layout.outcome]
    for i, c in enumerate(candidates):
        if i not in layout.outcome:
            skipped.append(Skipped(c.finding, layout.refused[i][0]))
    if not chosen:
        return _unchanged(
            path,
            source,
            skipped,
            _with_unplanned(ordered, _refusals(candidates, layout, path), skipped),
        )

    slug = migration_slug(info.message, path)
    phases = {c.phase for c in chosen}
    try:
        up, down = script_names(
            scripts_dir, today, slug, upgrade="upgrade" in phases, downgrade="downgrade" in phases,
            exists=exists, order=context.order if context is not None else None,
        )  # fmt: skip
    except NotMovable as exc:
        return _unchanged(
            path, source, [*skipped, *(Skipped(c.finding, exc.reason) for c in chosen)]
        )
    script_for = {"upgrade": up, "downgrade": down}
    rel_root = project.root.resolve()
    migration_rel = _relative(path, rel_root)

    edits = Edits()
    moved: list[Moved] = []
    for c in chosen:
        script = script_for[c.phase]
        assert script is not None
        rel = _relative(script, rel_root)
        if c.kept:
            literal = c.kept_literal or python_literal(";\n".join(c.kept), c.quote)
            edits.rewrite[c.line] = (literal, f"Data statements moved to {rel} (ddlguard).")
        else:
            edits.remove[c.line] = f"Data change moved to {rel} (ddlguard)."
        for line in c.carried:
            edits.remove[line] = f"Data change moved to {rel} (ddlguard)."
        moved.append(Moved(c.finding, script, c.statements))

    new_files: list[NewFile] = []
    other_edits: list[FileEdit] = []
    follow_up: str | None = layout.until
    again = {  # should the follow-up (or the later revision's guard) fail: refuse these
        **forced,
        **{
            id(candidates[k].finding): reason_for(op)
            for k, (op, _) in layout.dependent.items()
            if candidates[k].phase == "upgrade"
        },
    }
    if layout.split is not None:
        up_rel = _relative(up, rel_root) if up is not None else ""
        try:
            built = _build_follow_up(
                layout, path, text, tree, info.message, up_rel, today, context, dialect
            )
        except NotMovable as exc:
            return _plan(
                source, path, findings, project=project, settings=settings, today=today,
                exists=exists, context=context,
                forced={k: f"{v}, but {exc.reason}" if k not in forced else v for k, v in again.items()},
            )  # fmt: skip
        follow_up = built.revision
        first = min(s.lineno for s in layout.split.deferred)
        for line in built.remove_lines:
            edits.remove[line] = built.comment if line == first else None
        new_files.append(built.file)
        other_edits.extend(built.child_edits)
    elif layout.guarded is not None and up is not None:
        try:
            other_edits.append(_guard_revision(layout, _relative(up, rel_root), revision, dialect))
        except NotMovable as exc:
            return _plan(
                source, path, findings, project=project, settings=settings, today=today,
                exists=exists, context=context,
                forced={k: f"{v}, but {exc.reason}" if k not in forced else v for k, v in again.items()},
            )  # fmt: skip

    removed = [c.stmt for c in chosen if not c.kept]
    helpers, imports = unused_after(tree, removed, {c.phase for c in chosen})
    edits.remove.update({h: None for h in helpers if h not in edits.remove})
    edits.drop_names = imports
    try:
        new_text = apply_edits(text, edits)
        ast.parse(new_text)  # the invariant: a fix never produces a migration that does not parse
    except (SyntaxError, ValueError, RecursionError, cst.ParserSyntaxError) as exc:
        reason = f"ddlguard could not edit the file safely ({type(exc).__name__})"
        return _unchanged(path, source, [*skipped, *(Skipped(c.finding, reason) for c in chosen)])

    scripts: list[NewFile] = []
    for phase in PHASES:
        script = script_for[phase]
        if script is None:
            continue
        if phase == "upgrade":
            run = RunLine("upgrade", "after", revision, follow_up)
        else:
            run = RunLine("downgrade", layout.downgrade_when or "after", revision)
        blocks = [_block(c) for c in chosen if c.phase == phase]
        content = render_script(
            migration=migration_rel,
            today=today,
            run_path=_relative(script, rel_root),
            blocks=blocks,
            transaction=settings.transaction,
            run=run,
            dialect=dialect,
        )
        scripts.append(NewFile(script, _relative(script, rel_root), content))

    decisions = _with_unplanned(ordered, _decisions(candidates, layout, path, follow_up), skipped)
    bom = "\ufeff" if source.startswith("\ufeff") else ""
    return FixPlan(
        path=path,
        source=source,
        new_source=bom + new_text,
        edits=line_edits(text, new_text),
        new_files=(*scripts, *new_files),
        moved=tuple(moved),
        skipped=tuple(skipped),
        decisions=decisions,
        other_edits=tuple(other_edits),
        deploy_order=deploy_order(revision, scripts, follow_up, layout.downgrade_when),
    )


def old_reason(context: RevisionContext, finding: Finding) -> str:
    """Why an old migration gets no fix: it already ran on existing databases."""
    why = context.why_old or "later revisions build on it"
    return (
        f"this migration is not new ({why}): it has already run on existing databases, so moving "
        f"its data would run the change again; keep it and add `# noqa: {finding.code}`, or set "
        "`since-revision` to skip old migrations"
    )


def deploy_order(
    revision: str,
    scripts: Sequence[NewFile],
    follow_up: str | None,
    downgrade_when: str | None,
) -> tuple[str, ...]:
    """The human deploy steps for what one plan wrote."""
    lines: list[str] = []
    up = [s for s in scripts if not s.relative.endswith("-rollback.sql")]
    down = [s for s in scripts if s.relative.endswith("-rollback.sql")]
    if up:
        lines.append(f"deploy up to revision {revision} (`alembic upgrade {revision}`)")
        lines.append(f"run {up[0].relative}")
        if follow_up is not None:
            lines.append(f"then deploy revision {follow_up} and later (`alembic upgrade head`)")
        else:
            lines.append("then deploy the rest (`alembic upgrade head`)")
    if down:
        side = "just before" if downgrade_when == "before" else "just after"
        lines.append(
            f"when downgrading: run {down[0].relative} {side} `alembic downgrade` reverts "
            f"revision {revision}"
        )
    return tuple(lines)


def _unchanged(
    path: Path, source: str, skipped: list[Skipped], decisions: tuple[Decision, ...] = ()
) -> FixPlan:
    if not decisions:
        decisions = tuple(Decision(s.finding, Outcome.REFUSE, s.reason) for s in skipped)
    return FixPlan(path, source, source, (), (), (), tuple(skipped), decisions)


@dataclass(slots=True)
class _Split:
    """Where upgrade() is cut: the deferred statements and the guard that protects them."""

    deferred: list[ast.stmt]
    guard: Guard
    data: tuple[str, ...]


@dataclass(slots=True)
class _Layout:
    """The decision for every candidate of a plan (by index)."""

    outcome: dict[int, Outcome] = field(default_factory=dict)  # candidates that move
    refused: dict[int, tuple[str, Operation | None]] = field(default_factory=dict)
    dependent: dict[int, tuple[Operation, Path | None]] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)
    split: _Split | None = None
    until: str | None = None  # a later new revision the script runs before (it gets the guard)
    guarded: tuple[ChildMigration, list[ast.stmt], tuple[str, ...], Guard] | None = None
    downgrade_when: When | None = None
    chained: set[int] = field(default_factory=set)  # behind the cut, in the split's script


def _chained_reason(cut: Operation | None, dep: Operation | None) -> str:
    """Why a data statement behind the cut is part of the split (see `chain_blocker`)."""
    assert cut is not None
    head = f"{reason_for(dep)}; it" if dep is not None else "nothing after it needs its data; it"
    return (
        f"{head} stands after `{cut.label}`, where upgrade() is split, and joins the same script "
        "(nothing between them works on what it touches); the schema changes go to the new "
        "revision, deployed after the script has run"
    )


def _decide(
    candidates: list[_Candidate],
    tree: ast.Module,
    text: str,
    index: TreeIndex,
    dialect: str,
    revision: str,
    context: RevisionContext | None,
    refused: dict[int, tuple[str, Operation | None]],
) -> _Layout:
    """Move, split or refuse each candidate; refusals free statements that then count as
    operations for the others, so this runs to a fixed point (each round refuses one more)."""
    functions = {
        s.name: s
        for s in tree.body
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in PHASES
    }
    readers = {
        name: Dependencies(tree, text, index.scope(fn), dialect) for name, fn in functions.items()
    }
    for c in candidates:
        _carry_temporary(c, readers[c.phase], functions[c.phase], refused, candidates)
    while True:
        layout = _round(tree, candidates, functions, readers, refused, dialect, context)
        if set(layout.refused) == set(refused):
            return layout
        refused = dict(layout.refused)


def _round(
    tree: ast.Module,
    candidates: list[_Candidate],
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    readers: dict[str, Dependencies],
    refused: dict[int, tuple[str, Operation | None]],
    dialect: str,
    context: RevisionContext | None,
) -> _Layout:
    layout = _Layout(refused=dict(refused))
    moving = [i for i in range(len(candidates)) if i not in refused]
    moving_ids = {id(candidates[i].stmt) for i in moving if not candidates[i].kept}
    skip = moving_ids | {line for i in moving for line in candidates[i].carried}  # ids, lines

    def placed(i: int) -> Placed:
        c = candidates[i]
        fn = functions[c.phase]
        ancestors = c.ancestors or []
        top = next((a for a in ancestors if isinstance(a, ast.stmt) and a in fn.body), c.stmt)
        after = [p for p in following(fn, ancestors, c.stmt) if not _skipped(p[1], skip)]
        ops = readers[c.phase].operations(after, frozenset(moving_ids))
        ops = [*_kept_after(c, readers[c.phase]), *ops]

        def ahead() -> list[Operation]:
            pairs = [p for p in preceding(fn, ancestors, c.stmt) if not _skipped(p[1], skip)]
            return [
                *readers[c.phase].operations(pairs),
                *_kept_after(c, readers[c.phase], before=True),
            ]

        assert c.footprint is not None
        whole = top is c.stmt and not c.kept
        before = ahead() if c.phase == "downgrade" else []
        return Placed(i, c.phase, c.stmt, top, c.footprint, ops, before, whole, ahead)

    ups = [placed(i) for i in moving if candidates[i].phase == "upgrade"]
    if ups:
        decision = decide_upgrade(ups, functions["upgrade"].body)
        layout.refused.update(decision.refused)
        for key, op in decision.cut_for.items():
            if op.touches and op.touches <= ups[0].footprint.temporary | _temps(candidates[key]):
                layout.refused[key] = (
                    f"`{op.label}` works on a temporary table the moved SQL creates and cannot "
                    "move with it",
                    op,
                )
        if decision.cut is not None and not any(k in layout.refused for k in decision.cut_for):
            split = _split_for(decision, candidates, tree, functions["upgrade"].body, dialect)
            if isinstance(split, str):
                for key in {*decision.cut_for, *decision.chained}:
                    layout.refused[key] = (split, decision.cut_for.get(key, decision.cut))
            else:
                layout.split = split
                for key, op in decision.cut_for.items():
                    layout.dependent[key] = (op, None)
                    layout.reasons[key] = (
                        f"{reason_for(op)}: it and what follows it in upgrade() go to a new "
                        "revision, deployed after the script has run"
                    )
                for key in decision.chained:
                    layout.chained.add(key)
                    layout.reasons[key] = _chained_reason(decision.cut, decision.cut_for.get(key))
        moving_up = [k for k in decision.moving if k not in layout.refused]
        if layout.split is None and not decision.cut_for:
            _later_revisions(layout, candidates, moving_up, dialect, context)
        for key in moving_up:
            if key in layout.refused:
                continue
            if layout.split is not None and (key in layout.dependent or key in layout.chained):
                layout.outcome[key] = Outcome.SPLIT
            else:
                layout.outcome[key] = Outcome.MOVE
                layout.reasons.setdefault(key, "nothing after it in upgrade() needs its data")
    if layout.split is not None and "downgrade" in functions:
        # the inverses go to the follow-up's downgrade(), which runs before all of this one
        undone = inverse_prefix(layout.split.deferred, functions["downgrade"].body)
        skip |= {id(stmt) for stmt in undone}
    downs = [placed(i) for i in moving if candidates[i].phase == "downgrade"]
    # those that must run on one side decide it; the ones free to run on either side join them;
    # when they need both sides (one rollback script has one), none of them moves
    downs.sort(key=lambda d: downgrade_when(d)[2] is None)
    sides = {downgrade_when(d)[0] for d in downs if downgrade_when(d)[2] is not None}
    if len(sides) > 1:
        for down in [d for d in downs if downgrade_when(d)[2] is not None]:
            layout.refused[down.key] = (
                "the data statements of downgrade() need both sides of the revert, and one "
                "rollback script runs on one side; move them by hand",
                downgrade_when(down)[2],
            )
        downs = [d for d in downs if downgrade_when(d)[2] is None]
    for down in downs:
        when, reason, dep = downgrade_when(down)
        if dep is None and layout.downgrade_when is not None:
            when = layout.downgrade_when  # free to run on either side: join the others
        if when is None or (layout.downgrade_when not in (None, when)):
            layout.refused[down.key] = (
                reason
                if when is None
                else "another data statement of downgrade() must run on the other side of the "
                "revert; move this one by hand",
                dep,
            )
            continue
        layout.downgrade_when = when
        layout.outcome[down.key] = Outcome.MOVE
        layout.reasons[down.key] = reason
        if dep is not None:
            layout.dependent[down.key] = (dep, None)
    return layout


def _skipped(stmt: ast.stmt, skip: set[int]) -> bool:
    return id(stmt) in skip or stmt.lineno in skip


def _temps(c: _Candidate) -> frozenset[str]:
    return c.footprint.temporary if c.footprint is not None else frozenset()


def _kept_after(c: _Candidate, reader: Dependencies, *, before: bool = False) -> list[Operation]:
    """DDL kept from the candidate's own string that ran after its data (it cannot be cut),
    or with `before`, the DDL that ran before it (crossed when downgrade data runs first)."""
    if not c.kept or c.kept_after is None:
        return []
    kept = [k for k in c.kept if k not in c.kept_after] if before else list(c.kept_after)
    if not kept:
        return []
    fp = sql_footprint(kept, reader.reader.dialect)
    names = fp.tables | fp.temporary
    if not fp.known or names:
        rng = reader.reader.range_of(c.stmt)
        return [
            Operation(
                c.stmt, rng, "the schema change in the same SQL string", names, fp.known, names
            )
        ]
    return []


def _carry_temporary(
    c: _Candidate,
    reader: Dependencies,
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    refused: dict[int, tuple[str, Operation | None]],
    candidates: list[_Candidate],
) -> None:
    """Plain `op.execute("...")` statements after it that only touch its temporary tables move
    along with it (an index on it, dropping it): a script's temporary table ends with it."""
    temps = _temps(c)
    if not temps or c.ancestors is None:
        return
    carried: list[int] = []
    extra: list[str] = []
    for top, stmt in following(fn, c.ancestors, c.stmt):
        if top is not stmt or not isinstance(stmt, ast.Expr):
            continue
        ops = reader.operations([(top, stmt)])
        if len(ops) == 1 and ops[0].sql is not None and ops[0].touches and ops[0].touches <= temps:
            from ddlguard.sql import classify_sql as _classify

            carried.append(stmt.lineno)
            extra += [s.text for s in _classify(ops[0].sql, reader.reader.dialect)]
    if carried:
        c.carried = tuple(carried)
        c.statements = (*c.statements, *extra)


def _split_for(
    decision: UpgradeDecision,
    candidates: list[_Candidate],
    tree: ast.Module,
    body: list[ast.stmt],
    dialect: str,
) -> _Split | str:
    """The split at `decision.cut`, or the reason there can be none."""
    assert decision.cut is not None
    try:
        import ddlguard.fix.followup  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
        from ddlguard.fix.guards import guard_for, why_not
    except ImportError:
        return (
            f"{reason_for(decision.cut)}, and this ddlguard cannot split a migration yet; "
            "split it by hand around the script"
        )
    start = next(i for i, s in enumerate(body) if s is decision.cut.top)
    # what moves to the script (chained data, temporary statements carried along) stays out,
    # and so do the helpers only it used (`t = sa.table(...)` before a chained Core UPDATE):
    # the fix removes them, and the guard's DDL checks would stop at them
    moving = [candidates[k] for k in decision.moving if k not in decision.refused]
    gone = {id(c.stmt) for c in moving if not c.kept}
    helpers, _ = unused_after(tree, [c.stmt for c in moving if not c.kept], {"upgrade"})
    out = {*(line for c in moving for line in c.carried), *helpers}
    deferred = [s for s in body[start:] if id(s) not in gone and s.lineno not in out]
    data = tuple(
        s
        for k in decision.moving
        if k not in decision.refused
        for s in candidates[k].statements
        if candidates[k].phase == "upgrade"
    )
    guard = guard_for(deferred, data, dialect)
    if guard is None:
        why = why_not(data, dialect) or "no exact check can be written for it"
        return (
            f"{reason_for(decision.cut)}, but the follow-up revision could not check that the "
            f"script has run ({why}): nothing is moved"
        )
    return _Split(deferred, guard, data)


def _later_revisions(
    layout: _Layout,
    candidates: list[_Candidate],
    moving: list[int],
    dialect: str,
    context: RevisionContext | None,
) -> None:
    """A dependent operation in a later new revision: the script runs before that revision."""
    if context is None or not context.new_descendants or not moving:
        return
    for child in context.new_descendants:
        try:
            tree = ast.parse(child.source)
        except (SyntaxError, ValueError, RecursionError):
            for key in moving:
                layout.refused[key] = (
                    f"the later revision {child.path.name} does not parse, so ddlguard cannot "
                    "tell whether it needs this data",
                    None,
                )
            return
        ops = Dependencies(tree, child.source, TreeIndex(tree, child.source).scope(None), dialect)
        upgrade_ops = ops.function_operations("upgrade")
        hits = {}
        for key in moving:
            fp = candidates[key].footprint
            assert fp is not None
            dep = first_dependent(fp, upgrade_ops)
            if dep is not None:
                hits[key] = dep
        if not hits:
            continue
        reason = _guard_later(layout, child, tree, candidates, moving, dialect)
        for key, dep in hits.items():
            if reason is not None:
                layout.refused[key] = (
                    f"{reason_for(dep)} in the later revision {child.path.name}; {reason}",
                    dep,
                )
            else:
                layout.dependent[key] = (dep, child.path)
                layout.reasons[key] = (
                    f"{reason_for(dep)} in the later revision {child.path.name}: the script runs "
                    f"before revision {child.revision}, which gets the guard"
                )
        return


def _guard_later(
    layout: _Layout,
    child: ChildMigration,
    tree: ast.Module,
    candidates: list[_Candidate],
    moving: list[int],
    dialect: str,
) -> str | None:
    """Arrange the guard in a later revision; the reason when that cannot be done."""
    try:
        from ddlguard.fix.followup import (  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
            guard_revision,
        )
        from ddlguard.fix.guards import guard_for, why_not
    except ImportError:
        return "this ddlguard cannot guard that revision yet: split the deploy by hand"
    if child.revision is None:
        return "that revision has no id"
    upgrade = next(
        (
            s
            for s in tree.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "upgrade"
        ),
        None,
    )
    data = tuple(s for k in moving for s in candidates[k].statements)
    guard = guard_for(list(upgrade.body) if upgrade else [], data, dialect)
    if guard is None:
        return f"no exact check can be written for it ({why_not(data, dialect) or 'unknown'})"
    layout.until = child.revision
    layout.guarded = (child, list(upgrade.body) if upgrade else [], data, guard)
    return None


def _build_follow_up(
    layout: _Layout,
    path: Path,
    text: str,
    tree: ast.Module,
    message: str | None,
    script: str,
    today: datetime.date,
    context: RevisionContext | None,
    dialect: str,
) -> Any:
    from ddlguard.fix.followup import (  # type: ignore[import-not-found,unused-ignore]
        FollowUpInput,
        build_follow_up,
    )

    assert layout.split is not None
    info = read_migration_info(tree)
    assert info.revision is not None
    ctx = context or RevisionContext(info.revision, info.down_revisions or None, True)
    return build_follow_up(
        FollowUpInput(
            path=path,
            source=text,
            tree=tree,
            revision=info.revision,
            message=message,
            deferred=tuple(layout.split.deferred),
            inverse=tuple(inverse_prefix(layout.split.deferred, _body(tree, "downgrade"))),
            script=script,
            command=run_command(dialect, script),
            guard=layout.split.guard,
            context=ctx,
            today=today,
        )
    )


def _body(tree: ast.Module, name: str) -> list[ast.stmt]:
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return stmt.body
    return []


def _guard_revision(layout: _Layout, script: str, revision: str, dialect: str) -> FileEdit:
    from ddlguard.fix.followup import (  # type: ignore[import-not-found,unused-ignore]
        guard_revision,
    )

    assert layout.guarded is not None
    child, _, _, guard = layout.guarded
    edit: FileEdit = guard_revision(child, guard, script, revision, dialect)
    return edit


def _decisions(
    candidates: list[_Candidate], layout: _Layout, path: Path, follow_up: str | None
) -> tuple[Decision, ...]:
    out = []
    for i, c in enumerate(candidates):
        if i in layout.outcome:
            dep = layout.dependent.get(i)
            out.append(
                Decision(
                    c.finding,
                    layout.outcome[i],
                    layout.reasons.get(i, ""),
                    dep[0].range if dep else None,
                    dep[1] if dep else None,
                    follow_up if layout.outcome[i] is Outcome.SPLIT or (dep and dep[1]) else None,
                )
            )
        else:
            reason, op = layout.refused[i]
            out.append(Decision(c.finding, Outcome.REFUSE, reason, op.range if op else None))
    return tuple(out)


def _with_unplanned(
    ordered: Sequence[Finding], decided: tuple[Decision, ...], skipped: Sequence[Skipped]
) -> tuple[Decision, ...]:
    """One decision per finding, in order: the candidates' and a refusal for every other."""
    by_id = {id(d.finding): d for d in decided}
    for s in skipped:
        by_id.setdefault(id(s.finding), Decision(s.finding, Outcome.REFUSE, s.reason))
    return tuple(by_id[id(f)] for f in ordered if id(f) in by_id)


def _refusals(candidates: list[_Candidate], layout: _Layout, path: Path) -> tuple[Decision, ...]:
    return _decisions(candidates, layout, path, None)


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
    return ScriptBlock(tuple(comments), c.statements)


def _candidate(finding: Finding, index: TreeIndex, dialect: str) -> _Candidate:
    """Check one finding can move exactly and compute its SQL; raise NotMovable otherwise."""
    tree = index.tree
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
        python = _segment(index, stmt, padded=True)
    elif finding.code == "DG002" or kind == "core":
        _check_exec_args(call)
        statements = tuple(render_core(call.args[0], scope, dialect))
        python = _segment(index, stmt, padded=True)
    else:
        _check_exec_args(call)
        sql = finding.data.get("sql")
        if not isinstance(sql, str):
            raise NotMovable("the SQL text cannot be read statically")
        via = execution_path(call, scope)
        literal = _literal_sql_arg(call)
        first = split_sql(sql, dialect, via=via)  # refuses what cannot be exact
        ordered = temporary_order(first.statements, dialect)
        literal_source = (
            _segment(index, literal) if literal is not None and first.kept else None
        )  # only when DDL stays: the literal is rewritten then
        split = split_sql(sql, dialect, via=via, literal=literal_source, move=ordered.move)
        statements = split.moved
        if literal is None:  # built in Python: show the reviewer where from
            python = _segment(index, stmt, padded=True)
        if split.kept:
            if literal is None or split.kept_literal is None:
                raise NotMovable(
                    "the SQL mixes schema and data changes and is not one string literal"
                )
            quote = _quote_of(literal_source or '""')
            found = _Candidate(finding, phase, stmt.lineno, stmt, statements, split.kept, quote)
            found.kept_literal = split.kept_literal
            found.kept_after = ordered.kept_after
            found.siblings = _block_of(ancestors)
            found.function, found.ancestors = function, ancestors
            return found
    found = _Candidate(finding, phase, stmt.lineno, stmt, statements, None, python=python)
    found.siblings = _block_of(ancestors)
    found.function, found.ancestors = function, ancestors
    return found


def _segment(index: TreeIndex, node: ast.expr | ast.stmt, *, padded: bool = False) -> str:
    """The node's source (with `padded`, its first line indented as in the file)."""
    text = index.segment(node)
    if not padded:
        return text
    return " " * utf8_to_codepoints(index.lines[node.lineno - 1], node.col_offset) + text


def _block_of(ancestors: list[ast.AST]) -> list[ast.stmt] | None:
    parent = ancestors[-2] if len(ancestors) >= 2 else None
    body = getattr(parent, "body", None)
    return body if isinstance(body, list) else None


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
