"""Which project and settings apply to a file, cached until a config file or a setting changes.

`project_for_file` walks up the folders reading `alembic.ini` files; doing that on every
keystroke would cost more than the analysis, so results are kept per folder. The cache is
dropped when the editor settings change or a watched config file changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from ddlguard.data_scripts import owner_of_script
from ddlguard.project import Project, project_for_file
from ddlguard.runner import SettingsCache
from ddlguard.settings import ConfigProblem, Settings


@dataclass(frozen=True, slots=True)
class FileContext:
    project: Project
    settings: Settings  # the project's file over the editor settings

    @property
    def dialect(self) -> str:
        return self.project.dialect(self.settings.dialect)


def project_for_script(path: Path) -> Project | None:
    """The Alembic project whose scripts folder holds a `.sql` file."""
    owner = owner_of_script(path)
    return owner[0] if owner else None


class ContextCache:
    """Project and settings per file; thread-safe (the workspace scan runs in a worker thread).

    Editor settings may differ per workspace folder (multi-root workspaces): a file takes
    those of the deepest folder holding it, else the global ones.
    """

    def __init__(self, editor_settings: Settings | None = None) -> None:
        self._lock = threading.Lock()
        self._editor = editor_settings or Settings()
        self._folders: dict[Path, Settings] = {}
        self._caches: dict[Path | None, SettingsCache] = {}
        self._projects: dict[Path, Project] = {}
        # per file, so a keystroke costs no `resolve()` (~0.1 ms of syscalls each)
        self._contexts: dict[Path, FileContext] = {}
        self._in_versions: dict[Path, bool] = {}

    def reset(
        self,
        editor_settings: Settings | None = None,
        folders: dict[Path, Settings] | None = None,
    ) -> None:
        """Forget everything (settings changed, or alembic.ini / pyproject.toml / ddlguard.toml did)."""
        with self._lock:
            if editor_settings is not None:
                self._editor = editor_settings
            if folders is not None:
                self._folders = {k.resolve(): v for k, v in folders.items()}
            self._caches.clear()
            self._projects.clear()
            self._contexts.clear()
            self._in_versions.clear()

    @property
    def editor_settings(self) -> Settings:
        return self._editor

    def _cache(self, path: Path) -> SettingsCache:
        resolved = path.resolve()
        owners = [f for f in self._folders if resolved.is_relative_to(f)]
        folder = max(owners, key=lambda f: len(f.parts), default=None)
        cache = self._caches.get(folder)
        if cache is None:
            base = self._folders[folder] if folder is not None else self._editor
            cache = self._caches[folder] = SettingsCache(base=base)
        return cache

    def for_path(self, path: Path) -> FileContext:
        with self._lock:
            context = self._contexts.get(path)
            if context is not None:
                return context
            folder = path.parent
            project = self._projects.get(folder)
            if project is None:
                project = project_for_script(path) if path.suffix == ".sql" else None
                project = project or project_for_file(path)
                self._projects[folder] = project
            context = self._contexts[path] = FileContext(project, self._cache(path).for_path(path))
            return context

    def in_version_dir(self, path: Path, context: FileContext) -> bool:
        """`context.project.contains_version_file(path)`, remembered like the context."""
        with self._lock:
            found = self._in_versions.get(path)
        if found is None:
            found = context.project.contains_version_file(path)
            with self._lock:
                self._in_versions[path] = found
        return found

    def config_problems(self) -> list[ConfigProblem]:
        with self._lock:
            seen: list[ConfigProblem] = []
            for cache in self._caches.values():
                seen.extend(p for p in cache.problems() if p not in seen)
            return seen
