"""`ddlguard check` over 1,000+ generated migrations beside a bare `ast.parse` loop, in one run.

Both sides are whole processes started the same way (interpreter start-up, reading every file),
so the ratio is what a user feels in pre-commit and CI. Run: `python bench/check_bench.py`.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root, args.files)
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
