"""Checking many files: discovery, per-file settings, reading, the engine, project-wide checks.

Shared by the CLI (`ddlguard check`) and the language server's workspace scan. Reads files,
so it is not "pure" like the engine, but it imports nothing of LSP or the CLI.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from ddlguard.cache import ProjectCache, RunCache, Stamp, file_stamp, variant_key
from ddlguard.dg000 import parse_error
from ddlguard.model import FileResult, Finding, MigrationInfo
from ddlguard.parallel import parallel_map
from ddlguard.paths import Resolver, safe_resolve
from ddlguard.project import Discovery, Project, discover
from ddlguard.records import Record
from ddlguard.settings import ConfigProblem, Settings, find_config_file, load_settings
from ddlguard.source_encoding import SourceDecodeError, decode_python_source

MAX_FILE_BYTES = 20 * 1024 * 1024


class CheckedFile:
    """One analysed file with what a fix or a report needs beside the findings.

    `source` is the decoded text, None when unreadable. A file whose outcome came from the
    cache is read only when something asks for its text (a graph finding's `# noqa`, SARIF,
    a fix): most reports never do, and reading every file was a third of a warm run.
    """

    __slots__ = ("_source", "_unread", "project", "result", "settings")

    def __init__(
        self,
        result: FileResult,
        project: Project,
        settings: Settings,
        source: str | None,
        *,
        unread: Path | None = None,
    ) -> None:
        self.result = result
        self.project = project
        self.settings = settings
        self._source = source
        self._unread = unread  # read `source` from here at the first access

    @property
    def source(self) -> str | None:
        if self._unread is not None:
            self._source, _ = read_source(self._unread)
            self._unread = None
        return self._source

    @source.setter
    def source(self, text: str | None) -> None:
        self._source, self._unread = text, None

    def __repr__(self) -> str:
        return f"CheckedFile({self.result!r}, {self.project!r}, {self.settings!r})"


class CheckRun(Record):
    """Everything one `check` of many files produced, for the project checks and the report."""

    _fields = (
        "files",
        "problems",
        "config_problems",
        "resolver",
        "cache",
        "pending",
        "found_projects",
    )
    __slots__ = _fields

    def __init__(
        self,
        files: list[CheckedFile],
        problems: list[str] | None = None,
        config_problems: list[ConfigProblem] | None = None,
        resolver: Resolver | None = None,
        cache: RunCache | None = None,
        pending: list[str] | None = None,
        found_projects: dict[str, list[Project]] | None = None,
    ) -> None:
        self.files = files
        # discovery and I/O problems
        self.problems: list[str] = [] if problems is None else problems
        self.config_problems: list[ConfigProblem] = (
            [] if config_problems is None else config_problems
        )
        # real paths learnt by discovery, shared by the run's later steps (graph, report)
        self.resolver = Resolver() if resolver is None else resolver
        # the on-disk cache (`ddlguard.cache`) when the run uses one; saved by its caller
        self.cache = cache
        # data scripts a fix wrote that still have to be run (the report must not say "passed")
        self.pending: list[str] = [] if pending is None else pending
        # the projects configured under each folder in the run's paths (`Discovery.found`)
        self.found_projects: dict[str, list[Project]] = (
            {} if found_projects is None else found_projects
        )


class SettingsCache:
    """Settings per config file, loaded once per run.

    Layers, lowest first: `base` (editor settings), the project's config file (or the one
    `config_file` names for every path), then `override` (command-line flags), which may
    rewrite anything.
    """

    def __init__(
        self,
        config_file: Path | None = None,
        base: Settings | None = None,
        *,
        override: Callable[[Settings], Settings] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self._explicit = load_settings(config_file) if config_file else None
        self._resolver = resolver  # a run's: knows which listed files are symlinks
        self._base = base or Settings()
        self._override = override
        self._by_file: dict[Path | None, Settings] = {}
        # a file's path as given -> its settings: the selection and the run both ask per file
        self._by_path: dict[str, Settings] = {}
        # a file's folder as given -> its config file: one lookup per folder, not per file
        self._config_of_folder: dict[str, Path | None] = {}

    def _config_for(self, path: Path) -> Path | None:
        if self._explicit is not None:
            return None
        plain = self._resolver.plain_file(path) if self._resolver is not None else None
        if plain is None:
            plain = _plain_file(path)
        if path.name in ("", ".", "..") or not plain:
            return find_config_file(safe_resolve(path))  # a link's config is its target's
        folder = os.path.dirname(path)
        if folder not in self._config_of_folder:
            self._config_of_folder[folder] = find_config_file(safe_resolve(Path(folder or ".")))
        return self._config_of_folder[folder]

    def for_path(self, path: Path) -> Settings:
        key = os.fspath(path)
        known = self._by_path.get(key)
        if known is not None:
            return known
        config = self._config_for(path)
        settings = self._by_file.get(config)
        if settings is None:
            loaded = self._explicit or (load_settings(config) if config else Settings())
            merged = loaded.merged_over(self._base)
            settings = self._by_file[config] = self._override(merged) if self._override else merged
        self._by_path[key] = settings
        return settings

    def problems(self) -> list[ConfigProblem]:
        seen: list[ConfigProblem] = []
        layers = ([self._explicit] if self._explicit else []) + list(self._by_file.values())
        for s in layers:
            seen.extend(p for p in s.problems if p not in seen)
        return seen


def _plain_file(path: Path) -> bool:
    """Neither a folder nor a symlink (a missing file counts: its folder decides)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return True
    return not (stat.S_ISDIR(mode) or stat.S_ISLNK(mode))


def read_source(path: Path) -> tuple[str | None, FileResult | None]:
    """The file's text, or a DG000 result saying in one line why it cannot be read."""
    data = _read_regular_file(path) if _OPEN_FLAGS is not None else None
    if data is None:  # not POSIX, or not a plain readable file: find out why, as before
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                return None, parse_error(path, "cannot read: not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                return None, _too_large(path)
            data = path.read_bytes()
        except OSError as exc:
            return None, parse_error(path, f"cannot read: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        return None, _too_large(path)
    if b"\x00" in data:
        return None, parse_error(path, "not a text file (contains NUL bytes)")
    try:
        return decode_python_source(data).text, None
    except SourceDecodeError as exc:  # as Python would refuse it (PEP 263)
        return None, parse_error(path, str(exc))


# O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused as not regular)
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK if os.name == "posix" else None


def _read_regular_file(path: Path) -> bytes | None:
    """A regular file's bytes with one open, fstat and read (no pathlib, no second stat);
    None when it is anything else or cannot be opened, for `read_source` to say why."""
    assert _OPEN_FLAGS is not None
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        chunks = []
        size = info.st_size + 1  # one more, to see the end at once
        while chunk := os.read(fd, size):
            chunks.append(chunk)
            size = 1 << 16
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _too_large(path: Path) -> FileResult:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return parse_error(path, f"file larger than {limit} MB, not analysed")


def _settle_dg000(result: FileResult, settings: Settings) -> FileResult:
    """DG000 obeys select/ignore/severity like any rule (it bypasses the engine's pipeline)."""
    enabled = settings.enabled_codes()
    result.findings = [
        f._replace(severity=settings.severity_of(f.code))
        for f in result.findings
        if f.code in enabled
    ]
    return result


def check_file(
    path: Path,
    project: Project,
    settings: Settings,
    *,
    force_migration: bool = False,
    in_version_dir: bool | None = None,
) -> CheckedFile:
    """Read and analyse one file. An engine bug becomes a DG000 "internal error", never a crash.

    `in_version_dir` is `project.contains_version_file(path)`, computed here when not given.
    """
    from ddlguard.engine import analyze_source  # not loaded when the cache serves every file

    source, failed = read_source(path)
    if failed is not None:
        return CheckedFile(_settle_dg000(failed, settings), project, settings, None)
    assert source is not None
    try:
        result = analyze_source(
            source,
            path,
            settings,
            dialect=project.dialect(settings.dialect),
            in_version_dir=(
                project.contains_version_file(path) if in_version_dir is None else in_version_dir
            ),
            force_migration=force_migration,
        )
    except Exception as exc:  # one file's bug must not end the run
        detail = str(exc).splitlines()[0] if str(exc) else ""
        result = parse_error(path, f"internal error: {type(exc).__name__}: {detail}".rstrip(": "))
    if result.error is not None:
        result = _settle_dg000(result, settings)
    return CheckedFile(result, project, settings, source)


def check_paths(
    paths: Sequence[Path],
    *,
    config_file: Path | None = None,
    base_settings: Settings | None = None,
    force_migration: bool = False,
    select_files: Callable[[Discovery, SettingsCache], Discovery] | None = None,
    override: Callable[[Settings], Settings] | None = None,
    jobs: int = 1,
    cache: RunCache | None = None,
) -> CheckRun:
    """Discover and analyse every migration under `paths`.

    `jobs > 1` shares the files between forked processes when there are many
    (`ddlguard.parallel`); only a process without threads may ask for it (the CLI).

    `select_files` narrows the discovered files (since-revision, diff-base) before analysis.
    `force_migration` applies to files named in `paths` only: folders are still searched
    for migrations. Files that `include`/`exclude` reject are skipped, named or not.

    With a `cache`, a file whose stamp and variant (settings, dialect, flags) match an
    earlier run's is not analysed: its outcome comes from the cache and only its text is
    read. The caller saves the cache once the run's other steps have added to it.
    """
    resolver = Resolver()
    found = discover(paths, resolver=resolver, cache=cache)
    settings_cache = SettingsCache(config_file, base_settings, override=override, resolver=resolver)
    found_projects = found.found  # before a selection, which keeps only files
    if select_files is not None:
        found = select_files(found, settings_cache)
    named = {safe_resolve(p) for p in paths if p.is_file()}
    run = CheckRun(files=[], problems=list(found.problems), resolver=resolver, cache=cache)
    run.found_projects = found_projects
    todo: list[_Job] = []
    versioned = found.versioned
    for path, project in found.files:
        in_versions = os.fspath(path) in versioned  # known from discovery: no path arithmetic
        if not in_versions and path.suffix != ".py":  # a named `.sql` is for data scripts
            continue
        settings = settings_cache.for_path(path)
        if not settings.accepts_path(path):
            continue
        forced = force_migration and safe_resolve(path) in named
        if not in_versions:
            in_versions = project.contains_version_file(path, resolver=resolver)
        todo.append(_Job(path, project, settings, forced, in_versions))
    outcomes = _cached_outcomes(todo, cache, resolver) if cache is not None else None
    if outcomes is None:
        results = parallel_map(_check_job, todo, jobs)
    else:
        results = _fill_misses(todo, outcomes, jobs)
    for job, outcome in zip(todo, results, strict=True):
        findings, is_migration, info, error, source = outcome
        if is_migration or error:
            result = FileResult(job.path, findings, is_migration, info, error)
            if source is _UNREAD:
                checked = CheckedFile(result, job.project, job.settings, None, unread=job.path)
            else:
                checked = CheckedFile(result, job.project, job.settings, source)
            run.files.append(checked)
    run.config_problems = settings_cache.problems()
    return run


class _Job(NamedTuple):
    """One file to analyse with what its analysis needs (forked workers inherit the list)."""

    path: Path
    project: Project
    settings: Settings
    forced: bool
    in_versions: bool


# what a (forked) worker sends back for one file: the parent already holds its path, project
# and settings, so they do not travel (rebuilding 500 `Path`s was a third of the unpickling)
_Outcome = tuple[list[Finding], bool, MigrationInfo | None, str | None, str | None]


def _check_job(job: _Job) -> _Outcome:
    """One file's findings, migration facts and text: all a forked worker sends back."""
    checked = check_file(
        job.path,
        job.project,
        job.settings,
        force_migration=job.forced,
        in_version_dir=job.in_versions,
    )
    r = checked.result
    return r.findings, r.is_migration, r.info, r.error, checked.source


class _Lookup(NamedTuple):
    """Where a job's outcome lives in the cache."""

    store: ProjectCache
    rel: str
    stamp: Stamp
    variant: str


def _place(job: _Job, cache: RunCache) -> tuple[ProjectCache, str]:
    """The cache file and the variant key of a job's outcome: what its project and settings
    decide, worked out once per (project, settings, flags), not per file."""
    dialect = job.project.dialect(job.settings.dialect)
    variant = variant_key(
        {
            "settings": repr(job.settings),
            "dialect": dialect,
            "forced": job.forced,
            "in_versions": job.in_versions,
        }
    )
    return cache.for_root(job.project.root), variant


def _lookup(
    job: _Job,
    resolver: Resolver,
    place: tuple[ProjectCache, str],
) -> _Lookup | None:
    store, variant = place
    key = resolver.file_key(job.path)
    rel = store.relative(key)
    stamp = file_stamp(key) if rel is not None else None
    if rel is None or stamp is None:
        return None
    return _Lookup(store, rel, stamp, variant)


# stands for the text of a file served by the cache, read only if asked for
_UNREAD = "\x00unread"

# per job: its place in the cache (None: not cacheable) and the cached outcome with its text
_Cached = tuple[_Lookup | None, _Outcome | None]


def _cached_outcomes(todo: list[_Job], cache: RunCache, resolver: Resolver) -> list[_Cached]:
    """Each job's cache lookup and, on a hit, its outcome (the text is read when needed)."""
    # the run's SettingsCache and discovery hold every Settings and Project until the end:
    # their ids stay unique
    places: dict[tuple[int, int, bool, bool], tuple[ProjectCache, str]] = {}
    out: list[_Cached] = []
    for job in todo:
        memo = (id(job.project), id(job.settings), job.forced, job.in_versions)
        place = places.get(memo)
        if place is None:
            place = places[memo] = _place(job, cache)
        where = _lookup(job, resolver, place)
        hit = where.store.outcome(where.rel, where.stamp, where.variant) if where else None
        out.append((where, None if hit is None else (*hit, _UNREAD)))
    return out


def _fill_misses(todo: list[_Job], cached: list[_Cached], jobs: int) -> list[_Outcome]:
    """Analyse the jobs the cache had nothing for, and remember what they gave."""
    misses = [i for i, (_, hit) in enumerate(cached) if hit is None]
    fresh = parallel_map(_check_job, [todo[i] for i in misses], jobs)
    done = {i: outcome for i, outcome in zip(misses, fresh, strict=True)}
    results: list[_Outcome] = []
    for i, (where, hit) in enumerate(cached):
        if hit is not None:
            results.append(hit)
            continue
        outcome = done[i]
        if where is not None:
            findings, is_migration, info, error, _ = outcome
            # with the graph's reading of the file: the same text, read the same way
            where.store.store_result(
                where.rel, where.stamp, where.variant, (findings, is_migration, info, error)
            )
        results.append(outcome)
    return results


def merge_project_findings(run: CheckRun, extra: dict[Path, list[Finding]]) -> None:
    """Add project-wide findings (the revision graph's) to their files.

    Each file's settings decide: disabled codes are dropped and `severity` overrides apply.
    `# noqa` on the `revision`/`down_revision` line was already applied by `check_graph`.
    """
    if not extra:  # the common case: no file's key is worked out for nothing
        return
    resolver = run.resolver
    by_path = {resolver.file_key(cf.result.path): cf for cf in run.files}
    for path, findings in extra.items():
        checked = by_path.get(resolver.file_key(path))
        if checked is None:
            continue
        settings = checked.settings
        enabled = settings.enabled_codes()
        kept = [
            f._replace(severity=settings.severity_of(f.code)) for f in findings if f.code in enabled
        ]
        checked.result.findings.extend(kept)
        checked.result.findings.sort(key=lambda f: (f.range, f.code))
