"""`ddlguard` argument parsing and dispatch; each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ddlguard import __version__

FORMATS = ("text", "json", "github", "sarif")


class _BuildFormatter(argparse.HelpFormatter):
    """What argparse formats with while the parser is built: at each `add_argument` it makes
    a formatter only to check the metavar, and the stock one asks for the terminal's width,
    importing shutil (with bz2, lzma, fnmatch: 5.5 M instructions of every run) that a
    check never needs. Help and usage are formatted by the stock one, set once built."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=80)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ddlguard",
        description="Keeps Alembic migrations schema-only: data changes belong in scripts/sql.",
        formatter_class=_BuildFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ddlguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser(
        "check", help="check migrations for data operations", formatter_class=_BuildFormatter
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes")
    check.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply unsafe fixes (moving data to scripts/sql)")  # fmt: skip
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as diffs, write nothing"
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--config", metavar="FILE", help="pyproject.toml or ddlguard.toml to use")
    check.add_argument("--force-migration", action="store_true",
                       help="analyse the given files even if they do not look like migrations")  # fmt: skip
    check.add_argument("--since-revision", metavar="REV",
                       help="check only migrations after REV in the revision graph")  # fmt: skip
    check.add_argument("--diff-base", metavar="GITREF",
                       help="check only migration files added or changed since GITREF")  # fmt: skip
    check.add_argument("--show-unused-noqa", action="store_true",
                       help="report `# noqa` comments that suppress nothing")  # fmt: skip
    check.add_argument("--no-cache", action="store_true",
                       help="neither read nor write .ddlguard_cache/")  # fmt: skip

    lsp = sub.add_parser(
        "lsp", help="run the language server (stdio by default)", formatter_class=_BuildFormatter
    )
    lsp.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")

    init = sub.add_parser(
        "init",
        help="add the migration template with checklist and scripts/sql",
        formatter_class=_BuildFormatter,
    )
    init.add_argument("path", nargs="?", default=".", metavar="PATH")
    init.add_argument("--force", action="store_true", help="overwrite existing files")

    rules = sub.add_parser("rules", help="print the rule table", formatter_class=_BuildFormatter)
    explain = sub.add_parser("explain", help="explain a rule", formatter_class=_BuildFormatter)
    explain.add_argument("code", metavar="CODE")
    for built in (parser, check, lsp, init, rules, explain):
        built.formatter_class = argparse.HelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "check":
        from ddlguard.cli.check import run_check

        return run_check(args)
    if args.command == "lsp":
        from ddlguard.lsp.server import run_server

        return run_server(tcp=args.tcp)
    if args.command == "init":
        from ddlguard.cli.init_cmd import run_init

        return run_init(args)
    from ddlguard.cli.rules_cmd import run_explain, run_rules

    return run_rules() if args.command == "rules" else run_explain(args.code)


# commands that hold nothing to clean up once their output is written
_FAST_EXIT = frozenset({"check", "rules", "explain"})


def run() -> NoReturn:
    """The `ddlguard` command (and `python -m ddlguard`): `main`, then the exit.

    After `check`, tearing the interpreter down (freeing every module, source and finding)
    took 30-40 ms of a 1,000-file run, 5 % of it (docs/performance.md), and there is
    nothing left to clean up: no temporary file, no thread, no atexit handler of ours. So
    once the output is flushed the process ends at once, as the forked workers do. `main`
    itself returns normally: tests and other callers keep their interpreter.
    """
    argv = sys.argv[1:]
    fast_exit = bool(argv) and argv[0] in _FAST_EXIT
    if fast_exit:
        # Nearly every object these commands create lives to their end (modules, classes,
        # the cache's entries, findings): with the default threshold (700) the collector
        # ran 39 times in a one-file check of a 300-file project (1.5 % of its instructions)
        # and freed next to nothing. Cycles are still collected, only less often.
        gc.set_threshold(10_000)
    code = main(argv)
    if not fast_exit:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `ddlguard check | head`: the reader left
        code = code or 1
    with contextlib.suppress(BrokenPipeError):
        sys.stderr.flush()
    os._exit(code)
