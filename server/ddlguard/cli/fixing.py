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
from ddlguard.fix.edits import split_keepends
from ddlguard.hygiene import remove_checklist
from ddlguard.model import Applicability, Finding
from ddlguard.project import ConfigError
from ddlguard.runner import CheckedFile, CheckRun, check_file
from ddlguard.safe_write import WriteRefused, name_taken, write_fix
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


def run_fixes(run: CheckRun, *, unsafe: bool, diff_only: bool, out: TextIO) -> CheckRun:
    """Apply safe fixes (and unsafe ones with `unsafe`), or print them with `diff_only`.

    Returns the run with the fixed files re-analysed, so the report shows what remains.
    """
    cwd = Path.cwd()
    today = datetime.date.today()
    planned: set[Path] = set()  # scripts planned this run: with --diff they are not on disk

    def exists(path: Path) -> bool:
        return path.resolve() in planned or name_taken(path)  # a dangling link is taken

    tally = _Tally()
    files: list[CheckedFile] = []
    for cf in run.files:
        fixed = _fix_file(cf, unsafe, diff_only, out, tally, exists, planned, today, cwd)
        files.append(fixed)
    summary = _summary(tally, unsafe, diff_only)
    notes_out = sys.stderr if diff_only else out
    for note in tally.notes:
        notes_out.write(note + "\n")
    if summary:
        notes_out.write(summary + "\n")
    return replace(run, files=files)


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
) -> CheckedFile:
    result = cf.result
    if cf.source is None or not result.is_migration or result.error is not None:
        return cf
    path = result.path
    shown = _display(path, cwd)
    text = cf.source
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
                exists=exists,
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
    if new_text == text:
        return cf
    new_files = plan.new_files if plan is not None else ()
    planned.update(f.path.resolve() for f in new_files)
    if diff_only:
        _print_diff(
            out, shown, text, new_text, [(_display(f.path, cwd), f.content) for f in new_files]
        )
        tally.fixed += count
        tally.files += 1
        return cf
    try:
        written = _write(
            path, text, new_text, [(f.path, f.content) for f in new_files], cf.project.root
        )
    except (OSError, _Changed) as exc:
        tally.notes.append(f"{shown}: not fixed: {exc}")
        return cf
    tally.fixed += count
    tally.files += 1
    if plan is not None and plan.moved:
        names = ", ".join(_display(p, cwd) for p in written)
        tally.notes.append(f"{shown}: moved {len(plan.moved)} data operation(s) to {names}")
    if count > len(plan.moved if plan else ()):
        tally.notes.append(f"{shown}: removed the review checklist")
    return _recheck(cf)


def _is(finding: Finding, applicability: Applicability) -> bool:
    return finding.fix is not None and finding.fix.applicability is applicability


class _Changed(Exception):
    """The file changed on disk since it was analysed: writing would lose that change."""


def _write(
    path: Path, old: str, new: str, scripts: Sequence[tuple[Path, str]], root: Path
) -> list[Path]:
    """Create the scripts exclusively, then replace the migration atomically, inside `root`.

    If anything fails, the scripts created here are removed again and the migration is left
    as it was: a fix is all or nothing. Every folder is opened without following links
    (`ddlguard.safe_write`); the migration is written back in its own encoding or not at all.
    """

    def render(raw: bytes) -> bytes:
        try:
            current = decode_python_source(raw)
        except SourceDecodeError as exc:
            raise _Changed(f"the file changed since it was checked ({exc})") from None
        if current.text != old:
            raise _Changed("the file changed since it was checked")
        try:
            return encode_like(current, raw, new)
        except CannotEncode as exc:
            raise WriteRefused(str(exc)) from None

    encoded = [(script, content.encode("utf-8")) for script, content in scripts]
    return write_fix(root, path, render, encoded)


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
