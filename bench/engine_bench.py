"""The engine's cost beside `ast.parse` of the same text, in one process (no start-up, no I/O).

Three cases: the 44-line migration the editor benchmark types into (`lsp_bench.SMALL_BODY`
under a `corpus.migration_text` header), the 2,000-line one (`corpus.long_migration`) and the 1,000-file corpus
(`corpus.write_corpus`, read into memory once). For each, `ddlguard.engine.analyze_source`
and a bare `ast.parse` run interleaved, many times; the medians and their ratio are printed,
with the detector's own share (`analysis.detector.detect`; its column is parse + detect\nminus parse).
Run: `python bench/engine_bench.py [--repeat 41] [--profile long|small|corpus]`.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import long_migration, migration_text, write_corpus
from ddlguard.analysis.detector import detect
from ddlguard.engine import analyze_source
from ddlguard.settings import Settings
from lsp_bench import SMALL_BODY

SETTINGS = Settings()
PATH = Path("versions/m.py")


def small_migration() -> str:
    """The 44-line migration `lsp_bench.py` types into: corpus header, its own body."""
    head = migration_text(random.Random(1), 0, None)[1].split("\n\ndef upgrade() -> None:\n")[0]
    return (
        head
        + "\n\ndef upgrade() -> None:\n"
        + SMALL_BODY
        + "\n\ndef downgrade() -> None:\n    # reverse order of upgrade()\n"
        + '    op.drop_table("user_events")\n'
        + '    op.drop_index("ix_users_active", table_name="users")\n'
        + '    op.drop_column("users", "active")\n'
    )


def corpus_texts(count: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_corpus(Path(tmp), count)
        return [p.read_text("utf-8") for p in paths]


# Each run keeps only its last result, as the server and the CLI do: keeping 1,000 trees
# alive would make the garbage collector's passes, not the work, dominate the figures.


def engine(texts: list[str]) -> Callable[[], object]:
    def run() -> object:
        result = None
        for text in texts:
            result = analyze_source(text, PATH, SETTINGS, in_version_dir=True)
        return result

    return run


def parse(texts: list[str]) -> Callable[[], object]:
    def run() -> object:
        tree = None
        for text in texts:
            tree = ast.parse(text)
        return tree

    return run


def detector(texts: list[str]) -> Callable[[], object]:
    def run() -> object:
        found = None
        for text in texts:
            found = detect(ast.parse(text), text)
        return found

    return run


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(texts: list[str], repeat: int) -> tuple[float, float, float]:
    """Medians (seconds) of engine, ast.parse and detector, interleaved so load hits all alike."""
    runs = {"engine": engine(texts), "parse": parse(texts), "detect": detector(texts)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():
        fn()  # warm caches (SQL classification is memoised per text, as in the server)
    gc.collect()
    for _ in range(repeat):
        for name, fn in runs.items():
            times[name].append(timed(fn))
    parsed = statistics.median(times["parse"])
    return (
        statistics.median(times["engine"]),
        parsed,
        statistics.median(times["detect"]) - parsed,
    )


def profile(texts: list[str], top: int) -> None:
    profiler = cProfile.Profile()
    run = engine(texts)
    run()
    profiler.runcall(run)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=41, help="runs per case (corpus: a fifth)")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--profile", choices=["small", "long", "corpus"])
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    cases = {
        "small": [small_migration()],
        "long": [long_migration()],
        "corpus": corpus_texts(args.files),
    }
    if args.profile:
        profile(cases[args.profile], args.top)
        return
    print(
        f"{'case':<28} {'ast.parse':>10} {'engine':>10} {'ratio':>7} {'detector':>10} {'ratio':>7}"
    )
    for name, texts in cases.items():
        lines = sum(t.count("\n") for t in texts)
        repeat = max(args.repeat // 5, 5) if len(texts) > 1 else args.repeat
        eng, par, det = measure(texts, repeat)
        label = f"{name} ({len(texts)} file{'s' * (len(texts) > 1)}, {lines} lines)"
        print(
            f"{label:<28} {par * 1000:8.2f}ms {eng * 1000:8.2f}ms {eng / par:6.2f}x "
            f"{det * 1000:8.2f}ms {det / par:6.2f}x"
        )


if __name__ == "__main__":
    main()
