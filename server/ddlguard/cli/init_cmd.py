"""`ddlguard init [PATH] [--force]`: set an Alembic project up for schema-only migrations.

Says what it wrote and what it skipped (existing files are kept without --force), then
prints what to paste elsewhere: a pre-commit hook and a `[tool.ddlguard]` block. Exit 0
when done (even if everything existed), 2 when no Alembic project is found or PATH is bad.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from ddlguard import __version__
from ddlguard.cli.formats import display_path
from ddlguard.project import ConfigError
from ddlguard.scaffold import (
    TEMPLATE,
    AlembicSetup,
    checklist_block,
    config_block,
    find_setups,
    heads,
    plan,
    precommit_snippet,
    write,
)


def _init_one(setup: AlembicSetup, force: bool, cwd: Path, out: TextIO) -> None:
    out.write(f"Alembic project: {display_path(setup.config, cwd)}\n")
    for planned in plan(setup):
        outcome = write(planned, force=force, root=setup.project.root)
        shown = display_path(outcome.path, cwd)
        if outcome.status == "refused":
            root = display_path(setup.project.root, cwd)
            out.write(f"  refused {shown}: outside the project root {root}\n")
        elif outcome.status == "skipped":
            out.write(f"  skipped {shown}: it exists (--force overwrites it)\n")
            if outcome.path.name == TEMPLATE and "ddlguard-checklist" not in _read(outcome.path):
                out.write("  paste this checklist under the docstring of your template instead:\n")
                out.write("".join(f"    {line}\n" for line in checklist_block().splitlines()))
        elif outcome.status == "unchanged":
            out.write(f"  unchanged {shown}: already up to date\n")
        else:
            out.write(f"  {outcome.status} {shown} ({outcome.what})\n")


def _pyproject_for(root: Path) -> Path:
    """The nearest existing pyproject.toml at or above the project root, else the root's."""
    for folder in (root, *root.parents):
        if (folder / "pyproject.toml").is_file():
            return folder / "pyproject.toml"
    return root / "pyproject.toml"


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def run_init(args: argparse.Namespace) -> int:
    """The `init` subcommand; returns the exit code."""
    try:
        return _run(args, Path.cwd())
    except BrokenPipeError:  # `ddlguard init | head`: the files are written already
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace, cwd: Path) -> int:
    target = Path(args.path)
    if not target.exists():
        sys.stderr.write(f"ddlguard: error: {args.path}: no such file or directory\n")
        return 2
    setups = find_setups(target)
    if not setups:
        sys.stderr.write(
            f"ddlguard: error: no Alembic project under {args.path} (no alembic.ini with "
            "script_location, no [tool.alembic] in pyproject.toml); run `alembic init` first\n"
        )
        return 2
    out = sys.stdout
    try:
        for setup in setups:
            _init_one(setup, bool(args.force), cwd, out)
    except BrokenPipeError:
        raise
    except (ConfigError, OSError) as exc:
        sys.stderr.write(f"ddlguard: error: {exc}\n")
        return 2
    out.write("\nAdd to .pre-commit-config.yaml:\n\n")
    out.write(precommit_snippet(__version__))
    for setup in setups:
        where = display_path(_pyproject_for(setup.project.root), cwd)
        out.write(f"\nAdd to {where}:\n\n")
        out.write(config_block(heads(setup.project)))
    return 0
