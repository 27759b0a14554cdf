"""Checking many files: discovery, per-file settings, reading, the engine, project-wide checks.

Shared by the CLI (`ddlguard check`) and the language server's workspace scan. Reads files,
so it is not "pure" like the engine, but it imports nothing of LSP or the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ddlguard.engine import analyze_source, parse_error
from ddlguard.model import FileResult
from ddlguard.project import Discovery, Project, discover
from ddlguard.settings import ConfigProblem, Settings, load_settings, find_config_file

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(slots=True)
class CheckedFile:
    """One analysed file with what a fix or a report needs beside the findings."""

    result: FileResult
    project: Project
    settings: Settings
    source: str | None  # decoded text, None when unreadable


@dataclass(slots=True)
class CheckRun:
    files: list[CheckedFile]
    problems: list[str] = field(default_factory=list)  # discovery and I/O problems
    config_problems: list[ConfigProblem] = field(default_factory=list)


class SettingsCache:
    """Settings per config file, loaded once per run; `override` sits above the project's file."""

    def __init__(self, config_file: Path | None = None, base: Settings | None = None) -> None:
        self._explicit = load_settings(config_file) if config_file else None
        self._base = base or Settings()
        self._by_file: dict[Path | None, Settings] = {}

    def for_path(self, path: Path) -> Settings:
        if self._explicit is not None:
            return self._explicit.merged_over(self._base)
        config = find_config_file(path.resolve())
        if config not in self._by_file:
            loaded = load_settings(config) if config else Settings()
            self._by_file[config] = loaded.merged_over(self._base)
        return self._by_file[config]

    def problems(self) -> list[ConfigProblem]:
        seen: list[ConfigProblem] = []
        for s in ([self._explicit] if self._explicit else []) + list(self._by_file.values()):
            seen.extend(p for p in s.problems if p not in seen)
        return seen


def read_source(path: Path) -> tuple[str | None, FileResult | None]:
    """The file's text, or a DG000 result saying in one line why it cannot be read."""
    from ddlguard.engine import decode_source

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, parse_error(path, f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, not analysed")
        data = path.read_bytes()
    except OSError as exc:
        return None, parse_error(path, f"cannot read: {exc.strerror or exc}")
    if b"\x00" in data:
        return None, parse_error(path, "not a text file (contains NUL bytes)")
    try:
        return decode_source(data), None
    except UnicodeDecodeError as exc:
        return None, parse_error(path, f"not valid UTF-8 (byte {exc.start})")


def check_file(
    path: Path, project: Project, settings: Settings, *, force_migration: bool = False
) -> CheckedFile:
    source, failed = read_source(path)
    if failed is not None:
        return CheckedFile(failed, project, settings, None)
    assert source is not None
    result = analyze_source(
        source,
        path,
        settings,
        dialect=project.dialect(settings.dialect),
        in_version_dir=project.contains_version_file(path),
        force_migration=force_migration,
    )
    return CheckedFile(result, project, settings, source)


def check_paths(
    paths: Sequence[Path],
    *,
    config_file: Path | None = None,
    base_settings: Settings | None = None,
    force_migration: bool = False,
    select_files: Callable[[Discovery, SettingsCache], Discovery] | None = None,
) -> CheckRun:
    """Discover and analyse every migration under `paths`.

    `select_files` narrows the discovered files (since-revision, diff-base) before analysis.
    """
    found = discover(paths)
    cache = SettingsCache(config_file, base_settings)
    if select_files is not None:
        found = select_files(found, cache)
    run = CheckRun(files=[], problems=list(found.problems))
    for path, project in found.files:
        checked = check_file(path, project, cache.for_path(path), force_migration=force_migration)
        if checked.result.is_migration or checked.result.error:
            run.files.append(checked)
    run.config_problems = cache.problems()
    return run
