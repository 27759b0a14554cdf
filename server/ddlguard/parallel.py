"""Sharing per-file work between forked processes, for `ddlguard check` over large trees.

Analysing a file is pure CPU work on its own text, so a run over hundreds of migrations
scales with cores, as ruff's does. `fork` (not `spawn`) because the children must start with
the engine already imported: spawning would pay the imports again in every child, which is
most of a small run. Only the CLI asks for more than one job: a process with threads (the
language server) must never fork.

Results come back in the input order and are exactly those of the serial loop: a child that
fails in any way (killed, unpicklable result) has its share redone in the parent.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# below this many files, forking and pickling cost more than they save (docs/performance.md)
PARALLEL_MIN_ITEMS = 128
JOBS_ENV = "DDLGUARD_JOBS"


def default_jobs() -> int:
    """`DDLGUARD_JOBS` when it is a positive integer, else the cores that are free.

    Usable cores (affinity-aware) less those other processes are running on now:
    on a saturated machine a forked worker only waits for a core, and the run is measured
    slower than the serial one (docs/performance.md).
    """
    configured = os.environ.get(JOBS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    if hasattr(os, "sched_getaffinity"):
        cores = max(1, len(os.sched_getaffinity(0)))
    else:
        cores = max(1, os.cpu_count() or 1)
    return max(1, min(cores, cores - busy_cores()))


def busy_cores() -> int:
    """Processes running now besides this one (Linux's /proc/loadavg), else the 1-minute load.

    The instant count follows load that just started or stopped; the average lags a minute.
    """
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            running = int(fh.read().split()[3].split("/")[0])
        return max(0, running - 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.getloadavg()[0])
    except (AttributeError, OSError):  # no load average (Windows)
        return 0


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin"  # macOS: fork is unsafe with its libs


def parallel_map(func: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """`[func(x) for x in items]`, shared between this process and `jobs - 1` forked children.

    Child `k` takes items `k, k + jobs, ...` (interleaved, so slow files spread evenly) and
    sends its results back pickled through a pipe; this process takes the rest meanwhile.
    """
    if jobs <= 1 or len(items) < PARALLEL_MIN_ITEMS or not can_fork():
        return [func(x) for x in items]
    jobs = min(jobs, len(items))
    for stream in (sys.stdout, sys.stderr):  # a child must not inherit unwritten output
        stream.flush()
    children: list[tuple[int, int, int]] = []  # (share, pid, read end)
    try:
        for share in range(1, jobs):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(read_end)
                _child(func, items[share::jobs], write_end)
            os.close(write_end)
            children.append((share, pid, read_end))
        results: list[R | None] = [None] * len(items)
        results[0::jobs] = [func(x) for x in items[0::jobs]]
        while children:
            share, pid, read_end = children.pop(0)
            got: list[R] | None = _collect(read_end, pid, len(items[share::jobs]))
            results[share::jobs] = got if got is not None else [func(x) for x in items[share::jobs]]
    finally:
        for _, pid, read_end in children:  # interrupted: leave no child or descriptor behind
            os.close(read_end)
            _stop(pid)
    return results  # type: ignore[return-value]  # every slot was filled above


def _child(func: Callable[[T], R], share: Sequence[T], write_end: int) -> None:
    import pickle  # only when forking: most runs are too small to share

    code = 1
    try:
        data = pickle.dumps([func(x) for x in share], protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        code = 0
    except BaseException:  # the parent redoes this share; nothing may escape
        pass
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _collect(read_end: int, pid: int, expected: int) -> list[R] | None:
    """The child's results, or None when it did not deliver all of them."""
    import pickle

    chunks: list[bytes] = []
    try:
        with os.fdopen(read_end, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
    except BaseException:
        _stop(pid)
        raise
    status = _reap(pid)
    if status != 0:
        return None
    try:
        got = pickle.loads(b"".join(chunks))
    except Exception:  # a truncated stream: redo the share
        return None
    return got if isinstance(got, list) and len(got) == expected else None


def _stop(pid: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    _reap(pid)


def _reap(pid: int) -> int:
    """Wait for a child; its exit code (-1 when it was killed or already gone)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status) if status else 0
