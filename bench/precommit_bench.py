"""Pre-commit and CI sized runs of `ddlguard check`, each beside its yardstick, in one run.

Issue 14's goals, all as ratios of whole processes measured side by side:

- one (or two) changed migrations of a 300-migration project, against `python -c pass`:
  the cache holds an earlier run, the named files are touched before every round (a new
  mtime: a cache miss), the revision graph's checks on (the default); one changed file
  that executes SQL and one that only changes the schema;
- whole projects at their root (discovery included), against a loop that `ast.parse`s the
  same migration files: cold (`--no-cache`), a first run (no cache yet: it writes one),
  warm (nothing changed since the last run); `ruff check --select ALL --no-cache` on the
  same files beside them.

Every round runs every command of a case back to back, so a machine that slows down for a
few seconds slows a round alike: the median of the per-round ratios is the figure, with its
quartiles. Byte code is compiled first and `PYTHONDONTWRITEBYTECODE` dropped, as in
`check_bench.py`.

`--instructions` runs each command once under valgrind (callgrind) instead and prints the
instructions of all its processes: the same on every run, whatever else the machine does.

Run: `python bench/precommit_bench.py [--repeat 9] [--files 300 1000] [--repo PATH ...]
[--instructions] [--skip-whole]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_bench import compile_package, run_env
from corpus import write_corpus

AST_LOOP = """
import ast, sys
for p in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(p, "rb") as fh:
        ast.parse(fh.read().decode("utf-8-sig"))
"""

Step = tuple[str, list[str], Callable[[], None] | None]
COUNT_INSTRUCTIONS = False  # --instructions


def ddlguard(*args: str) -> list[str]:
    return [sys.executable, "-m", "ddlguard", "check", "--format", "json", "--exit-zero", *args]


# `python -m ddlguard` with DDLGUARD_JOBS=1 set inside (every step shares one environment)
ONE_PROCESS = (
    "import os, runpy, sys; os.environ['DDLGUARD_JOBS'] = '1'; sys.argv[0] = 'ddlguard'; "
    "runpy.run_module('ddlguard', run_name='__main__', alter_sys=True)"
)


def ddlguard_one_process(*args: str) -> list[str]:
    """`ddlguard check` in one process: the work of a run, without the workers' share."""
    return [sys.executable, "-c", ONE_PROCESS, "check", "--format", "json", "--exit-zero", *args]


def migration_files(root: Path) -> list[str]:
    """The files `ddlguard check ROOT` analyses as migrations (discovery, in this process)."""
    from ddlguard.runner import check_paths

    run = check_paths([root])
    return [str(cf.result.path.resolve()) for cf in run.files if cf.result.is_migration]


def touch(paths: list[Path]) -> Callable[[], None]:
    def action() -> None:
        now = time.time_ns()
        for p in paths:
            os.utime(p, ns=(now, now))

    return action


def remove_caches(root: Path) -> None:
    """Every `.ddlguard_cache` under `root`: a project's cache sits in its own root (redash's
    in `migrations/`, beside its alembic.ini), not only in the folder the run starts from."""
    for folder in sorted(root.rglob(".ddlguard_cache")):
        shutil.rmtree(folder, ignore_errors=True)


def clear_cache(root: Path) -> Callable[[], None]:
    return lambda: remove_caches(root)


def instructions(cmd: list[str], env: dict[str, str], cwd: Path) -> int:
    """Instructions the command and every process it forks executed (valgrind's callgrind):
    the same count on every run, however busy the machine is.

    A forked child starts with its parent's count: without `--zero-before` on CPython's
    after-fork hook, each worker would count again everything its parent did before the
    fork (start-up, imports, discovery), and two workers looked like 1.4x the work."""
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    valgrind.append("--zero-before=PyOS_AfterFork_Child")
    proc = subprocess.run([*valgrind, *cmd], capture_output=True, text=True, env=env, cwd=cwd)
    counts = re.findall(r"Collected : (\d+)", proc.stderr)
    if not counts:
        raise SystemExit(f"valgrind gave no count for {cmd[:4]}:\n{proc.stderr[-2000:]}")
    return sum(int(c) for c in counts)


def count(title: str, steps: list[Step], cwd: Path) -> None:
    env = run_env()
    for _, cmd, before in steps:  # the same warm-up as `measure`
        if before:
            before()
        subprocess.run(cmd, capture_output=True, env=env, cwd=cwd)
    got: dict[str, int] = {}
    for name, cmd, before in steps:
        if before:
            before()
        got[name] = instructions(cmd, env, cwd)
    base = got[steps[0][0]]
    print(f"\n{title} (instructions, all processes)")
    for name, _, _ in steps:
        print(f"  {name:44} {got[name] / 1e6:8.0f} M  {got[name] / base:5.2f}x")


def measure(title: str, steps: list[Step], repeat: int, cwd: Path) -> None:
    if COUNT_INSTRUCTIONS:
        count(title, steps, cwd)
        return
    env = run_env()
    for _, cmd, before in steps:  # warm-up: file cache, byte code, the ddlguard cache
        if before:
            before()
        subprocess.run(cmd, capture_output=True, env=env, cwd=cwd)
    wall: dict[str, list[float]] = {name: [] for name, _, _ in steps}
    for _ in range(repeat):
        for name, cmd, before in steps:
            if before:
                before()
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd)
            wall[name].append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{cmd} failed:\n{proc.stderr.decode()[-2000:]}")
    base = steps[0][0]
    print(f"\n{title} (medians of {repeat} rounds; ratio = median of per-round ratios)")
    for name, _, _ in steps:
        rounds = sorted(a / b for a, b in zip(wall[name], wall[base], strict=True))
        low, high = rounds[len(rounds) // 4], rounds[(3 * len(rounds)) // 4]
        print(
            f"  {name:44} {statistics.median(wall[name]) * 1000:8.1f} ms  "
            f"{statistics.median(rounds):5.2f}x  ({low:.2f}-{high:.2f})"
        )


def precommit_case(root: Path, repeat: int) -> None:
    versions = sorted((root / "alembic" / "versions").glob("*.py"))
    # `one` runs SQL (`op.execute`, a session's add/delete): the whole detector loads for it;
    # `two` only changes the schema, as most migrations do: the detector is never imported
    one, two = versions[len(versions) // 2], versions[len(versions) // 3]
    subprocess.run(ddlguard(str(root)), capture_output=True, env=run_env())  # fills the cache
    steps: list[Step] = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("one changed migration (executes SQL)", ddlguard(str(one)), touch([one])),
        ("one changed migration (schema only)", ddlguard(str(two)), touch([two])),
        ("two changed migrations", ddlguard(str(one), str(two)), touch([one, two])),
        ("one migration, unchanged (cached)", ddlguard(str(one)), None),
        ("one changed migration, --no-cache", ddlguard(str(one), "--no-cache"), None),
    ]
    measure(f"pre-commit: {len(versions)} migrations", steps, repeat, root)


def whole_case(root: Path, repeat: int, title: str) -> None:
    files = migration_files(root)
    listing = Path(tempfile.mkdtemp()) / "files.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    ruff_cmd = [ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", "--quiet"]
    ruff_cmd += ["--isolated", *files]
    steps: list[Step] = [
        ("ast.parse loop", [sys.executable, "-c", AST_LOOP, str(listing)], None),
        ("ddlguard check ROOT, --no-cache", ddlguard(".", "--no-cache"), None),
        (
            "ddlguard check ROOT, --no-cache, 1 process",
            ddlguard_one_process(".", "--no-cache"),
            None,
        ),
        ("ddlguard check ROOT, first run (writes cache)", ddlguard("."), clear_cache(root)),
        ("ddlguard check ROOT, warm", ddlguard("."), None),
        ("ruff check --select ALL --no-cache", ruff_cmd, None),
    ]
    measure(f"{title}: {len(files)} migrations", steps, repeat, root)
    shutil.rmtree(listing.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--files", type=int, nargs="*", default=[300, 1000])
    parser.add_argument("--repo", type=Path, nargs="*", default=[], help="real projects")
    parser.add_argument("--skip-precommit", action="store_true")
    parser.add_argument("--skip-whole", action="store_true", help="only the pre-commit case")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (valgrind), once each"
    )
    args = parser.parse_args()
    global COUNT_INSTRUCTIONS
    COUNT_INSTRUCTIONS = args.instructions
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.files:
            root = Path(tmp) / f"corpus{count}"
            write_corpus(root, count)
            if count == args.files[0] and not args.skip_precommit:
                precommit_case(root, args.repeat)
            if not args.skip_whole:
                whole_case(root, args.repeat, f"generated corpus {count}")
    for repo in args.repo:
        whole_case(repo.resolve(), args.repeat, f"{repo.name}")
        remove_caches(repo)


if __name__ == "__main__":
    main()
