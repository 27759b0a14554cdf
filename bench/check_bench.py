"""`ddlguard check` over 1,000+ generated migrations beside a bare `ast.parse` loop, in one run.

All sides are whole processes started the same way (interpreter start-up, reading every file),
so the ratio is what a user feels in pre-commit and CI. Four commands run interleaved, each
`--repeat` times after a warm-up: the `ast.parse` loop, `ddlguard check --no-cache` as
installed (forked workers on free cores) and in one process (`DDLGUARD_JOBS=1`), and
`ddlguard check` served by its cache (nothing changed since the warm-up). Printed: the
median wall time of each, its ratio to the loop, and the CPU time (user + system, all
processes) beside the loop's.

Byte code: pip compiles `.pyc` files when it installs a package, so a user's `ddlguard` never
compiles its modules at start-up. An editable install run with `PYTHONDONTWRITEBYTECODE=1` in
the environment would recompile every module on every run (about 40 % of start-up here), so
the package is compiled first and the variable is dropped for the timed processes.

Run: `python bench/check_bench.py [--files 1000] [--repeat 11]`. `--profile` instead profiles
one `ddlguard check` of the corpus in this process and prints where the time goes, by module
and by function (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import write_corpus

AST_LOOP = """
import ast, sys
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.py")):
    ast.parse(p.read_bytes().decode("utf-8"))
"""


def run_env(jobs: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("DDLGUARD_JOBS", None)
    if jobs is not None:
        env["DDLGUARD_JOBS"] = jobs
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and every child it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def compile_package() -> None:
    """Write the `.pyc` files a pip install would have written."""
    import ddlguard

    package = Path(ddlguard.__file__).parent
    if not compileall.compile_dir(package, quiet=1):
        raise SystemExit(f"could not compile {package}")


def profile(root: Path, top: int) -> None:
    """cProfile of one check run (serial, so every file's work is in this process)."""
    import contextlib
    import cProfile
    import io
    import pstats
    from collections import Counter

    os.environ["DDLGUARD_JOBS"] = "1"
    from ddlguard.cli.main import main as ddlguard_main

    profiler = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        profiler.runcall(ddlguard_main, ["check", str(root), "--format", "json", "--exit-zero"])
    stats = pstats.Stats(profiler)
    by_module: Counter[str] = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = filename.split("ddlguard/", 1)[-1] if "ddlguard/" in filename else "(python)"
        by_module[name] += own
    total = sum(by_module.values())
    print(f"own time by module (profiled total {total * 1000:.0f} ms, cProfile inflates calls):")
    for name, own in by_module.most_common(top):
        print(f"  {own * 1000:8.1f} ms {100 * own / total:5.1f}%  {name}")
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--profile", action="store_true", help="profile one run instead")
    parser.add_argument("--top", type=int, default=25, help="rows to print with --profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, args.files)
        if args.profile:
            profile(root, args.top)
            return
        compile_package()
        versions = root / "alembic" / "versions"
        check = [sys.executable, "-m", "ddlguard", "check", str(root), "--format", "json"]
        check.append("--exit-zero")
        # cold: without --no-cache every run after the first would be served by the cache
        cold = [*check, "--no-cache"]
        commands = {
            "ast.parse loop": ([sys.executable, "-c", AST_LOOP, str(versions)], run_env()),
            "ddlguard check": (cold, run_env()),
            "ddlguard check, 1 process": (cold, run_env("1")),
            "ddlguard check, warm cache": (check, run_env()),
        }
        for cmd, env in commands.values():  # warm the file cache
            timed(cmd, env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):  # interleaved, so load on the machine hits all alike
            for name, (cmd, env) in commands.items():
                w, c = timed(cmd, env)
                wall[name].append(w)
                cpu[name].append(c)
        proc = subprocess.run(cold, capture_output=True, text=True, env=run_env())
        findings = proc.stdout.count('"code"')
    base = "ast.parse loop"
    print(f"corpus: {args.files} migrations, {findings} findings; medians of {args.repeat} rounds")
    print(f"{'':28} {'wall':>9} {'ratio':>7} {'cpu':>9} {'ratio':>7}   per-round wall ratios")
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        # each round runs every command back to back: a machine that slows down for a few
        # seconds slows a round's commands alike, so the ratio within a round is steadier
        rounds = sorted(a / b for a, b in zip(wall[name], wall[base], strict=True))
        low, high = rounds[len(rounds) // 4], rounds[(3 * len(rounds)) // 4]
        print(
            f"{name:28} {w * 1000:7.1f}ms {w / statistics.median(wall[base]):6.2f}x "
            f"{c * 1000:7.1f}ms {c / statistics.median(cpu[base]):6.2f}x   "
            f"median {statistics.median(rounds):.2f}x (quartiles {low:.2f}-{high:.2f})"
        )
    print("target: ddlguard check <= 1.5x the ast.parse loop (wall)")


if __name__ == "__main__":
    main()
