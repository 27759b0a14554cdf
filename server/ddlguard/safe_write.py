"""Writing a fix inside the project root only, through folders that cannot be swapped for links.

A fix is planned, then written. Between the two, anyone who can write in the project may swap
`scripts/sql` (or any folder above a target) for a symlink to somewhere else. So every write
opens the folders one by one from the project root down, each with `O_NOFOLLOW | O_DIRECTORY`
relative to the one above (`openat`), creating missing ones the same way, and then creates the
file relative to the last folder's descriptor (`O_CREAT | O_EXCL | O_NOFOLLOW`): a link
anywhere below the root makes the write fail, and a swap after a folder was opened changes
nothing, since the descriptor still names the folder that was checked. The migration is
replaced the same way: a temporary file in its folder's descriptor, then `os.replace` between
the two names of that one descriptor.

Targets are planned as real paths (no symlink in them at planning time); anything whose real
path is not inside the project root is refused with a reason, never written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ddlguard.paths import is_within_str

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# `openat` and friends: every POSIX system Python supports; elsewhere `_check_no_links` is used
HAVE_DIR_FD = os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd and bool(_NOFOLLOW)


class WriteRefused(OSError):
    """A write that would leave the project root or pass through a symlink; `str` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True, slots=True)
class Target:
    """A file to write: the project root (real path) and the parts of its path below it."""

    root: str
    folders: tuple[str, ...]
    name: str

    @property
    def path(self) -> Path:
        return Path(self.root, *self.folders, self.name)


def real_target(root: Path, path: Path, *, what: str) -> Target:
    """Where `path` really is, split below `root`; `WriteRefused` if that is outside `root`.

    A file that is itself a symlink is written through its real path (the link stays a link).
    """
    real_root, parts = _below_root(root, path, what=what)
    if not parts:
        raise WriteRefused(f"the {what} {real_root} is the project root itself, not a file")
    return Target(real_root, parts[:-1], parts[-1])


def _below_root(root: Path, path: Path, *, what: str) -> tuple[str, tuple[str, ...]]:
    """The real root and the parts of `path`'s real path below it; `WriteRefused` outside."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if not is_within_str(real, real_root):
        raise WriteRefused(
            f"the {what} {real} is outside the project root {real_root}; ddlguard writes only"
            " inside it"
        )
    return real_root, Path(real).relative_to(real_root).parts


def new_script_target(root: Path, path: Path) -> Target:
    """A script to create: its folder may not exist yet, so only the existing part is resolved.

    A name already there (a file, a dangling link) is left for `O_EXCL` to refuse.
    """
    folder = Path(os.path.abspath(path.parent))
    missing: list[str] = []
    while not os.path.lexists(folder) and folder.parent != folder:
        missing.append(folder.name)
        folder = folder.parent
    real_root, existing = _below_root(root, folder, what="scripts folder")
    return Target(real_root, (*existing, *reversed(missing)), path.name)


def _open_folders(target: Target, *, create: bool) -> int:
    """A descriptor of the target's folder, each level opened with no link followed."""
    fd = os.open(target.root, _DIR_FLAGS)
    try:
        for part in target.folders:
            if part in ("", ".", "..") or os.sep in part:
                raise WriteRefused(f"unexpected path component {part!r} in {target.path}")
            try:
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):  # made meanwhile: opened below
                    os.mkdir(part, 0o777, dir_fd=fd)
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:  # ELOOP / ENOTDIR: a link or a file where a folder was
                raise WriteRefused(
                    f"{Path(target.root, *target.folders)}: the folder {part!r} is a symlink or"
                    f" not a folder ({exc.strerror}); ddlguard does not write through links"
                ) from exc
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(dir_fd: int, name: str) -> tuple[bytes, int]:
    """The bytes and mode of a regular file in `dir_fd`, not following a link at `name`."""
    fd = os.open(name, _READ_FILE, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise WriteRefused(f"{name} is not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), stat.S_IMODE(info.st_mode)
    finally:
        os.close(fd)


class _Created:
    """Scripts created so far, each with its folder's descriptor, to remove on failure."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, str, Path]] = []
        self.portable: list[Path] = []  # without `openat`

    def undo(self) -> None:
        for dir_fd, name, _ in self.entries:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
        for path in self.portable:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        for dir_fd, _, _ in self.entries:
            os.close(dir_fd)


def create_script(target: Target, data: bytes, created: _Created) -> None:
    """Create one new file exclusively (`O_EXCL`, no link followed), in no-follow folders."""
    if not HAVE_DIR_FD:
        _create_portable(target, data)
        created.portable.append(target.path)
        return
    dir_fd = _open_folders(target, create=True)
    try:
        fd = os.open(target.name, _NEW_FILE, 0o666, dir_fd=dir_fd)
    except BaseException:
        os.close(dir_fd)
        raise
    created.entries.append((dir_fd, target.name, target.path))
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def replace_file(target: Target, render: Callable[[bytes], bytes]) -> bytes:
    """Replace a file atomically with `render(its current bytes)`, through no-follow folders.

    `render` may raise to refuse (the file changed, it cannot be encoded back): nothing is
    written then. The new file keeps the old one's permission bits. Returns the old bytes.
    """
    if not HAVE_DIR_FD:
        return _replace_portable(target, render)
    dir_fd = _open_folders(target, create=False)
    try:
        raw, mode = _read_all(dir_fd, target.name)
        data = render(raw)
        tmp = f".{target.name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, _NEW_FILE, 0o600, dir_fd=dir_fd)
        try:
            try:
                _write_all(fd, data)
                os.fchmod(fd, mode)
            finally:
                os.close(fd)
            os.replace(tmp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)
    return raw


def write_files(
    root: Path,
    replace: Sequence[tuple[Path, Callable[[bytes], bytes]]],
    create: Sequence[tuple[Path, bytes]],
) -> list[Path]:
    """Create the `create` files exclusively, then replace each `replace` file with
    `render(its bytes)`, in order; every target must really be inside `root`.

    All or nothing, as far as files allow: every target is checked (`WriteRefused`) before
    anything is written; if a step fails, the files created are removed and the files already
    replaced get their old bytes back (through the same no-follow folders). Used for a fix's
    scripts, its follow-up revision and the migrations it edits. Returns the created paths.
    """
    replaced = [(real_target(root, path, what="migration"), render) for path, render in replace]
    created_targets = [(new_script_target(root, path), data) for path, data in create]
    created = _Created()
    done: list[tuple[Target, bytes]] = []
    try:
        for target, data in created_targets:
            create_script(target, data, created)
        for target, render in replaced:
            done.append((target, replace_file(target, render)))
    except BaseException:
        for target, old in reversed(done):
            with contextlib.suppress(OSError):
                replace_file(target, _constant(old))
        created.undo()
        raise
    finally:
        created.close()
    return [path for path, _ in create]


def _constant(data: bytes) -> Callable[[bytes], bytes]:
    return lambda _current: data


def write_fix(
    root: Path,
    migration: Path,
    render: Callable[[bytes], bytes],
    scripts: Sequence[tuple[Path, bytes]],
) -> list[Path]:
    """Create `scripts` exclusively, then replace `migration` with `render(its bytes)`
    (`write_files` with one migration). Returns the scripts' paths."""
    return write_files(root, [(migration, render)], scripts)


def _check_no_links(target: Target) -> None:
    """Without `openat` (Windows): refuse a link at any level below the root just before writing.

    Weaker than the descriptor walk (a swap right after this check still wins), documented.
    """
    folder = Path(target.root)
    for part in target.folders:
        folder = folder / part
        if folder.is_symlink():
            raise WriteRefused(f"{folder} is a symlink; ddlguard does not write through links")


def _create_portable(target: Target, data: bytes) -> None:
    _check_no_links(target)
    target.path.parent.mkdir(parents=True, exist_ok=True)
    with open(target.path, "xb") as fh:
        fh.write(data)


def _replace_portable(target: Target, render: Callable[[bytes], bytes]) -> bytes:
    _check_no_links(target)
    real = target.path
    raw = real.read_bytes()
    data = render(raw)
    tmp = real.with_name(f".{real.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.chmod(tmp, real.stat().st_mode & 0o7777)
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return raw


def name_taken(path: Path) -> bool:
    """A name is taken when anything is there, a dangling symlink included (`O_EXCL` agrees)."""
    return os.path.lexists(path)
