"""Checking only new migrations: `--since-revision REV` and `--diff-base GITREF`.

A repository with years of history turns ddlguard on without touching old migrations:

- since-revision keeps the migrations that come after REV in the revision graph (its
  descendants through `down_revision` and `depends_on`), read statically;
- diff-base keeps the files added, modified or renamed since GITREF (`git diff --name-only
  --diff-filter=AMR GITREF`, so staged and unstaged edits count) plus untracked files.

Given both, a file must pass both. The command-line values win over the config keys
(`since-revision`, `diff-base`), which apply per file through its settings. A file whose
revision cannot be read (a syntax error) is always kept: it must not hide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ddlguard.graph import project_key, read_info, revision_files
from ddlguard.model import MigrationInfo
from ddlguard.paths import safe_resolve
from ddlguard.project import ConfigError, Discovery, Project
from ddlguard.runner import SettingsCache
from ddlguard.settings import Settings

if TYPE_CHECKING:
    import subprocess

Selector = Callable[[Discovery, SettingsCache], Discovery]
GIT_CACHE_SECONDS = 5.0


def make_selector(since_revision: str | None, diff_base: str | None, cwd: Path) -> Selector:
    """A `check_paths(select_files=...)` callback; None arguments defer to each file's settings.

    Raises ConfigError (one line) for an unknown revision, outside a git work tree, or for an
    unknown git ref.
    """

    def select(found: Discovery, cache: SettingsCache) -> Discovery:
        afters: dict[tuple[str, tuple[str, ...]], set[str] | None] = {}
        kept: list[tuple[Path, Project]] = []
        for path, project in found.files:
            settings = cache.for_path(path)
            rev = since_revision or settings.since_revision
            base = diff_base or settings.diff_base
            if rev is not None:
                key = (rev, project_key(project))
                if key not in afters:
                    afters[key] = _after(rev, project, found)
                after = afters[key]
                # a project that does not know REV (another Alembic project) is checked in full
                info = read_info(path) if after is not None else None
                revision = info.revision if info is not None else None
                if after is not None and revision is not None and revision not in after:
                    continue
            if base is not None and not _changed(path, base, _git_cwd(cwd, settings, diff_base)):
                continue
            kept.append((path, project))
        for rev in {r for r, _ in afters}:
            if all(after is None for (r, _), after in afters.items() if r == rev):
                raise ConfigError(
                    f"since-revision {rev!r} is not a revision of any project checked"
                )
        return Discovery(found.projects, kept, found.problems, found.versioned)

    return select


def is_selected(
    path: Path,
    settings: Settings,
    project: Project,
    *,
    info: MigrationInfo | None = None,
    since_revision: str | None = None,
    diff_base: str | None = None,
    cwd: Path | None = None,
) -> bool:
    """Whether one file is checked under since-revision/diff-base (the language server's path).

    `info` is the file's current `MigrationInfo` (the editor's text), else it is read from
    disk. `since_revision`/`diff_base` override the settings' keys. git answers are cached
    for a few seconds, so calling this on every change is cheap. Raises ConfigError like
    `make_selector`; a server should show that once and then check every file.
    """
    rev = since_revision or settings.since_revision
    base = diff_base or settings.diff_base
    if rev is not None:
        where = safe_resolve(path)
        after = _descendants(rev, _project_infos(project, [where.parent], extra={where: info}))
        if after is None:
            raise ConfigError(f"since-revision {rev!r} is not a revision of this project")
        current = info or read_info(path)
        if current is not None and current.revision is not None and current.revision not in after:
            return False
    if base is not None:
        return _changed(path, base, _git_cwd(cwd or path.parent, settings, diff_base))
    return True


def _git_cwd(cwd: Path, settings: Settings, cli_value: str | None) -> Path:
    """git runs where the user is; a config-file diff-base runs beside its config file."""
    if cli_value is None and settings.source is not None:
        return settings.source.parent
    return cwd


# ---- since-revision -----------------------------------------------------------------------


def _project_infos(
    project: Project, loose: list[Path], extra: dict[Path, MigrationInfo | None] | None = None
) -> list[MigrationInfo]:
    """Every revision of the project read from disk, with `extra` (editor text) overriding."""
    infos: dict[Path, MigrationInfo] = {}
    for f in revision_files(project, loose):
        info = read_info(f)
        if info is not None:
            infos[f] = info
    for path, info in (extra or {}).items():
        if info is not None:
            infos[path] = info
    return list(infos.values())


def _after(rev: str, project: Project, found: Discovery) -> set[str] | None:
    loose = sorted({safe_resolve(p).parent for p, q in found.files if q is project})
    return _descendants(rev, _project_infos(project, loose))


def _descendants(rev: str, infos: list[MigrationInfo]) -> set[str] | None:
    """Revisions strictly after `rev` (an id or a unique prefix of 4+ characters), or None."""
    ids = {i.revision for i in infos if i.revision}
    target = rev if rev in ids else None
    if target is None and len(rev) >= 4:
        prefixed = [r for r in ids if r.startswith(rev)]
        target = prefixed[0] if len(prefixed) == 1 else None
    if target is None:
        return None
    children: dict[str, list[str]] = {}
    for info in infos:
        if info.revision:
            for parent in (*info.down_revisions, *info.depends_on):
                children.setdefault(parent, []).append(info.revision)
    after: set[str] = set()
    todo = list(children.get(target, []))
    while todo:
        child = todo.pop()
        if child not in after and child != target:
            after.add(child)
            todo.extend(children.get(child, []))
    return after


# ---- diff-base ----------------------------------------------------------------------------


class _GitAnswer(NamedTuple):
    """`git`'s changed files for one work tree and base, with when they were asked."""

    at: float
    changed: frozenset[Path]


_GIT_CACHE: dict[tuple[Path, str], _GitAnswer] = {}


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    import subprocess  # only for --diff-base: ~3 ms of imports (with signal) every run spared

    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise ConfigError("--diff-base needs git, which is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"git {args[0]} took more than 60 s in {cwd}") from None


def changed_files(base: str, cwd: Path) -> frozenset[Path]:
    """Resolved paths added, modified or renamed since `base`, plus untracked files."""
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise ConfigError(f"--diff-base {base}: {cwd} is not inside a git work tree")
    root = Path(top.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    key = (root, base)
    cached = _GIT_CACHE.get(key)
    if cached is not None and time.monotonic() - cached.at < GIT_CACHE_SECONDS:
        return cached.changed
    verify = _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], root)
    if verify.returncode != 0:
        raise ConfigError(f"--diff-base {base!r}: unknown git revision (try `git fetch`)")
    diff = _git(["diff", "--name-only", "-z", "--diff-filter=AMR", base, "--"], root)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    for done in (diff, untracked):
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ConfigError(f"git failed: {message[0] if message else done.returncode}")
    names = (diff.stdout + untracked.stdout).decode("utf-8", "surrogateescape").split("\0")
    changed = frozenset(safe_resolve(root / name) for name in names if name)
    _GIT_CACHE[key] = _GitAnswer(time.monotonic(), changed)
    return changed


def _changed(path: Path, base: str, cwd: Path) -> bool:
    return safe_resolve(path) in changed_files(base, cwd)
