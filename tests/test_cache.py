"""The on-disk cache of `ddlguard check` changes how long a run takes, never what it says.

Every report here is compared byte for byte with the one of `--no-cache`: on a cold cache,
a warm one, after edits, with a corrupt, hostile or symlinked cache, and across job counts.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from ddlguard import cache as cache_module
from ddlguard import graph, runner
from ddlguard import project as project_module
from ddlguard.cache import CACHE_DIR, CACHE_FILE, RunCache, tool_fingerprint
from ddlguard.cli.main import main

from tests.test_performance import write_project

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "backend"
needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")


def check(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str, fmt: str = "json"
) -> tuple[int, str, str]:
    """One in-process `ddlguard check` in `root` (exit code, stdout, stderr)."""
    graph._INFO_CACHE.clear()  # the process-wide memo would hide what the disk cache does
    old = Path.cwd()
    os.chdir(root)
    try:
        code = main(["check", "--format", fmt, *args])
    finally:
        os.chdir(old)
    out = capsys.readouterr()
    return code, out.out, out.err


def project(tmp_path: Path, count: int = 40) -> Path:
    root = tmp_path / "proj"
    write_project(root, count)
    return root


def cache_file(root: Path) -> Path:
    return root / CACHE_DIR / CACHE_FILE


def test_cold_and_warm_runs_report_what_no_cache_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    check(root, capsys, "--no-cache")
    assert not (root / CACHE_DIR).exists()  # --no-cache writes nothing
    for fmt in ("json", "text", "sarif"):
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
        plain = check(root, capsys, "--no-cache", fmt=fmt)
        assert check(root, capsys, fmt=fmt) == plain  # cold: fills the cache
        assert cache_file(root).is_file()
        assert check(root, capsys, fmt=fmt) == plain  # warm
    assert "DG000" in plain[1] and "DG101" in plain[1]  # the project has both kinds


def test_the_cache_folder_ignores_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, 3)
    check(root, capsys)
    assert (root / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_warm_run_analyses_nothing_and_parses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    first = check(root, capsys)

    def refuse(*_: object, **__: object) -> object:
        raise AssertionError("analysed although cached")

    monkeypatch.setattr(runner, "check_file", refuse)
    monkeypatch.setattr(graph, "_parse_info", refuse)
    assert check(root, capsys) == first


def test_checking_one_file_reads_only_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After earlier runs, the graph's other files come from the cache, not from a parse."""
    root = project(tmp_path)
    check(root, capsys)  # the whole project: its engine results fill the graph's entries
    target = root / "alembic" / "versions" / "r0005.py"
    # but not those of files the engine found broken (DG000): the graph parses them once
    check(root, capsys, str(target))
    target.write_text(target.read_text() + "\n# edited\n")
    parsed: list[Path] = []
    real = graph._parse_info
    monkeypatch.setattr(graph, "_parse_info", lambda p: parsed.append(p) or real(p))
    got = check(root, capsys, str(target))
    monkeypatch.setattr(graph, "_parse_info", real)
    assert parsed == []
    assert got == check(root, capsys, str(target), "--no-cache")


def test_edits_are_seen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, 6)  # no DG000 file: the graph is complete, DG102 can be told
    check(root, capsys)
    target = root / "alembic" / "versions" / "r0001.py"
    text = target.read_text()
    target.write_text(text.replace("op.add_column", "op.execute('DELETE FROM users')  #"))
    after = check(root, capsys)
    assert after == check(root, capsys, "--no-cache")
    assert "DELETE" in after[1]
    # a renamed revision id changes the graph seen from another file
    other = root / "alembic" / "versions" / "r0002.py"
    other.write_text(other.read_text().replace('"r0002"', '"r9999"'))
    one = check(root, capsys, str(root / "alembic" / "versions" / "r0003.py"))
    assert one == check(root, capsys, str(root / "alembic" / "versions" / "r0003.py"), "--no-cache")
    assert "DG102" in one[1]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b'{"format": 1, "tool": "x", "variants": [], "files": {}}',  # another version's
        b"\xff\xfe\x00",
        b"[]",
    ],
)
def test_a_corrupt_cache_is_ignored_and_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    root = project(tmp_path, 12)
    plain = check(root, capsys, "--no-cache")
    (root / CACHE_DIR).mkdir()
    cache_file(root).write_bytes(content)
    assert check(root, capsys) == plain
    assert json.loads(cache_file(root).read_text())["tool"] == tool_fingerprint()
    assert check(root, capsys) == plain


def test_hostile_entries_are_misses_not_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Entries of the right stamp but the wrong shape are analysed again, whatever they hold."""
    root = project(tmp_path, 12)
    plain = check(root, capsys, "--no-cache")
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    wrecks = [
        None,
        [],
        [[["DG001", "x", 99, [1, 0, 1, 0], None, None, {}]], True, None, None],  # bad severity
        [[["DG001", "x", 3, [1, 0, "1", 0], None, None, {}]], True, None, None],
        [[["DG001", "x", 3, [1, 0, 1, 0], None, ["bogus", "", None], {}]], True, None, None],
        [[], "yes", None, None],
        [[], True, ["r", "not a list", [], [], None, True, True, 1, 2], None],
        # the lean forms: only 1 ("clean") and an info of 1 ("the entry's own") mean anything
        0,
        2,
        True,
        1.0,
        "1",
        [[], True, 7, None],
        [[], True, True, None],
    ]
    for n, (rel, entry) in enumerate(sorted(data["files"].items())):
        entry[2] = {"0": wrecks[n % len(wrecks)]}
        entry[1] = ["r", 1, 2] if n % 2 else entry[1]  # a graph entry of the wrong shape
        data["files"][rel] = entry
    cache_file(root).write_text(json.dumps(data))
    assert check(root, capsys) == plain
    # "clean" or "the entry's own info" beside a graph entry that is no info: misses
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    for n, (rel, entry) in enumerate(sorted(data["files"].items())):
        entry[1] = [None, [], [], [], None, True, True, 1, "2"] if n % 2 else 0
        entry[2] = {"0": 1 if n % 3 else [[], True, 1, None]}
        data["files"][rel] = entry
    cache_file(root).write_text(json.dumps(data))
    assert check(root, capsys) == plain


def test_a_copied_cache_does_not_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A cache that travelled with the files (committed, unpacked, copied) is never used:
    ctime and inode are the machine's own, so forged findings cannot hide real ones."""
    root = project(tmp_path, 8)
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    for entry in data["files"].values():
        entry[2] = {"0": [[], True, None, None]}  # "no findings"
    cache_file(root).write_text(json.dumps(data))
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)  # copy2 keeps size and mtime; ctime and inode change
    assert check(copy, capsys) == check(copy, capsys, "--no-cache")
    assert "DG001" in check(copy, capsys)[1]


@needs_symlinks
def test_a_symlinked_cache_folder_is_neither_read_nor_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, 8)
    plain = check(root, capsys, "--no-cache")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)
    assert check(root, capsys) == plain
    assert check(root, capsys) == plain
    assert list(elsewhere.iterdir()) == []


@needs_symlinks
def test_a_symlinked_cache_file_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, 8)
    check(root, capsys)
    real = tmp_path / "victim.json"
    shutil.move(cache_file(root), real)
    before = real.read_bytes()
    cache_file(root).symlink_to(real)
    plain = check(root, capsys, "--no-cache")
    assert check(root, capsys) == plain  # not read through the link
    assert real.read_bytes() == before  # not written through it: the link itself is replaced
    assert not cache_file(root).is_symlink()


def test_fix_runs_read_the_cache_but_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, 8)
    check(root, capsys)
    before = cache_file(root).read_bytes()
    target = root / "alembic" / "versions" / "r0001.py"
    target.write_text(target.read_text() + "\n")
    for flags in (["--diff"], ["--unsafe-fixes", "--diff"], ["--fix"], ["--unsafe-fixes"]):
        check(root, capsys, *flags)
        assert cache_file(root).read_bytes() == before


def test_another_tool_version_starts_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, 8)
    check(root, capsys)
    monkeypatch.setattr(cache_module, "_fingerprint", "another/version/00000000")
    calls: list[Path] = []
    real = runner.check_file

    def counting(path: Path, *args: object, **kwargs: object) -> runner.CheckedFile:
        calls.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "check_file", counting)
    check(root, capsys)
    assert len(calls) == 8


def test_settings_are_part_of_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, 14)
    check(root, capsys)
    narrowed = check(root, capsys, "--select", "DG000")
    assert narrowed == check(root, capsys, "--select", "DG000", "--no-cache")
    assert "DG001" not in narrowed[1]
    assert "DG001" in check(root, capsys)[1]


def test_the_examples_report_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "backend"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(CACHE_DIR, "__pycache__"))
    for fmt in ("json", "sarif", "github"):
        plain = check(root, capsys, "--no-cache", fmt=fmt)
        assert check(root, capsys, fmt=fmt) == plain
        assert check(root, capsys, fmt=fmt) == plain


def test_job_counts_and_the_cache_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, 300)  # above PARALLEL_MIN_ITEMS: two jobs fork
    monkeypatch.setenv("DDLGUARD_JOBS", "1")
    plain = check(root, capsys, "--no-cache")
    monkeypatch.setenv("DDLGUARD_JOBS", "2")
    assert check(root, capsys, "--no-cache") == plain
    assert check(root, capsys) == plain  # cold, forked
    target = root / "alembic" / "versions" / "r0100.py"
    target.write_text(target.read_text() + "\n")
    assert check(root, capsys) == plain  # one miss among hits
    monkeypatch.setenv("DDLGUARD_JOBS", "1")
    assert check(root, capsys) == plain


def test_a_read_only_cache_saves_nothing(tmp_path: Path) -> None:
    store = RunCache(read_only=True)
    project_cache = store.for_root(tmp_path)
    project_cache.store_info("a.py", (1, 2, 3, 4), None)
    store.save()
    assert not (tmp_path / CACHE_DIR).exists()


def test_the_graph_reads_a_file_as_the_engine_does(tmp_path: Path) -> None:
    """The run stores the engine's `MigrationInfo` as the graph's reading of the file, so
    `graph.read_info` must give exactly that on every file the engine read without error."""
    from ddlguard.project import Project
    from ddlguard.settings import Settings

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from corpus import write_corpus

    write_corpus(tmp_path / "corpus", 60)
    files = sorted((tmp_path / "corpus").rglob("*.py"))
    odd = tmp_path / "odd"
    odd.mkdir()
    header = 'revision = "x1"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n'
    for name, data in {
        "bom.py": b"\xef\xbb\xbf" + header.encode(),
        "two_boms.py": b"\xef\xbb\xbf" + "\ufeff".encode() + header.encode(),
        "latin1.py": b"# caf\xe9\n" + header.encode(),
        "nul.py": header.encode() + b"\x00",
        "broken.py": header.encode() + b"    op.execute(\n",
        "warns.py": header.encode() + b"x = 1 is 1\ny = '\\d'\n",
        "docstring.py": b'"""\tTabbed  message\n\nmore"""\n' + header.encode(),
    }.items():
        (odd / name).write_bytes(data)
        files.append(odd / name)
    compared = 0
    for path in files:
        graph._INFO_CACHE.clear()
        checked = runner.check_file(path, Project(root=tmp_path), Settings(), in_version_dir=True)
        if checked.result.error is None:
            assert graph.read_info(path) == checked.result.info, path.name
            compared += 1
        else:
            assert graph.read_info(path) is None, path.name
    assert compared >= 60


# --- discovery's reading of files outside the version locations ----------------------------

LOOSE = 'from alembic import op\n\nrevision = "{rev}"\ndown_revision = {down}\n\n\ndef upgrade():\n    {body}\n'


def loose_project(tmp_path: Path, count: int = 6) -> Path:
    """No alembic.ini: discovery reads the head of every `.py` file to find the migrations."""
    root = tmp_path / "loose"
    versions = root / "app" / "db" / "versions"
    versions.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'loose'\n")
    down = None
    for n in range(count):
        body = "op.execute('UPDATE t SET x = 1')" if n % 2 else "op.add_column('t', 'c')"
        (versions / f"m{n}.py").write_text(LOOSE.format(rev=f"m{n}", down=repr(down), body=body))
        down = f"m{n}"
    for name in ("models.py", "views.py", "util.py"):
        (root / "app" / name).write_text(f"# {name}\ndef upgrade():\n    return 1\n")
    return root


def heads_of(root: Path) -> dict[str, str]:
    return dict(json.loads(cache_file(root).read_text())["heads"])


def test_loose_migrations_cold_and_warm_report_what_no_cache_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = loose_project(tmp_path)
    for fmt in ("json", "sarif"):
        shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
        plain = check(root, capsys, "--no-cache", fmt=fmt)
        assert check(root, capsys, fmt=fmt) == plain
        assert check(root, capsys, fmt=fmt) == plain
        assert "DG001" in plain[1]
    heads = heads_of(root)
    assert sorted(heads) == sorted(
        [f"app/db/versions/m{n}.py" for n in range(6)]
        + ["app/models.py", "app/util.py", "app/views.py"]
    )
    assert sum(v.endswith("+") for v in heads.values()) == 6

    def refuse(*_: object) -> bool:
        raise AssertionError("a head was read although cached")

    monkeypatch.setattr(project_module, "_quick_is_migration", refuse)
    assert check(root, capsys, fmt="sarif") == plain


def test_a_file_that_becomes_a_migration_and_back_is_seen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = loose_project(tmp_path)
    check(root, capsys)
    util = root / "app" / "util.py"
    util.write_text(LOOSE.format(rev="u1", down="'m5'", body="op.execute('DELETE FROM t')"))
    became = check(root, capsys)
    assert became == check(root, capsys, "--no-cache")
    assert "util.py" in became[1] and "DELETE" in became[1]
    first = root / "app" / "db" / "versions" / "m0.py"
    first.write_text("# no longer a migration\n")
    util.write_text("# not a migration again\n")
    after = check(root, capsys)
    assert after == check(root, capsys, "--no-cache")
    assert "util.py" not in after[1] and "m0.py" not in after[1]
    assert heads_of(root)["app/util.py"].endswith("-")


@pytest.mark.parametrize(
    "forge",
    [
        lambda v: 1,
        lambda v: None,
        lambda v: [v[:-1], True],
        lambda v: v[:-1],  # no verdict
        lambda v: v[:-1] + "?",
        lambda v: "1:2:3:4+",  # another stamp
    ],
)
def test_hostile_head_entries_are_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], forge: Any
) -> None:
    """A head entry of the wrong shape or stamp is read again, never an error."""
    root = loose_project(tmp_path)
    plain = check(root, capsys, "--no-cache")
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    data["heads"] = {rel: forge(v) for rel, v in data["heads"].items()}
    cache_file(root).write_text(json.dumps(data))
    assert check(root, capsys) == plain


def test_a_head_verdict_only_makes_a_candidate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry of the right stamp is the machine's own (ctime, inode) and trusted, as the
    engine's are; one saying "+" for a plain module only makes it a candidate: the engine
    still decides it is no migration."""
    root = loose_project(tmp_path)
    plain = check(root, capsys, "--no-cache")
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    data["heads"] = {rel: v[:-1] + "+" for rel, v in data["heads"].items()}
    cache_file(root).write_text(json.dumps(data))
    assert check(root, capsys) == plain


@pytest.mark.parametrize("heads", [[], "x", None, {"app/util.py": {"a": 1}}])
def test_a_heads_table_of_the_wrong_shape_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], heads: object
) -> None:
    root = loose_project(tmp_path)
    plain = check(root, capsys, "--no-cache")
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    data["heads"] = heads
    cache_file(root).write_text(json.dumps(data))
    assert check(root, capsys) == plain
    assert len(heads_of(root)) == 9  # rebuilt


def test_a_copied_heads_table_does_not_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = loose_project(tmp_path)
    check(root, capsys)
    data = json.loads(cache_file(root).read_text())
    data["heads"] = {rel: v[:-1] + "-" for rel, v in data["heads"].items()}  # "no migration"
    cache_file(root).write_text(json.dumps(data))
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    assert check(copy, capsys) == check(copy, capsys, "--no-cache")
    assert "DG001" in check(copy, capsys)[1]


def test_data_scripts_reuse_the_projects_discovery_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project checks take discovery's projects of each folder (no second walk of the
    tree), and report exactly what a walk of their own found."""
    from ddlguard import data_scripts

    root = tmp_path / "backend"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(CACHE_DIR, "__pycache__"))
    scripts = root / "scripts" / "sql"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "2024-05-02-backfill.sql").write_text("ALTER TABLE t ADD COLUMN c int;\n")
    plain = check(root, capsys, "--no-cache")
    assert "DG401" in plain[1]

    def refuse(*_: object, **__: object) -> object:
        raise AssertionError("walked the tree again")

    monkeypatch.setattr(data_scripts, "find_projects", refuse)
    assert check(root, capsys, "--no-cache") == plain
    assert check(root, capsys) == plain
