"""`ddlguard check`: arguments → settings → run → optional fixes → report → exit code.

Exit codes (design section 5): 0 no finding at or above error, 1 findings, 2 the run could
not proceed (usage, a missing PATH or --config file, a scripts-dir outside the project root).
Everything about a single file (unreadable, undecodable, a syntax error, even an engine bug)
is a DG000 finding on that file, and the other files are still checked.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ddlguard.cache import RunCache
from ddlguard.cli.formats import UnknownFormat, display_path, get_writer
from ddlguard.model import Finding, Severity
from ddlguard.parallel import default_jobs
from ddlguard.project import ConfigError, Discovery
from ddlguard.rules import RULES, expand_selector
from ddlguard.runner import (
    CheckedFile,
    CheckRun,
    SettingsCache,
    check_paths,
    merge_project_findings,
)
from ddlguard.settings import ConfigProblem, Settings


class UsageError(Exception):
    """Stops the run with exit 2 and one line on stderr."""


def _codes(flag: str, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(s.strip() for s in value.split(",") if s.strip())
    for item in items:
        try:
            expand_selector(item)
        except ValueError:
            raise UsageError(f"{flag}: unknown rule code or prefix {item!r}") from None
    return items


def cli_override(args: argparse.Namespace) -> Callable[[Settings], Settings] | None:
    """--select and --ignore over the config, as ruff does.

    `--select` replaces the configured selection (and its `ignore`); `--ignore` adds to
    whatever is selected.
    """
    select = _codes("--select", args.select)
    ignore = _codes("--ignore", args.ignore)
    if select is None and ignore is None:
        return None

    def apply(settings: Settings) -> Settings:
        new_select = settings.select if select is None else select
        base_ignore = settings.ignore if select is None else ()
        return settings._replace(select=new_select, ignore=base_ignore + (ignore or ()))

    return apply


def _selector(
    args: argparse.Namespace, cwd: Path
) -> Callable[[Discovery, SettingsCache], Discovery]:
    """--since-revision / --diff-base, else each file's `since-revision` / `diff-base` keys."""
    from ddlguard.selection import make_selector

    return make_selector(args.since_revision, args.diff_base, cwd)


def _check_scripts_dirs(run: CheckRun, cwd: Path) -> None:
    """A scripts-dir outside its project root stops the run: fixes could write anywhere."""
    seen: set[tuple[Path, str | None]] = set()
    for cf in run.files:
        key = (cf.project.root, cf.settings.scripts_dir)
        if key in seen:
            continue
        seen.add(key)
        try:
            cf.project.scripts_dir(cf.settings.scripts_dir)
        except ConfigError as exc:
            source = cf.settings.source
            where = f"{display_path(source, cwd)}: " if source else ""
            raise UsageError(f"{where}{exc}") from None


def _add_project_checks(run: CheckRun, paths: list[Path]) -> None:
    """DG1xx on the revision graph of each project, DG401 on its scripts/sql files."""
    from ddlguard.data_scripts import check_data_scripts
    from ddlguard.graph import check_graph

    merge_project_findings(run, check_graph(run.files, resolver=run.resolver, cache=run.cache))
    run.files.extend(check_data_scripts(run, paths))
    if run.cache is not None:  # after the graph, which adds what it read
        run.cache.save()


def _show_unused_noqa(run: CheckRun) -> None:
    """Add the `# noqa` comments that suppress nothing (or name unknown codes) to each file."""
    from ddlguard.analysis.noqa import unused_noqa

    for cf in run.files:
        if cf.source is None or cf.result.error is not None or not cf.result.is_migration:
            continue
        raw = unsuppressed_findings(cf)
        if raw is None:
            continue
        unused = [f for f in unused_noqa(raw, cf.source) if not _judged_elsewhere(f)]
        cf.result.findings.extend(unused)
        cf.result.findings.sort(key=lambda f: (f.range, f.code))


def _judged_elsewhere(problem: Finding) -> bool:
    """An "unused" `# noqa: DG1xx`: revision-graph findings are project-wide and computed
    after the engine, so whether such a comment is used cannot be told here; say nothing."""
    codes = problem.data.get("codes") or []
    return bool(codes) and all(c in RULES and c.startswith("DG1") for c in codes)


def unsuppressed_findings(cf: CheckedFile) -> list[Finding] | None:
    """The file's selected findings before `# noqa` (what `unused_noqa` judges against).

    The engine applies `# noqa` itself, so this re-runs its detection steps without it.
    """
    import ast

    from ddlguard.analysis.gate import detect
    from ddlguard.hygiene import check_hygiene

    assert cf.source is not None
    source = cf.source.removeprefix("\ufeff")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
        dialect = cf.project.dialect(cf.settings.dialect)
        raw = detect(tree, source, dialect=dialect) + check_hygiene(tree, source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    enabled = cf.settings.enabled_codes()
    return [f for f in raw if f.code in enabled]


def _apply_fixes(run: CheckRun, args: argparse.Namespace, out: TextIO) -> CheckRun:
    """--fix / --unsafe-fixes / --diff; imported only then (libcst is not on the check path)."""
    from ddlguard.cli.fixing import run_fixes

    return run_fixes(
        run, unsafe=bool(args.unsafe_fixes), diff_only=bool(args.diff), out=out,
        diff_base=args.diff_base,
    )  # fmt: skip


def _config_line(problem: ConfigProblem, cwd: Path) -> str:
    """`warning: pyproject.toml: selct: unknown key ...`, the file relative to cwd."""
    source = problem.source
    if source != "editor settings":
        source = display_path(Path(source), cwd)
    return f"warning: {source}: {problem.key}: {problem.message}"


def _problem_line(problem: str, cwd: Path) -> str:
    """A discovery problem; absolute paths under cwd shortened like the report's."""
    return f"warning: {problem.replace(str(cwd) + os.sep, '')}"


def exit_code(run: CheckRun, exit_zero: bool) -> int:
    """1 when a finding is at error severity (warnings never fail the run), else 0."""
    failing = any(f.severity >= Severity.ERROR for cf in run.files for f in cf.result.findings)
    return 1 if failing and not exit_zero else 0


def run_check(args: argparse.Namespace) -> int:
    """The `check` subcommand; returns the process exit code."""
    cwd = Path.cwd()
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 console must not crash a report
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return _run(args, cwd)
    except (UsageError, ConfigError) as exc:
        sys.stderr.write(f"ddlguard: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("ddlguard: interrupted\n")
        return 130
    except BrokenPipeError:  # `ddlguard check | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        if os.environ.get("DDLGUARD_DEBUG"):
            raise
        sys.stderr.write(
            f"ddlguard: internal error: {type(exc).__name__}: {exc} "
            "(set DDLGUARD_DEBUG=1 for a traceback)\n"
        )
        return 2


def _run(args: argparse.Namespace, cwd: Path) -> int:
    paths = [Path(p) for p in (args.paths or ["."])]
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
    config = Path(args.config) if args.config else None
    if config is not None and not config.is_file():
        raise UsageError(f"--config {config}: no such file")
    try:
        writer = get_writer(args.format)
    except UnknownFormat as exc:
        raise UsageError(str(exc)) from None
    fixing = bool(args.fix or args.unsafe_fixes or args.diff)

    run = check_paths(
        paths,
        config_file=config,
        force_migration=bool(args.force_migration),
        select_files=_selector(args, cwd),
        override=cli_override(args),
        jobs=default_jobs(),
        # a fix run writes no cache: what it learnt is stale once it has fixed a file, and
        # --diff promises to write nothing
        cache=None if getattr(args, "no_cache", False) else RunCache(read_only=fixing),
    )
    for problem in run.config_problems:
        sys.stderr.write(_config_line(problem, cwd) + "\n")
    for text in run.problems:
        sys.stderr.write(_problem_line(text, cwd) + "\n")
    _check_scripts_dirs(run, cwd)
    _add_project_checks(run, paths)
    if getattr(args, "show_unused_noqa", False):
        _show_unused_noqa(run)
    if fixing:
        # with --diff stdout carries only the patch; the report of what remains goes to stderr
        run = _apply_fixes(
            run, args, sys.stdout if args.diff or args.format == "text" else sys.stderr
        )
        writer(run, sys.stderr if args.diff else sys.stdout, cwd=cwd)
    else:
        writer(run, sys.stdout, cwd=cwd)
    if not run.files and not run.problems:
        shown = ", ".join(display_path(p, cwd) for p in paths)
        sys.stderr.write(f"warning: no Alembic migrations found under {shown}\n")
    return exit_code(run, bool(args.exit_zero))
