"""Sharing per-file work between forked processes, for `ddlguard check` over large trees.

Analysing a file is pure CPU work on its own text, so a run over hundreds of migrations
scales with cores, as ruff's does. `fork` (not `spawn`) because the children must start with
the engine already imported: spawning would pay the imports again in every child, which is
most of a small run. Only the CLI asks for more than one job: a process with threads (the
language server) must never fork.

Results come back in the input order and are exactly those of the serial loop: a child that
fails in any way (killed, unpicklable result) has the chunks it took redone in the parent.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# below this many files, forking and pickling can cost more than they save: measured, 128
# files ran 10 % slower in two processes than in one when another program kept a core busy,
# 256 files never did (docs/performance.md)
PARALLEL_MIN_ITEMS = 256
# the most items in one chunk of work: small enough that processes end close together
CHUNK_ITEMS = 8
_TOKEN = 4  # bytes of a chunk number in the queue
# the queue is written whole before anyone reads it: stay within the smallest pipe buffer
MAX_CHUNKS = 4096 // _TOKEN
JOBS_ENV = "DDLGUARD_JOBS"


def default_jobs() -> int:
    """`DDLGUARD_JOBS` when it is a positive integer, else every usable core (affinity-aware).

    Cores busy with other work are used too: chunks are taken from a queue, so a worker
    that gets little CPU takes few of them. Measured on 2 cores with one or two CPU-bound
    processes beside the run, two workers still beat one (docs/performance.md); counting
    the processes running at start-up (as before the queue) also mistook a momentary
    blip for load in one run in ten.
    """
    configured = os.environ.get(JOBS_ENV, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin"  # macOS: fork is unsafe with its libs


def parallel_map(func: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """`[func(x) for x in items]`, shared between this process and `jobs - 1` forked children.

    The items are cut into small chunks whose numbers wait in a pipe; every process takes
    the next number when it is free (a read of 4 bytes from a pipe filled before anyone
    reads is atomic), so a process slowed by the machine, or given the heavy files, simply
    takes fewer chunks: all end within a chunk of each other. Children send their results
    back pickled through a pipe of their own; a chunk a failed child took is redone here.
    """
    if jobs <= 1 or len(items) < PARALLEL_MIN_ITEMS or not can_fork():
        return [func(x) for x in items]
    jobs = min(jobs, len(items))
    size = max(1, min(CHUNK_ITEMS, len(items) // (jobs * 4)), -(-len(items) // MAX_CHUNKS))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    for stream in (sys.stdout, sys.stderr):  # a child must not inherit unwritten output
        stream.flush()
    queue, fill = os.pipe()
    try:
        os.write(fill, b"".join(n.to_bytes(_TOKEN, "little") for n in range(len(chunks))))
    finally:
        os.close(fill)  # nobody can write: an empty queue reads as the end
    children: list[tuple[int, int]] = []  # (pid, read end of its results)
    try:
        for _ in range(1, jobs):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(read_end)
                _child(func, chunks, queue, write_end)
            os.close(write_end)
            children.append((pid, read_end))
        done: dict[int, list[R]] = dict(_take_chunks(func, chunks, queue))
        while children:
            pid, read_end = children.pop(0)
            done.update(_collect(read_end, pid))
    finally:
        os.close(queue)
        for pid, read_end in children:  # interrupted: leave no child or descriptor behind
            os.close(read_end)
            _stop(pid)
    results: list[R] = []
    for number, chunk in enumerate(chunks):
        got = done.get(number)
        results.extend(got if got is not None and len(got) == len(chunk) else map(func, chunk))
    return results


def _take_chunks(
    func: Callable[[T], R], chunks: list[Sequence[T]], queue: int
) -> Iterator[tuple[int, list[R]]]:
    """Take chunk numbers from the queue until it is empty, and do each chunk."""
    while len(token := os.read(queue, _TOKEN)) == _TOKEN:
        number = int.from_bytes(token, "little")
        yield number, [func(x) for x in chunks[number]]


def _child(func: Callable[[T], R], chunks: list[Sequence[T]], queue: int, write_end: int) -> None:
    import pickle  # only when forking: most runs are too small to share

    code = 1
    try:
        # each chunk pickled as it is done, while the others still work: only the write of
        # the bytes is left when the queue is empty
        done = [pickle.dumps(d, pickle.HIGHEST_PROTOCOL) for d in _take_chunks(func, chunks, queue)]
        data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        code = 0
    except BaseException:  # the parent redoes what this child took; nothing may escape
        pass
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _collect(read_end: int, pid: int) -> list[tuple[int, list[R]]]:
    """The chunks a child did, or none when it did not deliver (the parent redoes them)."""
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
        return []
    try:
        return [pickle.loads(part) for part in pickle.loads(b"".join(chunks))]
    except Exception:  # a truncated stream: redo its chunks
        return []


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
