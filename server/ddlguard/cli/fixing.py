"""`check --fix`, `--unsafe-fixes` and `--diff`: apply (or show) fixes, then re-check.

Safe fixes (the DG201 checklist removal) run with `--fix`; moving data operations to
`scripts/sql` changes what `alembic upgrade` does, so it runs only with `--unsafe-fixes`.
`--diff` prints a patch (`git apply`-able, new scripts included) and writes nothing. Scripts
are created exclusively (`open(..., "x")`): an existing file is never overwritten.
"""

from __future__ import annotations

import datetime
import difflib
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from ddlguard.engine import analyze_source
from ddlguard.fix import MOVABLE_CODES, FixPlan, plan_moves
from ddlguard.fix.context import revision_context
from ddlguard.fix.edits import split_keepends
from ddlguard.fix.model import Outcome, RevisionContext
from ddlguard.fix.planner import old_reason
from ddlguard.hygiene import remove_checklist
from ddlguard.model import Applicability, Finding, FixHint, MigrationInfo
from ddlguard.project import ConfigError, Project
from ddlguard.runner import CheckedFile, CheckRun, check_file, read_source
from ddlguard.safe_write import WriteRefused, name_taken, write_files
from ddlguard.source_encoding import (
    CannotEncode,
    SourceDecodeError,
    decode_python_source,
    encode_like,
)

_PROJECT_CODES = ("DG1", "DG4")  # project-wide findings the per-file re-check does not produce


@dataclass(slots=True)
class _Tally:
    fixed: int = 0
    files: int = 0
    more_unsafe: int = 0
    notes: list[str] = field(default_factory=list)
    deploy: list[str] = field(default_factory=list)  # deploy order lines, per migration
    pending: list[str] = field(default_factory=list)  # scripts written that must still run
    edited: dict[Path, str] = field(default_factory=dict)  # other files a plan changed


def run_fixes(
    run: CheckRun, *, unsafe: bool, diff_only: bool, out: TextIO, diff_base: str | None = None
) -> CheckRun:
    """Apply safe fixes (and unsafe ones with `unsafe`), or print them with `diff_only`.

    Returns the run with the fixed files re-analysed, so the report shows what remains.
    Moves are planned with each migration's place in the revision graph: an old migration
    (one later revisions build on, not added since the diff-base) gets no move.
    """
    cwd = Path.cwd()
    today = datetime.date.today()
    planned: set[Path] = set()  # scripts planned this run: with --diff they are not on disk

    def exists(path: Path) -> bool:
        return path.resolve() in planned or name_taken(path)  # a dangling link is taken

    tally = _Tally()
    contexts = _Contexts(run, diff_base, cwd, tally) if unsafe else None
    if contexts is not None:  # one run, several migrations moved: number their scripts
        contexts.numbered = sum(map(_has_moves, run.files)) > 1
    files: list[CheckedFile] = []
    for cf in _in_revision_order(run.files):
        fixed = _fix_file(cf, unsafe, diff_only, out, tally, exists, planned, today, cwd, contexts)
        files.append(fixed)
    order = {id(cf): i for i, cf in enumerate(run.files)}
    files.sort(key=lambda f: order.get(id(f), len(order)))
    summary = _summary(tally, unsafe, diff_only)
    notes_out = sys.stderr if diff_only else out
    for note in tally.notes:
        notes_out.write(note + "\n")
    if summary:
        notes_out.write(summary + "\n")
    if tally.deploy:
        notes_out.write("Deploy order:\n")
        for number, line in enumerate(tally.deploy, start=1):
            notes_out.write(f"  {number}. {line}\n")
    return run.copy(files=files, pending=list(tally.pending))


def _in_revision_order(files: Sequence[CheckedFile]) -> list[CheckedFile]:
    """Parents before children, so the deploy order and script numbers read top to bottom."""
    infos = {
        cf.result.info.revision: cf for cf in files if cf.result.info and cf.result.info.revision
    }
    depth: dict[int, int] = {}
    for cf in files:
        seen: set[str] = set()
        n, info = 0, cf.result.info
        while info is not None and info.down_revisions and info.down_revisions[0] not in seen:
            seen.add(info.down_revisions[0])
            parent = infos.get(info.down_revisions[0])
            info = parent.result.info if parent is not None else None
            n += 1
        depth[id(cf)] = n
    return sorted(files, key=lambda cf: depth[id(cf)])


class _Contexts:
    """Revision contexts for the run's migrations: one graph and one git listing per project."""

    def __init__(self, run: CheckRun, diff_base: str | None, cwd: Path, tally: _Tally) -> None:
        self.run = run
        self.diff_base = diff_base
        self.cwd = cwd
        self.tally = tally
        self._graphs: dict[tuple[str, ...], list[tuple[Path, MigrationInfo]]] = {}
        self._new: dict[str, frozenset[Path] | None] = {}
        self.numbered = False

    def of(self, cf: CheckedFile) -> RevisionContext:
        from ddlguard.graph import build_graph, project_key

        key = project_key(cf.project)
        if key not in self._graphs:
            members = [f for f in self.run.files if project_key(f.project) == key]
            graph = build_graph(members, cf.project, resolver=self.run.resolver)
            self._graphs[key] = [(n.path.resolve(), n.info) for n in graph.nodes]
        base = self.diff_base or cf.settings.diff_base
        path = cf.result.path.resolve()
        context = revision_context(
            path,
            cf.result.info,
            self._graphs[key],
            new_paths=self._added(base, cf) if base else None,
            read=_read_text,
            file_template=_file_template(cf.project),
            diff_base=base,
        )
        return context if self.numbered else replace(context, order=None)

    def _added(self, base: str, cf: CheckedFile) -> frozenset[Path] | None:
        from ddlguard.selection import changed_files

        if base not in self._new:
            try:
                where = (
                    self.cwd if self.diff_base else (cf.settings.source or cf.result.path).parent
                )
                self._new[base] = changed_files(base, where)
            except ConfigError as exc:
                self.tally.notes.append(f"diff-base: {exc}; only heads count as new")
                self._new[base] = None
        return self._new[base]


def _has_moves(cf: CheckedFile) -> bool:
    return any(f.code in MOVABLE_CODES and _is(f, Applicability.UNSAFE) for f in cf.result.findings)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _file_template(project: Project) -> str | None:
    """alembic.ini's `file_template` (raw: Alembic's own `%%(rev)s` tokens), if any."""
    import configparser

    if project.alembic_ini is None:
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read(project.alembic_ini, encoding="utf-8")
        value = parser.get("alembic", "file_template", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    return value.strip() if value else None


def _no_fix(findings: Sequence[Finding], context: RevisionContext) -> list[Finding]:
    """An old migration's findings keep their place, with applicability none and the reason."""
    out = []
    for f in findings:
        if f.code in MOVABLE_CODES and _is(f, Applicability.UNSAFE):
            assert f.fix is not None
            f = f._replace(
                fix=FixHint(Applicability.NONE, f.fix.description, old_reason(context, f))
            )
        out.append(f)
    return out


def _fix_file(
    cf: CheckedFile,
    unsafe: bool,
    diff_only: bool,
    out: TextIO,
    tally: _Tally,
    exists: Callable[[Path], bool],
    planned: set[Path],
    today: datetime.date,
    cwd: Path,
    contexts: _Contexts | None = None,
) -> CheckedFile:
    result = cf.result
    if cf.source is None or not result.is_migration or result.error is not None:
        return cf
    context = contexts.of(cf) if contexts is not None else None
    if context is not None and not context.is_new:
        shown = _display(result.path, cwd)
        for f in result.findings:
            if f.code in MOVABLE_CODES and _is(f, Applicability.UNSAFE):
                start = f.range.start
                tally.notes.append(
                    f"{shown}:{start.line}:{start.character + 1}: {f.code} not moved: "
                    f"{old_reason(context, f)}"
                )
        result.findings = _no_fix(result.findings, context)
    path = result.path
    shown = _display(path, cwd)
    text = cf.source
    edited_before = tally.edited.get(path.resolve())
    if edited_before is not None:  # an earlier plan of this run edited it (guard, parent)
        fresh, failed = read_source(path)
        if fresh is None or failed is not None:
            return cf
        text = fresh.removeprefix("\ufeff")
        result.findings = analyze_source(
            text, path, cf.settings, dialect=cf.project.dialect(cf.settings.dialect),
            in_version_dir=True,
        ).findings  # fmt: skip
        cf = CheckedFile(result, cf.project, cf.settings, text)
    new_text = text
    count = 0
    if any(_is(f, Applicability.SAFE) and f.code == "DG201" for f in result.findings):
        new_text = remove_checklist(text)
        count += int(new_text != text)
    movable = [
        f for f in result.findings if f.code in MOVABLE_CODES and _is(f, Applicability.UNSAFE)
    ]
    plan: FixPlan | None = None
    if movable and not unsafe:
        tally.more_unsafe += len(movable)
    elif movable:
        if new_text != text:  # positions moved with the checklist: re-read the findings
            again = analyze_source(
                new_text, path, cf.settings, dialect=cf.project.dialect(cf.settings.dialect),
                in_version_dir=True,
            )  # fmt: skip
            movable = [
                f
                for f in again.findings
                if f.code in MOVABLE_CODES and _is(f, Applicability.UNSAFE)
            ]
        try:
            plan = plan_moves(
                new_text, path, movable, project=cf.project, settings=cf.settings, today=today,
                exists=exists, context=context,
            )  # fmt: skip
        except ConfigError as exc:
            tally.notes.append(f"{shown}: not moved: {exc}")
        if plan is not None:
            new_text = plan.new_source
            count += len(plan.moved)
            for s in plan.skipped:
                start = s.finding.range.start
                tally.notes.append(
                    f"{shown}:{start.line}:{start.character + 1}: {s.finding.code} not moved: {s.reason}"
                )
            for d in plan.decisions:
                if d.outcome is Outcome.SPLIT or d.follow_up is not None:
                    start = d.finding.range.start
                    tally.notes.append(
                        f"{shown}:{start.line}:{start.character + 1}: {d.finding.code} "
                        f"{d.outcome}: {d.reason}"
                    )
    if new_text == text:
        return cf
    new_files = plan.new_files if plan is not None else ()
    others = plan.other_edits if plan is not None else ()
    planned.update(f.path.resolve() for f in new_files)
    if diff_only:
        _print_diff(
            out, shown, text, new_text, [(_display(f.path, cwd), f.content) for f in new_files]
        )
        for edit in others:
            other = _display(edit.path, cwd)
            _write_patch(
                out,
                difflib.unified_diff(
                    _lines(edit.source), _lines(edit.new_source), f"a/{other}", f"b/{other}"
                ),
            )
        tally.fixed += count
        tally.files += 1
        if plan is not None:
            tally.deploy.extend(plan.deploy_order)
        return cf
    try:
        written = _write(
            path, text, new_text, [(f.path, f.content) for f in new_files], cf.project.root,
            [(e.path, e.source, e.new_source) for e in others],
        )  # fmt: skip
    except (OSError, _Changed) as exc:
        tally.notes.append(f"{shown}: not fixed: {exc}")
        return cf
    tally.fixed += count
    tally.files += 1
    if plan is not None and plan.moved:
        names = ", ".join(_display(p, cwd) for p in written)
        tally.notes.append(f"{shown}: moved {len(plan.moved)} data operation(s) to {names}")
        for edit in others:
            tally.edited[edit.path.resolve()] = edit.new_source
            tally.notes.append(f"{_display(edit.path, cwd)}: edited to follow the new order")
        tally.deploy.extend(plan.deploy_order)
        tally.pending.extend(f.relative for f in new_files if f.path.suffix == ".sql")
    if count > len(plan.moved if plan else ()):
        tally.notes.append(f"{shown}: removed the review checklist")
    return _recheck(cf)


def _is(finding: Finding, applicability: Applicability) -> bool:
    return finding.fix is not None and finding.fix.applicability is applicability


class _Changed(Exception):
    """The file changed on disk since it was analysed: writing would lose that change."""


def _write(
    path: Path,
    old: str,
    new: str,
    scripts: Sequence[tuple[Path, str]],
    root: Path,
    others: Sequence[tuple[Path, str, str]] = (),
) -> list[Path]:
    """Create the new files exclusively, then replace the migration (and `others`: children
    re-parented, as (path, old, new)) atomically, inside `root`.

    If anything fails, the files created here are removed again and the files already replaced
    get their old bytes back: a fix is all or nothing. Every folder is opened without following
    links (`ddlguard.safe_write`); each file is written back in its own encoding or not at all.
    """
    edits = [(path, old, new), *others]
    replace = [(target, _render(target, before, after)) for target, before, after in edits]
    encoded = [(script, content.encode("utf-8")) for script, content in scripts]
    created = write_files(root, replace, encoded)
    return [c for c in created if c.suffix == ".sql"] + [c for c in created if c.suffix != ".sql"]


def _render(target: Path, before: str, after: str) -> Callable[[bytes], bytes]:
    """The new bytes of `target`, refused when it changed since it was checked."""

    def render(raw: bytes) -> bytes:
        try:
            current = decode_python_source(raw)
        except SourceDecodeError as exc:
            raise _Changed(f"{target.name} changed since it was checked ({exc})") from None
        if current.text != before:
            raise _Changed(f"{target.name} changed since it was checked")
        try:
            return encode_like(current, raw, after)
        except CannotEncode as exc:
            raise WriteRefused(str(exc)) from None

    return render


def _recheck(cf: CheckedFile) -> CheckedFile:
    """Analyse the written file again; keep the project-wide findings the engine cannot make."""
    fresh = check_file(cf.result.path, cf.project, cf.settings, force_migration=True)
    kept = [f for f in cf.result.findings if f.code.startswith(_PROJECT_CODES)]
    if kept:
        fresh.result.findings = sorted(
            [*fresh.result.findings, *kept], key=lambda f: (f.range, f.code)
        )
    return fresh


def _print_diff(
    out: TextIO, shown: str, old: str, new: str, new_files: Sequence[tuple[str, str]]
) -> None:
    """A patch `git apply` accepts: the migration's changes, then each new file."""
    _write_patch(out, difflib.unified_diff(_lines(old), _lines(new), f"a/{shown}", f"b/{shown}"))
    for name, content in new_files:
        _write_patch(out, difflib.unified_diff([], _lines(content), "/dev/null", f"b/{name}"))


def _lines(text: str) -> list[str]:
    return split_keepends(text)


def _write_patch(out: TextIO, lines: Iterable[str]) -> None:
    for line in lines:
        out.write(line)
        if not line.endswith(("\n", "\r")):
            out.write("\n\\ No newline at end of file\n")


def _display(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _summary(tally: _Tally, unsafe: bool, diff_only: bool) -> str:
    verb = "Would fix" if diff_only else "Fixed"
    parts = []
    if tally.fixed:
        parts.append(f"{verb} {tally.fixed} finding(s) in {tally.files} file(s).")
    elif not diff_only:
        parts.append("No fixes applied.")
    if tally.more_unsafe and not unsafe:
        parts.append(f"{tally.more_unsafe} more can be moved to scripts/sql with --unsafe-fixes.")
    return " ".join(parts)
