"""Checking only new migrations: `--since-revision REV` and `--diff-base GITREF`.

A repository with years of history turns ddlguard on without touching old migrations:

- since-revision keeps the migrations that come after REV in the revision graph (its
  descendants through `down_revision` and `depends_on`), read statically;
- diff-base keeps the files added, modified or renamed since GITREF (`git diff --name-only
  --diff-filter=AMR GITREF`, so staged and unstaged edits count) plus untracked files.

Given both, a file must pass both. The command-line values win over the config keys
(`since-revision`, `diff-base`), which apply per file through its settings. A file whose
revision cannot be read (a syntax error) is always kept: it must not hide.

git is asked about the repository it reports for the folder the user ran in (the CLI's current
folder, whichever config file the `diff-base` came from; in the server its workspace folder),
through `ddlguard.safe_git`, so a checkout cannot make git run a program or take a folder of
the checkout for a repository.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from ddlguard.graph import project_key, read_info, revision_files
from ddlguard.model import MigrationInfo
from ddlguard.paths import safe_resolve
from ddlguard.project import ConfigError, Discovery, Project
from ddlguard.runner import SettingsCache
from ddlguard.settings import Settings

if TYPE_CHECKING:
    from ddlguard.safe_git import Repository

T = TypeVar("T")
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
            if base is not None and not _changed(path, base, cwd):
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
    disk. `since_revision`/`diff_base` override the settings' keys. git starts in `cwd`, else
    in the current folder (the server's first workspace folder) when it holds the file, else
    in the file's folder (another root of a multi-root workspace). git answers are cached
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
        return _changed(path, base, cwd or _server_folder(path))
    return True


def _server_folder(path: Path) -> Path:
    """Where the server runs (its first workspace folder) when it holds `path`, else its folder."""
    here = Path.cwd()
    return here if safe_resolve(path).is_relative_to(safe_resolve(here)) else path.parent


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
    """An answer of git, with when it was asked (the server asks on every change)."""

    at: float
    value: object


_GIT_CACHE: dict[tuple[str, Path, str], _GitAnswer] = {}


def _cached(kind: str, folder: Path, key: str, compute: Callable[[], T]) -> T:
    found = _GIT_CACHE.get((kind, folder, key))
    if found is not None and time.monotonic() - found.at < GIT_CACHE_SECONDS:
        return found.value  # type: ignore[return-value]
    value = compute()
    _GIT_CACHE[(kind, folder, key)] = _GitAnswer(time.monotonic(), value)
    return value


def _repository(cwd: Path) -> Repository:
    from ddlguard.safe_git import GitError, find_repository  # only for diff-base

    try:
        return _cached("repository", cwd, "", lambda: find_repository(cwd))
    except GitError as exc:
        raise ConfigError(f"--diff-base: {exc}") from None


def changed_files(base: str, cwd: Path) -> frozenset[Path]:
    """Resolved paths added, modified or renamed since `base`, plus untracked files.

    git runs in the repository it reports for `cwd` (the folder the user ran in), through
    `ddlguard.safe_git`: nothing of the checkout is run.
    """
    from ddlguard.safe_git import GitError

    if base.startswith("-"):
        raise ConfigError(f"--diff-base {base!r}: a git revision cannot start with '-'")
    repo = _repository(cwd)

    def ask() -> frozenset[Path]:
        try:
            repo.run(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"])
        except GitError:
            raise ConfigError(
                f"--diff-base {base!r}: unknown git revision (try `git fetch`)"
            ) from None
        try:
            diff = repo.run(
                ["diff", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all",
                 "--name-only", "-z", "--diff-filter=AMR", base, "--"]
            )  # fmt: skip
            untracked = repo.run(["ls-files", "--others", "--exclude-standard", "-z"])
        except GitError as exc:
            raise ConfigError(str(exc)) from None
        names = (diff + untracked).decode("utf-8", "surrogateescape").split("\0")
        return frozenset(safe_resolve(repo.top / name) for name in names if name)

    return _cached("changed", repo.top, base, ask)


def _changed(path: Path, base: str, cwd: Path) -> bool:
    return safe_resolve(path) in changed_files(base, cwd)
