"""Report formats for `ddlguard check`: one module each, loaded only when chosen.

Every module defines `write_report(run: CheckRun, out: TextIO, *, cwd: Path) -> None`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO, cast

from ddlguard.model import Finding
from ddlguard.rules import RULES
from ddlguard.runner import CheckedFile, CheckRun

Writer = Callable[..., None]  # write_report(run, out, *, cwd)

FORMAT_MODULES = {
    "text": "ddlguard.cli.formats.text",
    "json": "ddlguard.cli.formats.json",
    "github": "ddlguard.cli.formats.github",
    "sarif": "ddlguard.cli.formats.sarif",
}


class UnknownFormat(Exception):
    """The format is not known or its module is not available."""


def get_writer(name: str) -> Writer:
    """The `write_report` of format `name`, imported now (so the others never are)."""
    module_name = FORMAT_MODULES.get(name)
    if module_name is None:
        raise UnknownFormat(f"unknown format {name!r} (use {', '.join(FORMAT_MODULES)})")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise UnknownFormat(f"format {name!r} is not available in this build") from None
    return cast(Writer, module.write_report)


def write(name: str, run: CheckRun, out: TextIO, *, cwd: Path) -> None:
    get_writer(name)(run, out, cwd=cwd)


def rule_name(code: str) -> str:
    """The rule's kebab-case name; a code the registry does not know keeps its code."""
    rule = RULES.get(code)
    return rule.name if rule else code.lower()


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when under it, else absolute; always with `/` separators.

    On POSIX by string prefixes (`Path.relative_to`'s answers, without two `Path`s per file:
    `tests/cli/test_display_path.py`); elsewhere by `pathlib`, which knows drives and case.
    """
    joined = os.path.normpath(os.path.join(cwd, path))
    base = os.path.normpath(cwd)
    if os.sep == "/" and not joined.startswith("//") and not base.startswith("//"):
        if joined == base:
            return "."
        prefix = base if base.endswith("/") else base + "/"
        return joined[len(prefix) :] if joined.startswith(prefix) else joined
    absolute = Path(joined)
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


def sorted_findings(run: CheckRun, cwd: Path) -> Iterator[tuple[str, CheckedFile, Finding]]:
    """Every finding with its display path, ordered by path, line, column, code."""
    rows = [
        (shown, cf, f)
        for cf in run.files
        if cf.result.findings
        for shown in (display_path(cf.result.path, cwd),)  # once per file, not per finding
        for f in cf.result.findings
    ]
    rows.sort(key=lambda r: (r[0], r[2].range, r[2].code))
    yield from rows
