"""Resolving paths that users' trees may make hostile (symlink loops, dangling links)."""

from __future__ import annotations

import os
from pathlib import Path


def safe_resolve(path: Path) -> Path:
    """`path.resolve()`, or its absolute form when a symlink loop makes resolving fail.

    A looping link is then read like any file and reported as one DG000, instead of
    aborting the run wherever it is first resolved.
    """
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: symlink loop before Python 3.13
        return Path(os.path.abspath(path))
