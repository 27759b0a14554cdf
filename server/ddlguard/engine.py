"""The engine: one file's source in, its findings out. Pure: no I/O, no LSP, no CLI.

Pipeline: decode → `ast.parse` → is it a migration? → detectors → hygiene → severity and
selection from settings → `# noqa`. Every adapter calls `analyze_source`.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ddlguard.analysis.migration import looks_like_migration, read_migration_info
from ddlguard.analysis.noqa import apply_noqa
from ddlguard.dg000 import parse_error
from ddlguard.model import FileResult
from ddlguard.project import looks_like_migration_text
from ddlguard.settings import Settings
from ddlguard.source_encoding import SourceDecodeError, decode_python_source

if TYPE_CHECKING:  # the language server's; a CLI run never loads it
    from ddlguard.analysis.reparse import ParseMemo


def _parse_quietly(source: str, path: Path, memo: ParseMemo | None) -> ast.Module:
    """`ast.parse` without its SyntaxWarning/DeprecationWarning (`x is 1`, `"\\d"`): the
    user's code is not ours to lint, and a warning on stderr would pollute every CLI run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if memo is not None:
            return memo.parse(source, str(path))
        return ast.parse(source, filename=str(path))


def _reason(exc: BaseException) -> str:
    """One line for DG000: the parser's RecursionError and MemoryError often carry no text."""
    if isinstance(exc, RecursionError | MemoryError):
        return "too deeply nested"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def analyze_source(
    source: str | bytes,
    path: Path,
    settings: Settings,
    *,
    dialect: str = "postgresql",
    in_version_dir: bool = False,
    force_migration: bool = False,
    editor_text: bool = False,
    parse_memo: ParseMemo | None = None,
) -> FileResult:
    """Analyse one file. Never raises for bad input: undecodable or unparsable text is DG000.

    A file is a migration when it sits in a versions location, when it assigns `revision` and
    `down_revision` and defines `upgrade`, or when `force_migration` says so; other files give
    an empty, non-migration result.

    Bytes are decoded as Python decodes them (PEP 263). `editor_text` marks text an editor
    decoded: when its coding cookie makes Python read the saved file otherwise, Python's
    reading is analysed and the findings mapped back onto the editor's text
    (`ddlguard.editor_reading`); DG000 when Python could not read it at all.

    `parse_memo` holds the previous version of the same document: only what changed since is
    parsed again (`ddlguard.analysis.reparse`; the tree is the one `ast.parse` gives).
    """
    if isinstance(source, bytes):
        if b"\x00" in source:
            return parse_error(path, "not a text file (contains NUL bytes)")
        try:
            source = decode_python_source(source).text
        except SourceDecodeError as exc:
            return parse_error(path, str(exc))
    elif editor_text:
        from ddlguard.editor_reading import python_reading  # the language server's case only

        try:
            reading = python_reading(source)
        except SourceDecodeError as exc:
            return parse_error(path, f"not analysed: {exc}")
        if reading is not None:  # Python reads the saved file otherwise: analyse that
            inner = analyze_source(
                reading.text, path, settings, dialect=dialect, in_version_dir=in_version_dir,
                force_migration=force_migration,
            )  # fmt: skip
            return reading.remap(inner)
    if source.startswith("\ufeff"):
        source = source[1:]
    try:
        tree = _parse_quietly(source, path, parse_memo)
    except SyntaxError as exc:
        if not (in_version_dir or force_migration or looks_like_migration_text(source)):
            return FileResult(path=path, findings=[], is_migration=False)
        line = exc.lineno or 1
        return parse_error(path, f"syntax error: {exc.msg}", line, max((exc.offset or 1) - 1, 0))
    except (ValueError, RecursionError, MemoryError) as exc:
        return parse_error(path, f"cannot parse: {_reason(exc)}")
    if not (in_version_dir or force_migration or looks_like_migration(tree)):
        return FileResult(path=path, findings=[], is_migration=False)
    info = read_migration_info(tree)
    # imported at the first analysis: a run served by its cache never needs them (and the
    # detector itself loads only for a file that spells an executing method)
    from ddlguard.analysis.gate import detect
    from ddlguard.hygiene import check_hygiene

    try:
        raw = detect(tree, source, dialect=dialect) + check_hygiene(tree, source)
    except RecursionError:
        return parse_error(path, "cannot analyse: too deeply nested")
    enabled = settings.enabled_codes()
    findings = [f._replace(severity=settings.severity_of(f.code)) for f in raw if f.code in enabled]
    findings = apply_noqa(findings, source)
    findings.sort(key=lambda f: (f.range, f.code))
    return FileResult(path=path, findings=findings, is_migration=True, info=info)
