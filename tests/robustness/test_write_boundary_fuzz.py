"""Property: whatever symlinks appear at whatever level, before or during a write, nothing is
written outside the project root, and a write either completes inside it or fails cleanly."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ddlguard.safe_write as safe_write
import pytest
from ddlguard.safe_write import write_fix
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(not safe_write.HAVE_DIR_FD, reason="needs openat (POSIX)")

LEVELS = ("scripts", "scripts/sql", "versions")


def _outside_files(outside: Path) -> list[str]:
    return sorted(str(p.relative_to(outside)) for p in outside.rglob("*") if p.is_file())


@settings(max_examples=150, deadline=None)
@given(
    before=st.sets(st.sampled_from(LEVELS)),
    during=st.one_of(st.none(), st.tuples(st.sampled_from(LEVELS), st.integers(0, 8))),
    create_sql_folder=st.booleans(),
)
def test_no_link_anywhere_lets_a_write_leave_the_root(
    before: set[str], during: tuple[str, int] | None, create_sql_folder: bool
) -> None:
    base = Path(tempfile.mkdtemp())
    try:
        root, outside = base / "root", base / "outside"
        (root / "versions").mkdir(parents=True)
        (outside / "versions").mkdir(parents=True)
        (outside / "sql").mkdir()
        migration = root / "versions" / "m.py"
        migration.write_bytes(b"x = 1\n")
        (outside / "versions" / "m.py").write_bytes(b"x = 1\n")
        if create_sql_folder:
            (root / "scripts" / "sql").mkdir(parents=True)
        planned_script = root / "scripts" / "sql" / "s.sql"  # planned before any swap

        def swap(level: str) -> None:
            place = root / level
            if place.is_symlink() or not place.parent.is_dir():
                return
            if place.exists():
                place.rename(place.with_name(place.name + ".old"))
            place.symlink_to(outside / ("sql" if level == "scripts/sql" else level))

        for level in sorted(before):
            swap(level)
        snapshot = _outside_files(outside)
        calls = [0]
        real_open = os.open

        def open_and_maybe_swap(*args: Any, **kwargs: Any) -> int:
            if during is not None and calls[0] == during[1]:
                swap(during[0])
            calls[0] += 1
            return real_open(*args, **kwargs)

        safe_write.os.open = open_and_maybe_swap  # type: ignore[assignment]
        written = False
        try:
            write_fix(root, migration, lambda raw: b"x = 2\n", [(planned_script, b"S")])
            written = True
        except OSError:
            pass
        finally:
            safe_write.os.open = real_open  # type: ignore[assignment]
        if not before and during is None:  # nothing hostile: the write must happen
            assert written and migration.read_bytes() == b"x = 2\n"
            assert planned_script.read_bytes() == b"S"
        if written:  # into the folder that was checked (maybe renamed meanwhile), in the root
            inside = [p for p in root.rglob("m.py") if not p.is_symlink() and p.is_file()]
            assert [p.read_bytes() for p in inside] == [b"x = 2\n"]
        elif not migration.is_symlink():  # refused: the migration is untouched
            assert migration.read_bytes() == b"x = 1\n"
        assert _outside_files(outside) == snapshot
        assert (outside / "versions" / "m.py").read_bytes() == b"x = 1\n"
        for p in root.rglob("*"):
            if p.is_file() and not p.is_symlink():
                assert os.path.realpath(p).startswith(str(root.resolve()) + os.sep)
    finally:
        shutil.rmtree(base, ignore_errors=True)
