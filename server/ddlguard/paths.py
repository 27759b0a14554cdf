"""Resolving paths that users' trees may make hostile (symlink loops, dangling links)."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

# `posixpath.normcase` returns a string unchanged: skip the call per file where it is in use
_CASE_FOLDS = os.path is not posixpath


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
    symlink (one `lstat`). Answers are remembered per file and per (folder, folder) pair, so
    discovery, the revision graph and the report share the work of one run. Meant to live
    for one run: a folder's symlinks may change later.
    """

    __slots__ = ("_files", "_folders", "_plain", "_within", "listings")

    def __init__(self) -> None:
        # folder as given -> (real path or None when resolving fails, `safe_resolve` form)
        self._folders: dict[str, tuple[str | None, str]] = {}
        # (a file's folder as given, a folder as given) -> is the first inside the second
        self._within: dict[tuple[str, str], bool] = {}
        # file as given -> its `safe_resolve` form, as a string
        self._files: dict[str, str] = {}
        # file as given -> neither a folder nor a symlink, for files seen in a folder listing
        self._plain: dict[str, bool] = {}
        # a project's revision files by version location (`project.version_folders`):
        # discovery and the revision graph list the same folders
        # (folder as walked, its revision files with is-a-symlink), symlinked folders left out
        self.listings: dict[
            tuple[object, ...], tuple[list[tuple[str, list[tuple[str, bool]]]], list[str]]
        ] = {}

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

    def remember_folder(self, folder: str, real: str) -> None:
        """Record a folder's real path that a walk worked out (its parent's real path and its
        own name, as it is no symlink): `realpath` stats every component of every folder."""
        self._folders.setdefault(folder, (real, real))

    def strict_folder(self, folder: str | Path) -> str | None:
        """The real path of a folder, or None when a symlink loop makes resolving fail."""
        return self._lookup(folder)[0]

    def within(self, path: Path, folder: Path) -> bool:
        """`project._is_within`: `path`'s folder (its own symlink not followed) is in `folder`."""
        name = path.name
        if name in ("", ".", ".."):
            real_folder = self.strict_folder(folder)
            if real_folder is None:
                return False
            try:
                where = str(path.parent.resolve().joinpath(name))
            except (OSError, RuntimeError):
                return False
            return is_within_str(where, real_folder)
        # `parent/name` is inside `folder` exactly when `parent` is: a name holds no separator
        return self.folder_within(os.path.dirname(path) or ".", folder)

    def folder_within(self, parent: str | Path, folder: str | Path) -> bool:
        """Are the files of folder `parent` (as given) inside `folder`? Both resolved, cached."""
        key = (os.fspath(parent), os.fspath(folder))
        known = self._within.get(key)
        if known is None:
            real_folder = self.strict_folder(folder)
            real_parent = self.strict_folder(parent)
            known = self._within[key] = (
                real_folder is not None
                and real_parent is not None
                and is_within_str(real_parent, real_folder)
            )
        return known

    def in_folder(self, path: Path) -> str:
        """`path.parent.resolve() / path.name`: where the file sits, its own symlink not followed."""
        name = path.name
        if name in ("", ".", ".."):
            return str(safe_resolve(path))
        return os.path.join(self.folder(os.path.dirname(path) or "."), name)

    def file(self, path: Path) -> Path:
        """Exactly `safe_resolve(path)`, with the folder part cached, remembered per path."""
        return Path(self._real_file(path))

    def file_key(self, path: Path) -> str:
        """`safe_resolve(path)` as a string compared as paths are (`os.path.normcase`): the
        run's identity of a file, without building a `Path` for each of 1,000 files."""
        real = self._real_file(path)
        return os.path.normcase(real) if _CASE_FOLDS else real

    def _real_file(self, path: Path) -> str:
        key = os.fspath(path)
        known = self._files.get(key)
        if known is None:
            joined = self.in_folder(path)
            known = str(safe_resolve(path)) if os.path.islink(joined) else joined
            self._files[key] = known
        return known

    def remember(self, path: Path | str, resolved: str, *, symlink: bool) -> None:
        """Record what discovery learnt of a file it listed: `file(path)`, and whether it is a
        symlink (`scandir` knows, so no `lstat` is needed later)."""
        key = os.fspath(path)
        self._files[key] = resolved
        self._plain[key] = not symlink

    def plain_file(self, path: Path) -> bool | None:
        """Neither a folder nor a symlink, if this run listed the file; None if unknown."""
        return self._plain.get(os.fspath(path))
