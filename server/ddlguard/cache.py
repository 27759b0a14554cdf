"""The on-disk cache of `ddlguard check`: a file unchanged since the last run costs a `stat`.

ruff's model. Each project root gets a `.ddlguard_cache/` folder (a `.gitignore` inside keeps
it out of commits) holding one JSON file. Per file (by its resolved path, relative to the
root) it keeps the file's stamp and

- what the revision graph reads from it (`MigrationInfo`, or that it could not be read), so
  checking one file of a project of hundreds reads one file;
- the engine's outcome (findings, whether it is a migration, its facts, its DG000), per
  variant of what decides it (settings, dialect, flags), so a warm run analyses nothing.

An entry is used only when the stamp (size, mtime_ns, ctime_ns, inode) and the tool's
fingerprint (version, Python, the stamps of ddlguard's own modules) are exactly those of
the run. A cache copied from elsewhere (committed, unpacked) cannot match: the ctime and
inode are the machine's own. Anything unexpected in the file (corrupt, truncated, a
symlink, a value of the wrong type) is a miss, never an error; the data is JSON, decoded
field by field, never unpickled. The cache folder is only used when it is a real folder in
the root; the cache file is opened without following symlinks and replaced atomically.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import stat
import sys
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ddlguard import __version__
from ddlguard.model import (
    Applicability,
    Finding,
    FixHint,
    MigrationInfo,
    Position,
    Range,
    Severity,
)
from ddlguard.records import EMPTY

CACHE_DIR = ".ddlguard_cache"
CACHE_FILE = "check.json"
FORMAT = 2
# an outcome's info that is the entry's own (what the graph reads), and the common outcome of
# a migration with no finding and no error: most entries of a warm run, one small JSON value
_SAME_INFO = 1
_CLEAN = 1
# a cache file larger than this is not read (and rebuilt): nothing legitimate comes close
MAX_CACHE_BYTES = 256 * 1024 * 1024
# variants (distinct settings) kept per cache file before it starts afresh
MAX_VARIANTS = 16

Stamp = tuple[int, int, int, int]
# what the engine sends back for one file, without its text: findings, is_migration, info, error
Outcome = tuple[list[Finding], bool, MigrationInfo | None, str | None]

_GITIGNORE = "# created by ddlguard: the cache of `ddlguard check`\n*\n"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_fingerprint: str | None = None


def tool_fingerprint() -> str:
    """ddlguard's version, Python's, and the stamps of ddlguard's modules: an edited
    checkout (or an upgrade without a version change) never reads an older run's results."""
    global _fingerprint
    if _fingerprint is None:
        package = os.path.dirname(os.path.abspath(__file__))
        parts: list[str] = []
        todo = [package]
        while todo:
            folder = todo.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.endswith(".py"):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
                elif entry.name != "__pycache__" and entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
        crc = zlib.crc32("\n".join(parts).encode("utf-8", "surrogateescape"))
        _fingerprint = f"{__version__}/{sys.version.split()[0]}/{crc:08x}"
    return _fingerprint


def file_stamp(path: Path | str) -> Stamp | None:
    """What says a file is unchanged; None when it is not a regular file (never cached)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class ProjectCache:
    """The cache file of one project root, loaded at the first lookup, saved once at the end."""

    def __init__(self, root: str) -> None:
        self.root = root
        # keys are `Resolver.file_key`s: normcase'd resolved paths
        self._prefix = os.path.normcase(root).rstrip(os.sep) + os.sep
        self._files: dict[str, list[Any]] | None = None
        # discovery's reading of files outside the version locations: stamp text + "+" when
        # the head looks like a migration, "-" when not (`project._looks_like_migration`)
        self._heads: dict[str, Any] = {}
        self._variants: list[str] = []
        self._variant_ids: dict[str, str] | None = None
        self._dirty = False

    def relative(self, key: str) -> str | None:
        """A resolved path's name in the cache; None outside the root (never cached)."""
        return key[len(self._prefix) :] if key.startswith(self._prefix) else None

    def _entries(self) -> dict[str, list[Any]]:
        if self._files is None:
            self._files = {}
            # building ~10^5 objects with the collector on walks them again and again
            enabled = gc.isenabled()
            gc.disable()
            try:
                data = _load(os.path.join(self.root, CACHE_DIR, CACHE_FILE))
            finally:
                if enabled:
                    gc.enable()
            if (
                isinstance(data, dict)
                and data.get("format") == FORMAT
                and data.get("tool") == tool_fingerprint()
                and isinstance(data.get("variants"), list)
                and all(isinstance(v, str) for v in data["variants"])
                and isinstance(data.get("files"), dict)
                and len(data["variants"]) <= MAX_VARIANTS
            ):
                self._variants = data["variants"]
                self._variant_ids = None
                self._files = data["files"]
                heads = data.get("heads")
                self._heads = heads if type(heads) is dict else {}
                # they live to the end of the run: out of the collector's generations, its
                # later collections no longer walk them either
                gc.freeze()
        return self._files

    def _entry(self, rel: str, stamp: Stamp) -> list[Any] | None:
        entry = self._entries().get(rel)
        if type(entry) is list and len(entry) == 3 and entry[0] == _stamp_text(stamp):
            return entry
        return None

    def _fresh_entry(self, rel: str, stamp: Stamp) -> list[Any]:
        entry = self._entry(rel, stamp)
        if entry is None or type(entry[2]) is not dict:
            entry = [_stamp_text(stamp), None, {}]
            self._entries()[rel] = entry
        return entry

    def info(self, rel: str, stamp: Stamp) -> tuple[bool, MigrationInfo | None]:
        """(found, the graph's reading of the file: its facts, or None when unreadable)."""
        entry = self._entry(rel, stamp)
        if entry is None or entry[1] is None:
            return False, None
        value = entry[1]
        if value == 0:  # read before, and it could not be read or parsed
            return True, None
        decoded = _decode_info(value)
        return (decoded is not None), decoded

    def store_info(self, rel: str, stamp: Stamp, info: MigrationInfo | None) -> None:
        entry = self._fresh_entry(rel, stamp)
        entry[1] = 0 if info is None else _encode_info(info)
        self._dirty = True

    def head(self, rel: str, stamp: Stamp) -> bool | None:
        """Whether the file's head looked like a migration to discovery, when it was read at
        this stamp; None when unknown (or the entry is of the wrong shape)."""
        self._entries()
        value = self._heads.get(rel)
        if type(value) is str:
            text = _stamp_text(stamp)
            if value == text + "+":
                return True
            if value == text + "-":
                return False
        return None

    def store_head(self, rel: str, stamp: Stamp, looks: bool) -> None:
        self._entries()
        self._heads[rel] = _stamp_text(stamp) + ("+" if looks else "-")
        self._dirty = True

    def _variant_id(self, variant: str) -> str | None:
        if self._variant_ids is None:
            self._variant_ids = {v: str(i) for i, v in enumerate(self._variants)}
        return self._variant_ids.get(variant)

    def outcome(self, rel: str, stamp: Stamp, variant: str) -> Outcome | None:
        entry = self._entry(rel, stamp)
        number = self._variant_id(variant)
        if entry is None or number is None or type(entry[2]) is not dict:
            return None
        raw = entry[2].get(number)
        if raw is None:
            return None
        if type(raw) is int:  # `_CLEAN`: the entry's info, nothing else
            info = _decode_info(entry[1]) if raw == _CLEAN else None
            return None if info is None else ([], True, info, None)
        return _decode_outcome(raw, entry[1])

    def store_result(self, rel: str, stamp: Stamp, variant: str, outcome: Outcome) -> None:
        """The engine's outcome of a file and, for a migration it read without error, its
        info as the graph's reading of the file too (`graph.read_info` reads it the same
        way), stored once."""
        _, is_migration, info, error = outcome
        if is_migration and info is not None and error is None:
            self.store_info(rel, stamp, info)
        self.store_outcome(rel, stamp, variant, outcome)

    def store_outcome(self, rel: str, stamp: Stamp, variant: str, outcome: Outcome) -> None:
        entry = self._entry(rel, stamp)
        own = entry[1] if entry is not None else None
        encoded = _encode_outcome(outcome, own)
        if encoded is None:  # something in it would not come back equal: not cached
            return
        self._entries()
        number = self._variant_id(variant)
        if number is None:
            if len(self._variants) >= MAX_VARIANTS:
                self._variants, self._files = [], {}
                encoded = _encode_outcome(outcome)  # the entry's own info went with it
            number = str(len(self._variants))
            self._variants.append(variant)
            self._variant_ids = None
        entry = self._fresh_entry(rel, stamp)
        entry[2][number] = encoded
        self._dirty = True

    def save(self) -> None:
        """Write the cache file if anything changed; any failure leaves the old one (or none)."""
        if not self._dirty or self._files is None:
            return
        self._dirty = False
        folder = os.path.join(self.root, CACHE_DIR)
        if not _cache_folder(folder):
            return
        data = {
            "format": FORMAT,
            "tool": tool_fingerprint(),
            "variants": self._variants,
            "files": self._files,
            "heads": self._heads,
        }
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        _write_atomically(os.path.join(folder, CACHE_FILE), text.encode("utf-8"))


class RunCache:
    """The caches of every project root one run touches; `read_only` never writes (a run
    that fixes files: `--diff` promises to write nothing, and what a fix run learnt is
    stale as soon as it fixed a file)."""

    def __init__(self, *, read_only: bool = False) -> None:
        self._projects: dict[str, ProjectCache] = {}
        self.read_only = read_only

    def for_root(self, root: Path) -> ProjectCache:
        key = os.fspath(root)
        found = self._projects.get(key)
        if found is None:
            found = self._projects[key] = ProjectCache(key)
        return found

    def save(self) -> None:
        if self.read_only:
            return
        for project in self._projects.values():
            project.save()


def _stamp_text(stamp: Stamp) -> str:
    """One string, compared at once (a list of four numbers cost a list per lookup)."""
    return f"{stamp[0]}:{stamp[1]}:{stamp[2]}:{stamp[3]}"


def _load(path: str) -> Any:
    """The cache file's JSON, or None when it is missing, not a plain file, too big or bad."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
            return None
        chunks = []
        while chunk := os.read(fd, max(info.st_size + 1, 1 << 16)):
            chunks.append(chunk)
        return json.loads(b"".join(chunks).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(fd)


def _cache_folder(folder: str) -> bool:
    """The cache folder exists as a real folder (created with its `.gitignore` if missing)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except OSError:
        return False
    else:
        _write_atomically(os.path.join(folder, ".gitignore"), _GITIGNORE.encode())
    try:
        return stat.S_ISDIR(os.lstat(folder).st_mode)  # a symlink is not our folder
    except OSError:
        return False


def _write_atomically(path: str, data: bytes) -> None:
    """A temporary file beside `path`, then a rename: readers see the old file or the new."""
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)  # replaces a symlink itself, never writes through it
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)


# --- encoding: plain JSON lists, checked field by field when read back ---------------------


def _encode_info(info: MigrationInfo) -> list[Any]:
    return [
        info.revision,
        list(info.down_revisions),
        list(info.branch_labels),
        list(info.depends_on),
        info.message,
        info.has_upgrade,
        info.has_downgrade,
        info.revision_line,
        info.down_revision_line,
    ]


def _opt_str(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise TypeError


_OPT_STR = (str, type(None))
_OPT_INT = (int, type(None))


def _strs(value: Any) -> tuple[str, ...]:
    if type(value) is list:
        if not value:
            return ()
        if len(value) == 1:  # most revisions: one down_revision
            if type(value[0]) is str:
                return (value[0],)
        elif all(type(v) is str for v in value):
            return tuple(value)
    raise TypeError


def _bool(value: Any) -> bool:
    if type(value) is bool:
        return bool(value)
    raise TypeError


def _decode_info(value: Any) -> MigrationInfo | None:
    """Exact types only (a bool is no line number): anything else is a miss. Positional and
    with `type() in` tests, as this runs for every file of a warm run."""
    if type(value) is not list or len(value) != 9:
        return None
    rev, down, labels, deps, message, up, down_def, rev_line, down_line = value
    if not (
        type(rev) in _OPT_STR
        and type(message) in _OPT_STR
        and type(up) is bool
        and type(down_def) is bool
        and type(rev_line) in _OPT_INT
        and type(down_line) in _OPT_INT
    ):
        return None
    try:
        return MigrationInfo(
            rev, _strs(down), _strs(labels), _strs(deps), message, up, down_def, rev_line, down_line
        )
    except TypeError:
        return None


def _encode_range(rng: Range) -> list[int]:
    return [rng.start.line, rng.start.character, rng.end.line, rng.end.character]


def _decode_range(value: Any) -> Range:
    if type(value) is list and len(value) == 4:
        a, b, c, d = value
        if type(a) is int and type(b) is int and type(c) is int and type(d) is int:
            return Range(Position(a, b), Position(c, d))
    raise TypeError


def _json_native(value: Any, depth: int = 0) -> bool:
    """Comes back from JSON equal to itself (no tuple, no non-str key, no custom type)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if depth > 32:
        return False
    if type(value) is list:
        return all(_json_native(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(isinstance(k, str) and _json_native(v, depth + 1) for k, v in value.items())
    return False


def _encode_finding(f: Finding) -> list[Any] | None:
    data = {} if f.data is EMPTY else f.data
    if not (type(data) is dict and _json_native(data)):
        return None
    fix = None if f.fix is None else [f.fix.applicability.value, f.fix.description, f.fix.reason]
    statement = None if f.statement_range is None else _encode_range(f.statement_range)
    return [f.code, f.message, int(f.severity), _encode_range(f.range), statement, fix, data]


_SEVERITIES = {int(level): level for level in Severity}
_APPLICABILITIES = {a.value: a for a in Applicability}


def _decode_finding(value: Any) -> Finding:
    if type(value) is not list or len(value) != 7:
        raise TypeError
    code, message, severity, rng, statement, fix, data = value
    if not (type(code) is str and type(message) is str and type(data) is dict):
        raise TypeError
    if type(severity) is not int:
        raise TypeError
    hint = None
    if fix is not None:
        if not (type(fix) is list and len(fix) == 3 and type(fix[1]) is str):
            raise TypeError
        hint = FixHint(_APPLICABILITIES[fix[0]], fix[1], _opt_str(fix[2]))
    statement_range = None if statement is None else _decode_range(statement)
    return Finding(
        code, message, Severity(severity), _decode_range(rng), statement_range, hint, data
    )


def _encode_outcome(outcome: Outcome, own: Any = None) -> int | list[Any] | None:
    """`_CLEAN`, or [findings, is_migration, info, error] where an info equal to the entry's
    own (`own`, what the graph reads) is `_SAME_INFO`; None when it would not come back equal."""
    findings, is_migration, info, error = outcome
    encoded = []
    for f in findings:
        one = _encode_finding(f)
        if one is None:
            return None
        encoded.append(one)
    info_value: Any = None if info is None else _encode_info(info)
    if info_value is not None and info_value == own:
        if not encoded and is_migration is True and error is None:
            return _CLEAN
        info_value = _SAME_INFO
    return [encoded, is_migration, info_value, error]


def _decode_outcome(value: Any, own: Any = None) -> Outcome | None:
    try:
        if type(value) is not list or len(value) != 4:
            return None
        raw, is_migration, info, error = value
        if type(raw) is not list:
            return None
        findings = [_decode_finding(f) for f in raw]
        decoded_info = None
        if info is not None:
            if type(info) is int:
                info = own if info == _SAME_INFO else None
            decoded_info = _decode_info(info)
            if decoded_info is None:
                return None
        return findings, _bool(is_migration), decoded_info, _opt_str(error)
    except (TypeError, ValueError, KeyError):
        return None


def variant_key(parts: Mapping[str, object]) -> str:
    """What besides the text decides a file's outcome, as one comparable string."""
    return repr(sorted(parts.items()))
