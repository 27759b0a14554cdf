"""The fast paths of `ddlguard check` give exactly what the slow ones gave.

Each speed-up (folders resolved once, config looked up once per folder, files shared between
forked processes) is checked against the plain computation on trees with symlinks and mixed
content, so a faster run can never be a different run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from ddlguard import parallel
from ddlguard.parallel import PARALLEL_MIN_ITEMS, parallel_map
from ddlguard.paths import Resolver, is_within_str, safe_resolve
from ddlguard.project import _is_within, _relative_like, discover, walk_files
from ddlguard.runner import CheckRun, SettingsCache, _plain_file, check_paths
from ddlguard.settings import find_config_file

needs_fork = pytest.mark.skipif(not parallel.can_fork(), reason="needs os.fork (POSIX, not macOS)")
needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")

HEADER = 'revision = "{rev}"\ndown_revision = {down!r}\n\n\ndef upgrade():\n'
BODIES = [
    '    op.execute("UPDATE users SET active = true")\n',
    '    op.add_column("users", sa.Column("x", sa.Integer()))\n',
    '    op.bulk_insert(t, [{"id": 1}])\n',
    '    conn = op.get_bind()\n    rows = conn.execute(sa.text("SELECT id FROM t")).fetchall()\n',
    "    op.execute(sql)\n",
    '    op.execute("CREATE INDEX ix ON users (x)")  # noqa: DG001\n',
    "    op.execute(\n",  # a syntax error: DG000
]


def write_project(root: Path, count: int) -> list[Path]:
    """An Alembic project with `count` chained migrations of every kind, plus two heads."""
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    paths = []
    down = None
    for n in range(count):
        rev = f"r{n:04d}"
        path = versions / f"{rev}.py"
        text = "from alembic import op\nimport sqlalchemy as sa\n" + HEADER.format(
            rev=rev, down=down
        )
        path.write_text(text + BODIES[n % len(BODIES)])
        paths.append(path)
        down = rev if n % 17 else None  # some roots: DG101 on several heads
    return paths


def report(run: CheckRun) -> list[tuple[str, str, int, int, str, str]]:
    return [
        (
            cf.result.path.name,
            f.code,
            f.range.start.line,
            f.range.start.character,
            f.message,
            str(f.severity),
        )
        for cf in run.files
        for f in cf.result.findings
    ]


# ---- parallel_map --------------------------------------------------------------------------


@needs_fork
def test_parallel_map_keeps_order_and_uses_children() -> None:
    def work(x: int) -> tuple[int, int]:
        time.sleep(0.002)  # long enough that every process gets chunks before the queue empties
        return x * x, os.getpid()

    items = list(range(PARALLEL_MIN_ITEMS * 3 + 5))
    got = parallel_map(work, items, jobs=3)
    assert [value for value, _ in got] == [x * x for x in items]
    pids = {pid for _, pid in got}
    assert os.getpid() in pids and len(pids) == 3  # this process and two children shared it


@needs_fork
def test_a_slow_process_takes_fewer_chunks() -> None:
    """Chunks are taken from a queue, not dealt out: a process slowed by the machine does less."""
    parent = os.getpid()

    def work(x: int) -> int:
        time.sleep(0.006 if os.getpid() == parent else 0.001)
        return os.getpid()

    got = parallel_map(work, list(range(PARALLEL_MIN_ITEMS * 3)), jobs=2)
    mine = got.count(parent)
    assert 0 < mine < len(got) - mine  # both worked, the slow one less


@needs_fork
def test_many_items_stay_within_the_queue() -> None:
    """The queue of chunk numbers is written before anyone reads it: it must fit a pipe."""
    items = list(range(100_003))
    assert parallel_map(lambda x: x + 1, items, jobs=2) == [x + 1 for x in items]


def test_parallel_map_stays_in_process_for_small_inputs() -> None:
    items = list(range(PARALLEL_MIN_ITEMS - 1))
    got = parallel_map(lambda x: (x + 1, os.getpid()), items, jobs=4)
    assert got == [(x + 1, os.getpid()) for x in items]


@needs_fork
def test_a_failing_child_has_its_share_redone_here() -> None:
    parent = os.getpid()

    def fragile(x: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("child failure")
        return x * 10

    items = list(range(PARALLEL_MIN_ITEMS * 2))
    assert parallel_map(fragile, items, jobs=2) == [x * 10 for x in items]


@needs_fork
def test_a_killed_child_has_its_share_redone_here() -> None:
    parent = os.getpid()

    def dies(x: int) -> int:
        if os.getpid() != parent:
            os._exit(9)
        return -x

    items = list(range(PARALLEL_MIN_ITEMS * 2))
    assert parallel_map(dies, items, jobs=2) == [-x for x in items]


def test_default_jobs_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DDLGUARD_JOBS", "3")
    assert parallel.default_jobs() == 3
    monkeypatch.setenv("DDLGUARD_JOBS", "zero")
    assert parallel.default_jobs() >= 1


def test_default_jobs_is_every_usable_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DDLGUARD_JOBS", raising=False)
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
        assert parallel.default_jobs() == 4
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set())
        assert parallel.default_jobs() == 1
    monkeypatch.setenv("DDLGUARD_JOBS", "0")  # not a positive integer: the cores decide
    assert parallel.default_jobs() >= 1


@needs_fork
def test_check_paths_in_parallel_equals_serial(tmp_path: Path) -> None:
    write_project(tmp_path, PARALLEL_MIN_ITEMS * 2 + 3)
    serial = check_paths([tmp_path], jobs=1)
    shared = check_paths([tmp_path], jobs=2)
    assert report(shared) == report(serial)
    codes = {row[1] for row in report(serial)}
    assert {"DG000", "DG001", "DG003", "DG005", "DG006"} <= codes  # the corpus exercises the engine
    assert [cf.result.info for cf in shared.files] == [cf.result.info for cf in serial.files]
    assert [cf.source for cf in shared.files] == [cf.source for cf in serial.files]
    # files of one project still share the parent's project and settings objects
    assert len({id(cf.project) for cf in shared.files}) == 1
    assert len({id(cf.settings) for cf in shared.files}) == 1


# ---- Resolver: the cached resolution equals the plain one ----------------------------------


@needs_symlinks
def test_resolver_matches_safe_resolve_and_is_within(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "sub" / "m.py").write_text("x = 1\n")
    (tmp_path / "linkdir").symlink_to(real, target_is_directory=True)
    (real / "sub" / "alias.py").symlink_to(real / "sub" / "m.py")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    candidates = [
        real / "sub" / "m.py",
        tmp_path / "linkdir" / "sub" / "m.py",
        real / "sub" / "alias.py",
        tmp_path / "linkdir" / "sub" / "alias.py",
        real / "sub" / ".." / "sub" / "m.py",
        tmp_path / "loop",
        tmp_path / "loop" / "x.py",
        tmp_path / "missing" / "x.py",
    ]
    folders = [real, tmp_path / "linkdir" / "sub", tmp_path / "loop", tmp_path / "missing"]
    resolver = Resolver()
    for path in candidates:
        assert resolver.file(path) == safe_resolve(path), path
        for folder in folders:
            assert resolver.within(path, folder) == _is_within(path, folder), (path, folder)


def test_is_within_str_is_by_whole_folder_names() -> None:
    assert is_within_str(os.sep + os.path.join("a", "b", "c"), os.sep + os.path.join("a", "b"))
    assert is_within_str(os.sep + "a", os.sep + "a")
    assert not is_within_str(os.sep + os.path.join("a", "bc"), os.sep + os.path.join("a", "b"))
    assert is_within_str(os.sep + "a", os.sep)


@needs_symlinks
def test_discovery_sees_a_symlinked_folder_inside_the_versions_folder(tmp_path: Path) -> None:
    """Folders inside a version location are skipped by the second walk, but not their
    subfolders: a link there may point at migrations of another tree of the project. A link
    leading out of the project root is not entered, and says so."""
    write_project(tmp_path / "app", 2)
    for elsewhere in (tmp_path / "app" / "shared" / "more", tmp_path / "elsewhere"):
        elsewhere.mkdir(parents=True)
        (elsewhere / "loose.py").write_text(HEADER.format(rev="zz", down=None) + "    pass\n")
    inner = tmp_path / "app" / "shared"
    link = tmp_path / "app" / "alembic" / "versions" / "more"
    link.symlink_to(inner, target_is_directory=True)
    (tmp_path / "app" / "alembic" / "versions" / "out").symlink_to(tmp_path / "elsewhere")
    found = discover([tmp_path / "app"])
    assert sorted(p.name for p, _ in found.files) == ["loose.py", "r0000.py", "r0001.py"]
    walked = [p.parts[-4:-2] for p, _ in found.files if p.name == "loose.py"]
    assert walked == [("versions", "more")]  # through the link
    assert any("out: a symlink to a folder outside the project" in p for p in found.problems)


@needs_symlinks
def test_settings_of_a_symlinked_file_come_from_its_target(tmp_path: Path) -> None:
    """The per-folder config cache must not give a linked file its link folder's config."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "ddlguard.toml").write_text('select = ["DG001"]\n')
    (tmp_path / "b" / "ddlguard.toml").write_text('select = ["DG003"]\n')
    target = tmp_path / "b" / "m.py"
    target.write_text("x = 1\n")
    (tmp_path / "a" / "plain.py").write_text("x = 1\n")
    (tmp_path / "a" / "link.py").symlink_to(target)
    cache = SettingsCache()
    assert cache.for_path(tmp_path / "a" / "plain.py").select == ("DG001",)
    assert cache.for_path(tmp_path / "a" / "link.py").select == ("DG003",)
    assert cache.for_path(tmp_path / "a").select == ("DG001",)
    assert (
        find_config_file(safe_resolve(tmp_path / "a" / "link.py"))
        == (tmp_path / "b" / "ddlguard.toml").resolve()
    )


def test_walk_files_skip_files_keeps_subfolders(tmp_path: Path) -> None:
    (tmp_path / "v" / "inner").mkdir(parents=True)
    (tmp_path / "v" / "a.py").write_text("")
    (tmp_path / "v" / "inner" / "b.py").write_text("")
    walked = walk_files(tmp_path, skip_files=lambda folder: Path(folder).name == "v")
    assert [p.relative_to(tmp_path).as_posix() for p in walked] == ["v/inner/b.py"]


# ---- walking folders: scandir with symlink flags equals the os.walk it replaced ------------


def reference_walk(top: Path, suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    """`walk_files` as it was written on `os.walk` (before `walk_folders`)."""
    from ddlguard.project import SKIP_DIRS

    out: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(top, followlinks=True):
        try:
            st = os.stat(folder)
        except OSError:
            dirs[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            dirs[:] = []
            continue
        seen.add(key)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        out.extend(Path(folder) / name for name in sorted(files) if name.endswith(suffixes))
    return out


def hostile_tree(root: Path) -> None:
    """Nested folders, skipped folders, symlinked folders and files, a loop, odd names."""
    for folder in ("a/b/c", "a/node_modules/x", "pkg.egg-info", "z", "a/b2"):
        (root / folder).mkdir(parents=True)
    for name in ("a/m.py", "a/b/n.py", "a/b/c/o.py", "a/node_modules/x/p.py", "pkg.egg-info/q.py",
                 "z/.py", "z/__init__.py", "z/.#lock.py", "z/r.pyc", "a/b2/s.py"):  # fmt: skip
        (root / name).write_text("x = 1\n")
    if sys.platform != "win32":
        (root / "z" / "to_b").symlink_to(root / "a" / "b", target_is_directory=True)
        (root / "z" / "loop").symlink_to(root / "z", target_is_directory=True)
        (root / "z" / "link.py").symlink_to(root / "a" / "m.py")
        (root / "z" / "dangling.py").symlink_to(root / "nowhere.py")


def test_walk_files_equals_the_os_walk_it_replaced(tmp_path: Path) -> None:
    hostile_tree(tmp_path)
    for top in (tmp_path, tmp_path / "z", tmp_path / "a"):
        assert list(walk_files(top)) == reference_walk(top), top
        assert list(walk_files(top, (".py", ".pyc"))) == reference_walk(top, (".py", ".pyc"))


@needs_symlinks
def test_discovery_knows_each_files_real_path_and_project(tmp_path: Path) -> None:
    """Discovery decides per folder (and takes symlinks from scandir); the answers must be
    those of the per-file rules, and the run's resolver must have learnt the real paths."""
    write_project(tmp_path, 3)
    versions = tmp_path / "alembic" / "versions"
    hostile_tree(versions / "more")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.py").write_text(HEADER.format(rev="far", down=None) + "    pass\n")
    (versions / "out").symlink_to(outside, target_is_directory=True)
    (versions / "ln.py").symlink_to(versions / "r0000.py")
    for top in (tmp_path, Path(os.path.relpath(tmp_path))):
        resolver = Resolver()
        found = discover([top], resolver=resolver)
        project = found.projects[0]
        expected: list[Path] = []  # the per-file rules, in walk order, each real file once
        for f in reference_walk(project.version_dirs[0]):
            if project.contains_version_file(f) and safe_resolve(f) not in {
                safe_resolve(e) for e in expected
            }:
                linked = f.is_symlink() and f.resolve().is_file()  # shown as its target
                expected.append(_relative_like(f.resolve() if linked else f, top))
        got = [p for p, _ in found.files]
        assert got[: len(expected)] == expected
        assert all(owner is project for _, owner in found.files[: len(expected)])
        for path in got:
            assert resolver.file(path) == Resolver().file(path) == safe_resolve(path), path
            known = resolver.plain_file(path)  # what scandir said, where discovery listed it
            assert known is None or known == _plain_file(path), path
        for path, owner in found.files:  # what discovery says it knows without asking
            if os.fspath(path) in found.versioned:
                assert owner.contains_version_file(path), path
        assert len(found.versioned) >= len(expected)
        assert any(resolver.plain_file(p) is False for p in got)  # ln.py: a symlink, known
        assert sum(resolver.plain_file(p) is True for p in got) >= 3


# ---- what forked workers send back ---------------------------------------------------------


def test_results_pickle_back_whole() -> None:
    """Model classes pickle by their fields (fast `__reduce__`): every field must survive,
    including any field added later."""
    import pickle

    from ddlguard.model import (
        Applicability,
        Finding,
        FixHint,
        MigrationInfo,
        Position,
        Range,
        Severity,
    )

    rng = Range.of(1, 2, 3, 4)
    samples = [
        Position(7, 9),
        rng,
        FixHint(Applicability.UNSAFE, "Move", "why"),
        Finding(
            "DG001",
            "m",
            Severity.WARNING,
            rng,
            Range.of(1, 0, 5, 1),
            FixHint(Applicability.NONE, "", "r"),
            {"sql": "UPDATE t", "n": [1]},
        ),
        MigrationInfo("a", ("b", "c"), ("l",), ("d",), "msg", True, False, 3, 4),
    ]
    for obj in samples:
        back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == obj and type(back) is type(obj)


# ---- reading a file: one open/fstat/read, the same answers as stat + read_bytes ------------


def reference_read(path: Path) -> tuple[str | None, str | None]:
    """`read_source` as it was (stat, then Path.read_bytes): text, or the DG000 message."""
    import stat as st

    from ddlguard.runner import MAX_FILE_BYTES

    try:
        info = path.stat()
        if not st.S_ISREG(info.st_mode):
            return None, "cannot read: not a regular file"
        if info.st_size > MAX_FILE_BYTES:
            return None, "file larger than 20 MB, not analysed"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    if b"\x00" in data:
        return None, "not a text file (contains NUL bytes)"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte {exc.start})"


def test_read_source_answers_as_stat_and_read_did(tmp_path: Path) -> None:
    import socket

    from ddlguard.runner import read_source

    files = {
        "plain.py": b"x = 1\n",
        "empty.py": b"",
        "bom.py": "\ufeffx = 'é'\n".encode(),
        "nul.py": b"x = 1\x00\n",
        "latin1.py": b"x = '\xe9'\n",
        "big.py": b"# " + b"x" * 300_000 + b"\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder.py").mkdir()
    paths = [tmp_path / n for n in [*files, "folder.py", "missing.py"]]
    if sys.platform != "win32":
        os.mkfifo(tmp_path / "fifo.py")
        (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
        (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
        (tmp_path / "link.py").symlink_to(tmp_path / "bom.py")
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(tmp_path / "sock.py"))
        paths += [tmp_path / n for n in ("fifo.py", "loop.py", "dangling.py", "link.py", "sock.py")]
    for path in paths:
        text, failed = read_source(path)
        got = (text, failed.error if failed is not None else None)
        assert got == reference_read(path), path.name
