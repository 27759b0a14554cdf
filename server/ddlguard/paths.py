"""Resolving paths that users' trees may make hostile (symlink loops, dangling links)."""

from __future__ import annotations

import os
from pathlib import Path


def safe_resolve(path: Path) -> Path:
    """`path.resolve()`, or its absolute form when a symlink loop makes resolving fail.

    A looping link is then read like any file and reported as one DG000, instead of
    aborting the run wherever it is first resolved.
    """
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: symlink loop before Python 3.13
        return Path(os.path.abspath(path))


def is_within_str(path: str, folder: str) -> bool:
    """`Path(path).relative_to(folder)` succeeds, for two resolved absolute paths, by prefix."""
    if path == folder:
        return True
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return path.startswith(prefix)


class Resolver:
    """`safe_resolve` for one run, resolving each folder once.

    A check of 1,000 files in one versions folder used to resolve each file's path several
    times (`realpath` stats every component): ~14,000 calls, a third of the run. A file's
    real path is its folder's real path joined with its name, unless the file itself is a
    symlink (one `lstat`). Meant to live for one run: a folder's symlinks may change later.
    """

    __slots__ = ("_folders",)

    def __init__(self) -> None:
        # folder as given -> (real path or None when resolving fails, `safe_resolve` form)
        self._folders: dict[str, tuple[str | None, str]] = {}

    def _lookup(self, folder: str | Path) -> tuple[str | None, str]:
        key = os.fspath(folder)
        known = self._folders.get(key)
        if known is None:
            try:
                real: str | None = str(Path(key).resolve())
            except (OSError, RuntimeError):  # RuntimeError: symlink loop before Python 3.13
                real = None
            known = self._folders[key] = (real, real or os.path.abspath(key))
        return known

    def folder(self, folder: str | Path) -> str:
        """The real path of a folder, as a string (`safe_resolve`, cached)."""
        return self._lookup(folder)[1]

    def strict_folder(self, folder: str | Path) -> str | None:
        """The real path of a folder, or None when a symlink loop makes resolving fail."""
        return self._lookup(folder)[0]

    def within(self, path: Path, folder: Path) -> bool:
        """`project._is_within`: `path`'s folder (its own symlink not followed) is in `folder`."""
        name = path.name
        real_folder = self.strict_folder(folder)
        if real_folder is None:
            return False
        if name in ("", ".", ".."):
            try:
                where = str(path.parent.resolve().joinpath(name))
            except (OSError, RuntimeError):
                return False
        else:
            parent = self.strict_folder(os.path.dirname(path) or ".")
            if parent is None:
                return False
            where = os.path.join(parent, name)
        return is_within_str(where, real_folder)

    def in_folder(self, path: Path) -> str:
        """`path.parent.resolve() / path.name`: where the file sits, its own symlink not followed."""
        name = path.name
        if name in ("", ".", ".."):
            return str(safe_resolve(path))
        return os.path.join(self.folder(os.path.dirname(path) or "."), name)

    def file(self, path: Path) -> Path:
        """Exactly `safe_resolve(path)`, with the folder part cached."""
        joined = self.in_folder(path)
        if os.path.islink(joined):
            return safe_resolve(path)
        return Path(joined)
