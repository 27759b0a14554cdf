"""`ddlguard check` over 1,000+ generated migrations beside a bare `ast.parse` loop, in one run.

Both sides are whole processes started the same way (interpreter start-up, reading every file),
so the ratio is what a user feels in pre-commit and CI. Run: `python bench/check_bench.py`.
`--profile` instead profiles one `ddlguard check` of the corpus in this process and prints where
the time goes, by module and by function (see docs/performance.md).
"""

from __future__ import annotations

import argparse
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


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def profile(root: Path, top: int) -> None:
    """cProfile of one check run (serial, so every file's work is in this process)."""
    import contextlib
    import cProfile
    import io
    import os
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one run instead")
    parser.add_argument("--top", type=int, default=25, help="rows to print with --profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, args.files)
        if args.profile:
            profile(root, args.top)
            return
        versions = root / "alembic" / "versions"
        check = [
            sys.executable,
            "-m",
            "ddlguard",
            "check",
            str(root),
            "--format",
            "json",
            "--exit-zero",
        ]
        parse = [sys.executable, "-c", AST_LOOP, str(versions)]
        timed(check), timed(parse)  # warm the file cache and .pyc files
        ddl, ast_ = [], []
        for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
            ddl.append(timed(check))
            ast_.append(timed(parse))
        proc = subprocess.run(check, capture_output=True, text=True)
        findings = proc.stdout.count('"code"')
    d, a = statistics.median(ddl), statistics.median(ast_)
    print(f"corpus: {args.files} migrations, {findings} findings")
    print(f"ast.parse loop   median {a * 1000:8.1f} ms")
    print(f"ddlguard check   median {d * 1000:8.1f} ms")
    print(f"ratio            {d / a:8.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    main()
