"""The long fuzzing profile: the invariants of tests/robustness on at least 100,000 inputs.

Not part of pytest (it takes many minutes). Run from the repository root:

    python bench/fuzz_long.py                      # 100,000 inputs, every CPU
    python bench/fuzz_long.py --inputs 5000 --jobs 1 --seed 7

Inputs are split over four profiles (generated migrations, half-typed migrations, random
bytes/text, fixes of generated migrations) and run in chunks, each with its own seed, in
worker processes. A failure is shrunk by hypothesis, printed with its seed, and the run goes
on with the next chunk. Exit status: 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

# Share of the inputs per profile; fixes are the slowest (libcst), so they get fewer.
PROFILES = {"generated": 0.35, "typed": 0.30, "random": 0.25, "fix": 0.10}
CHUNK = 2000


@dataclass
class ChunkResult:
    profile: str
    seed: int
    inputs: int
    seconds: float
    findings: Counter[str] = field(default_factory=Counter)
    failure: str | None = None


def _property(profile: str, counter: Counter[str]) -> tuple[Any, Any]:
    """The strategy and the check of one profile (imported in the worker)."""
    from robustness.fix_properties import check_fix
    from robustness.properties import check_expected, check_source
    from robustness.strategies import Doc, migrations, random_sources, typed_migrations

    def generated(doc: Doc) -> None:
        result = check_source(doc.text, doc.calls)
        assert result.error is None, f"a valid migration gave {result.error!r}"
        check_expected(doc.text, doc.expected, result)
        counter.update(f.code for f in result.findings)

    def anything(source: str | bytes) -> None:
        result = check_source(source)
        counter.update(f.code for f in result.findings)

    def fix(doc: Doc) -> None:
        check_fix(doc.text)

    return {
        "generated": (migrations(), generated),
        "typed": (typed_migrations(), anything),
        "random": (random_sources(), anything),
        "fix": (migrations(), fix),
    }[profile]


def run_chunk(profile: str, seed: int, n: int) -> ChunkResult:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    counter: Counter[str] = Counter()
    calls = [0]
    strategy, check = _property(profile, counter)

    @hypothesis_seed(seed)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(strategy)
    def prop(value: Any) -> None:
        calls[0] += 1
        check(value)

    started = time.perf_counter()
    failure = None
    try:
        prop()
    except Exception as exc:
        notes = "\n".join(getattr(exc, "__notes__", []))
        failure = "".join(traceback.format_exception_only(exc)).strip() + "\n" + notes
    return ChunkResult(profile, seed, calls[0], time.perf_counter() - started, counter, failure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--inputs", type=int, default=100_000, help="total inputs (default 100,000)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=20261125, help="base seed (chunks add to it)")
    args = parser.parse_args(argv)

    tasks: list[tuple[str, int, int]] = []
    for profile, share in PROFILES.items():
        remaining = max(1, round(args.inputs * share))
        index = 0
        while remaining > 0:
            n = min(CHUNK, remaining)
            tasks.append((profile, args.seed + 1000 * index + len(tasks), n))
            remaining -= n
            index += 1

    started = time.perf_counter()
    results: list[ChunkResult] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_chunk, *task) for task in tasks]
        for done, future in enumerate(as_completed(futures), 1):
            result = future.result()
            results.append(result)
            status = "FAILED" if result.failure else "ok"
            print(
                f"[{done}/{len(tasks)}] {result.profile:<9} seed={result.seed} "
                f"inputs={result.inputs} {result.seconds:.1f}s {status}",
                flush=True,
            )
            if result.failure:
                print(result.failure, flush=True)
    elapsed = time.perf_counter() - started

    print("\nprofile    inputs   cpu-seconds  failures")
    for profile in PROFILES:
        mine = [r for r in results if r.profile == profile]
        print(
            f"{profile:<9} {sum(r.inputs for r in mine):>8} {sum(r.seconds for r in mine):>12.1f}"
            f" {sum(1 for r in mine if r.failure):>9}"
        )
    total = sum(r.inputs for r in results)
    failures = [r for r in results if r.failure]
    findings: Counter[str] = Counter()
    for r in results:
        findings.update(r.findings)
    print(
        f"\n{total} inputs in {elapsed:.0f} s wall ({args.jobs} jobs); {len(failures)} failing chunks"
    )
    print("findings seen: " + ", ".join(f"{c} {n}" for c, n in sorted(findings.items())))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
